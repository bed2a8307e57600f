"""What the browser tests share: which Chromium, started how, waited on how long, and
what the pages' Content-Security-Policy refused."""

import os
from pathlib import Path

# Playwright cannot download its own browser here: it drives the system's Chromium.
DEFAULT_CHROMIUM = "/usr/bin/chromium"
# On this closed network Chromium must not phone home, or its refused connections
# disturb the page. launch() adds a fresh, temporary --user-data-dir by itself.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 30_000


def chromium_executable() -> Path | None:
    """Return $CHROMIUM_PATH (or Debian's /usr/bin/chromium) if it is an executable file."""
    path = Path(os.environ.get("CHROMIUM_PATH") or DEFAULT_CHROMIUM)
    return path if path.is_file() and os.access(path, os.X_OK) else None


# Run in every document before its own scripts: each violation of the page's
# Content-Security-Policy (an inline style or script, a foreign origin) is kept.
CSP_WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.effectiveDirective}: ${event.blockedURI || "inline"}`
    + ` (${event.sourceFile || "the document"}:${event.lineNumber})`);
});
"""


def watch_csp(context) -> None:
    """Keep the CSP violations of every page of `context` (read them with csp_violations)."""
    context.add_init_script(CSP_WATCH)


def csp_violations(page) -> list[str]:
    return page.evaluate("window.__cspViolations || []")
