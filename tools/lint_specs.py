"""Lint every spec in openapi/, as written and as served, with Spectral and Redocly CLI.

Rules: Spectral's `spectral:oas` (.spectral.yaml) and Redocly's `recommended`
(redocly.yaml). Any error fails; warnings are shown. "As served" is the
bundled document app.contract.specs serves at <base path>/openapi.json, so a spec added
to openapi/ is linted both ways with no change here.

Both tools come from the npm registry at pinned versions, installed once into
the folder given as the first argument (tox: the env's own folder). Without
npm the lint is skipped, saying so.

    python tools/lint_specs.py [TOOLS_FOLDER]
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.contract import specs  # noqa: E402

TOOLS = {"@stoplight/spectral-cli": "6.16.3", "@redocly/cli": "2.77.0"}
# npm waits for ever on a registry it cannot reach (seen without the machine's CA
# settings); the run must end, so a hung install counts as "no npm here".
INSTALL_TIMEOUT_SECONDS = 300
# Redocly CLI would otherwise try to send usage data and look for updates.
QUIET_REDOCLY = {"REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true"}


def install(folder: Path) -> Path:
    """Install the pinned tools into `folder` unless they are there; return their bin folder."""
    modules = folder / "node_modules"

    def installed(package: str) -> str | None:
        manifest = modules / package / "package.json"
        return json.loads(manifest.read_text())["version"] if manifest.is_file() else None

    if any(installed(package) != version for package, version in TOOLS.items()):
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["npm", "install", "--prefix", str(folder), "--no-audit", "--no-fund",
             "--loglevel=error", *(f"{package}@{version}" for package, version in TOOLS.items())],
            check=True, timeout=INSTALL_TIMEOUT_SECONDS,
        )
    return modules / ".bin"


def documents(scratch: Path) -> list[Path]:
    """Each spec as written, and as served (bundled, as JSON, in `scratch`)."""
    found = []
    for source in sorted((ROOT / "openapi").glob("*.yaml")):
        served = scratch / f"{source.stem}.served.json"
        served.write_text(json.dumps(specs.bundle(source), indent=2))
        found += [source, served]
    return found


def main(argv: list[str]) -> int:
    if shutil.which("npm") is None:
        print("SKIPPED: npm is not installed (apt-get install npm), so the specs were not linted")
        return 0
    try:
        bin_dir = install(Path(argv[1]) if len(argv) > 1 else ROOT / ".tox" / "lint-tools")
    except subprocess.TimeoutExpired:
        print(f"SKIPPED: npm could not install the linters in {INSTALL_TIMEOUT_SECONDS} s "
              "(is the npm registry reachable?), so the specs were not linted")
        return 0
    env = {**os.environ, **QUIET_REDOCLY}
    failed = []
    with tempfile.TemporaryDirectory() as scratch:
        targets = documents(Path(scratch))
        for target in targets:
            name = target.name if target.parent == Path(scratch) else target.relative_to(ROOT)
            for tool, command in (
                ("Spectral", [bin_dir / "spectral", "lint", "--ruleset", ROOT / ".spectral.yaml",
                              "--fail-severity", "error", target]),
                ("Redocly", [bin_dir / "redocly", "lint", "--config", ROOT / "redocly.yaml",
                             "--format", "stylish", target]),
            ):
                print(f"--- {tool}: {name}", flush=True)
                if subprocess.run([str(part) for part in command], env=env).returncode != 0:
                    failed.append(f"{tool} on {name}")
    if failed:
        print(f"lint: errors from {', '.join(failed)}")
        return 1
    print(f"lint: {len(targets)} documents, no errors from Spectral or Redocly")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
