"""The console's serving side (app/console): its files, their policy, its config, its vendored files.

What the page does in a browser is tests/browser/test_console.py's.
"""

import hashlib
import json
import re

import pytest

from app import console, create_app
from app.config import ConfigurationError, Settings
from tests.live_server import ROOT

STATIC = ROOT / "app" / "console" / "static"
POLICY = ("default-src 'self'; img-src 'self' data:; base-uri 'none'; object-src 'none'; "
          "frame-ancestors 'none'; form-action 'self'")


def test_the_page_is_served_with_its_policy(client):
    page = client.get("/console/")

    assert page.status_code == 200
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert page.headers["Content-Security-Policy"] == POLICY
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.content == (STATIC / "index.html").read_bytes()


def test_console_without_the_slash_redirects_to_the_page(client):
    answer = client.get("/console", follow_redirects=False)

    assert answer.status_code == 308
    assert answer.headers["Location"] == "/console/"


@pytest.mark.parametrize("name, media_type", [
    ("js/main.js", "text/javascript"), ("console.css", "text/css"),
    ("vendor/oidc-client-ts.min.js", "text/javascript"),
    ("vendor/pico.classless.min.css", "text/css"),
    ("vendor/uPlot.iife.min.js", "text/javascript"), ("vendor/uPlot.min.css", "text/css"),
])
def test_static_files_are_served_as_committed_with_their_media_type(client, name, media_type):
    answer = client.get(f"/console/{name}")

    assert answer.status_code == 200
    assert answer.headers["Content-Type"].split(";")[0] == media_type
    assert answer.headers["Content-Security-Policy"] == POLICY
    assert answer.content == (STATIC / name).read_bytes()


@pytest.mark.parametrize("path", ["/console/nothing.js", "/console/js", "/console/vendor",
                                  "/console/..%2Fconfig.py", "/console/js/"])
def test_anything_else_under_console_is_refused_without_a_file(client, path):
    answer = client.get(path)

    assert answer.status_code in (400, 404)
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert answer.json()["success"] is False


def test_config_without_a_provider_asks_for_a_pasted_token(client):
    config = client.get("/console/config.json")

    assert config.status_code == 200
    assert config.json() == {"oidc": None, "api": {"cache": "/cache", "manage": "/manage"}}


def test_config_names_the_provider_and_the_policy_lets_the_page_reach_it(settings_overrides):
    app = create_app({**settings_overrides, "console_oidc_issuer": "https://id.example/realms/x",
                      "console_oidc_client_id": "cache-console", "console_oidc_token": "id_token"})
    with app.test_client() as client:
        config = client.get("/console/config.json")
        page = client.get("/console/")

    assert config.json()["oidc"] == {"issuer": "https://id.example/realms/x",
                                     "clientId": "cache-console", "scope": "openid",
                                     "token": "id_token"}
    assert page.headers["Content-Security-Policy"] == f"{POLICY}; connect-src 'self' https://id.example"


@pytest.mark.parametrize("env, message", [
    ({"CACHE_CONSOLE_OIDC_ISSUER": "https://id.example"}, "set together"),
    ({"CACHE_CONSOLE_OIDC_CLIENT_ID": "console"}, "set together"),
    ({"CACHE_CONSOLE_OIDC_ISSUER": "id.example", "CACHE_CONSOLE_OIDC_CLIENT_ID": "c"},
     "http(s) URL"),
    ({"CACHE_CONSOLE_OIDC_ISSUER": "https://id.example/?a=1 'self'",
      "CACHE_CONSOLE_OIDC_CLIENT_ID": "c"}, "http(s) URL"),
    ({"CACHE_CONSOLE_OIDC_ISSUER": "https://id.example", "CACHE_CONSOLE_OIDC_CLIENT_ID": "c",
      "CACHE_CONSOLE_OIDC_TOKEN": "refresh_token"}, "CACHE_CONSOLE_OIDC_TOKEN"),
])
def test_unworkable_console_settings_stop_the_start(monkeypatch, tmp_path, env, message):
    monkeypatch.setenv("CACHE_INSTANCE_PATH", str(tmp_path))
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    with pytest.raises(ConfigurationError, match=re.escape(message)):
        Settings.from_env()


def test_console_settings_are_read_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("CACHE_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("CACHE_CONSOLE_OIDC_ISSUER", " https://id.example/realms/x ")
    monkeypatch.setenv("CACHE_CONSOLE_OIDC_CLIENT_ID", "cache-console")
    monkeypatch.setenv("CACHE_CONSOLE_OIDC_SCOPE", "openid cache")

    settings = Settings.from_env()

    assert console.client_config(settings)["oidc"] == {
        "issuer": "https://id.example/realms/x", "clientId": "cache-console",
        "scope": "openid cache", "token": "access_token"}


def test_vendored_files_are_the_recorded_copies_of_their_npm_packages():
    """Offline half of tools/vendor_console.py --check (which compares with the tarballs)."""
    manifest = json.loads((ROOT / "tools" / "vendored.json").read_text())
    for package in manifest["packages"]:
        assert re.fullmatch(r"\d+\.\d+\.\d+", package["version"]), package
        assert package["integrity"].startswith("sha512-") and package["license"]
        for item in package["files"]:
            data = (ROOT / item["to"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == item["sha256"], item["to"]
    vendored = {item["to"] for package in manifest["packages"] for item in package["files"]}
    # Nothing in vendor/ that is not pinned, and every library beside its licence.
    assert {path.relative_to(ROOT).as_posix() for path in (STATIC / "vendor").iterdir()} \
        <= vendored


def test_every_module_the_page_loads_exists():
    """The page has no build step: a mistyped import would only show in a browser."""
    pending, seen = [STATIC / "js" / "main.js"], set()
    index = (STATIC / "index.html").read_text()
    for reference in re.findall(r'(?:src|href)="([^":]+)"', index):
        if not reference.startswith(("#", "../")):
            assert (STATIC / reference).is_file(), reference
    while pending:
        module = pending.pop()
        if module in seen:
            continue
        seen.add(module)
        assert module.is_file(), module
        source = module.read_text()
        for target in re.findall(r'^\s*import [^;]*?from "(\.[^"]+)";', source, re.M | re.S) \
                + re.findall(r'import\("(\.[^"]+)"\)', source):
            pending.append((module.parent / target).resolve())
        for target in re.findall(r'loadScript\("([^"]+)"\)', source):
            assert (STATIC / target).is_file(), target
    modules = {path.relative_to(STATIC).as_posix() for path in (STATIC / "js").rglob("*.js")}
    assert {module.relative_to(STATIC).as_posix() for module in seen} == modules
    # All preloaded at once, so that no module waits for the one importing it.
    assert set(re.findall(r'<link rel="modulepreload" href="([^"]+)">', index)) \
        == modules - {"js/main.js"}


def test_the_page_links_the_chart_s_styles_from_this_server():
    """uPlot lays its chart out with its own stylesheet; the policy allows only files of
    this server (a <style> element or a CDN would be refused)."""
    index = (STATIC / "index.html").read_text()
    styles = re.findall(r'<link rel="stylesheet" href="([^"]+)">', index)

    assert styles == ["vendor/pico.classless.min.css", "vendor/uPlot.min.css", "console.css"]
    assert "<style" not in index and " style=" not in index


def test_the_console_s_own_scripts_make_no_inline_styles_or_markup():
    """What the policy would refuse (a style attribute, markup parsed from a string) is not
    written: styles come from the stylesheets, elements from DOM calls (js/dom.js)."""
    for module in (STATIC / "js").rglob("*.js"):
        source = module.read_text()
        for refused in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write",
                        'setAttribute("style"', "style:", "eval(", "new Function"):
            assert refused not in source, (module.name, refused)
