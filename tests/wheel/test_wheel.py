"""The distribution as operators get it: built, installed into a fresh venv, run elsewhere.

Slow (it builds the sdist and the wheel, and installs the dependencies from the
package index), so it has its own tox environment, `wheel`.
"""

import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import httpx
import pytest
import yaml

from tests.helpers import DOMAIN, bearer
from tests.live_server import ROOT, LiveServer, free_port

VERSION = "1.0.0"
# What a working tree holds besides the source (venvs, caches, earlier builds).
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", ".tox", "build", "dist", "*.egg-info", "__pycache__", "*.py[cod]",
    "instance", "test-artifacts", ".pytest_cache", ".hypothesis",
)


def run(*command, **kwargs) -> str:
    result = subprocess.run([str(part) for part in command], capture_output=True, text=True,
                            timeout=300, **kwargs)
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    """The sdist and the wheel built from it by `python -m build`, from a copy of the tree.

    A copy, so that no earlier build/ or *.egg-info of the checkout gets in, and
    the build writes nothing into the checkout.
    """
    folder = tmp_path_factory.mktemp("dist")
    shutil.copytree(ROOT, folder / "source", ignore=NOT_SOURCE)
    run(sys.executable, "-m", "build", "--outdir", folder / "out", folder / "source")
    return folder / "out"


@pytest.fixture(scope="module")
def venv(dist, tmp_path_factory) -> Path:
    """A fresh venv, outside the checkout, with the wheel and its dependencies installed."""
    venv = tmp_path_factory.mktemp("installed") / "venv"
    run(sys.executable, "-m", "venv", venv)
    run(venv / "bin" / "python", "-m", "pip", "install", "-q", wheel_of(dist))
    return venv


@pytest.fixture
def server_folder(tmp_path) -> Path:
    """The folder the server runs from, as in the image: only the operator's gunicorn.conf.py."""
    folder = tmp_path / "srv"
    folder.mkdir()
    shutil.copy(ROOT / "gunicorn.conf.py", folder)
    return folder


@pytest.fixture
def operator_env() -> dict:
    """The environment without the checkout on the path or any CACHE_* setting."""
    env = {name: value for name, value in os.environ.items()
           if not name.startswith("CACHE_") and name not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return {**env, "PYTHONPATH": ""}


def wheel_of(dist: Path) -> Path:
    (wheel,) = dist.glob("cache_api-*.whl")
    return wheel


def checkout_files(folder: str, pattern: str) -> set[str]:
    return {path.relative_to(ROOT).as_posix() for path in (ROOT / folder).rglob(pattern)
            if "__pycache__" not in path.parts}


def test_wheel_holds_the_package_its_specs_migrations_and_console_and_nothing_else(dist):
    names = set(zipfile.ZipFile(wheel_of(dist)).namelist())
    info = f"cache_api-{VERSION}.dist-info"

    assert {name.split("/")[0] for name in names} == {"app", "wsgi.py", info}
    # Every module of the package (a subpackage missing from setup.cfg would be absent),
    # and the top-level openapi/ and migrations/ moved into it.
    expected = (
        checkout_files("app", "*.py")
        | {f"app/{name}" for name in checkout_files("openapi", "*.yaml")}
        | {f"app/{name}" for name in checkout_files("migrations", "*.py")}
        | {"app/migrations/script.py.mako", "wsgi.py"}
        # The console's static files, vendored libraries and licences included.
        | {name for name in checkout_files("app/console/static", "*") if (ROOT / name).is_file()}
    )
    assert {name for name in names if not name.startswith(info)} == expected
    assert {"app/openapi/cache.yaml", "app/migrations/versions/0001_initial.py",
            "app/console/static/index.html", "app/console/static/vendor/oidc-client-ts.min.js",
            "app/console/static/vendor/oidc-client-ts.LICENSE.txt"} <= names


def test_sdist_holds_what_the_wheel_is_built_from_and_no_tests(dist):
    (sdist,) = dist.glob("cache_api-*.tar.gz")
    names = tarfile.open(sdist).getnames()
    top = {name.split("/")[1] for name in names if name.count("/") >= 1}

    assert top == {
        "app", "openapi", "migrations", "wsgi.py", "gunicorn.conf.py", "alembic.ini",
        "setup.cfg", "setup.py", "pyproject.toml", "MANIFEST.in", "README.md", "PKG-INFO",
        "cache_api.egg-info",
    }
    assert not [name for name in names if "__pycache__" in name or name.endswith(".pyc")]


def test_installed_wheel_migrates_and_serves_under_gunicorn_outside_the_checkout(
        venv, server_folder, operator_env, tmp_path):
    bin_dir = venv / "bin"
    cli = bin_dir / "cache-api"

    def cache_api(*args) -> str:
        return run(cli, *args, cwd=server_folder, env=operator_env).strip()

    assert "db" in cache_api("--help") and "serve" in cache_api("--help")
    # The installed package and its data, not the checkout's.
    located = run(bin_dir / "python", "-c",
                  "import importlib.util, app, app.storage.migrate; print(app.SPEC_DIR, "
                  "app.storage.migrate.MIGRATIONS_PATH, importlib.util.find_spec('wsgi').origin)",
                  cwd=server_folder, env=operator_env).split()
    site_packages = next((venv / "lib").glob("python3*/site-packages")).resolve()
    assert [Path(path).resolve() for path in located] == [
        site_packages / "app" / "openapi", site_packages / "app" / "migrations",
        site_packages / "wsgi.py",
    ]

    # The embedded defaults of an installed wheel: the instance folder is in the venv.
    cache_api("db", "upgrade")
    token = cache_api("token", "--domain", DOMAIN)
    assert (venv / "var" / "cache-api-instance" / "cache.sqlite3").is_file()

    server = LiveServer(operator_env, workers=2, log_path=tmp_path / "gunicorn.log",
                        command=[str(bin_dir / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"],
                        cwd=server_folder)
    body = {"mode": "always", "command": {"action": {"type": "hangup"}}}
    entry = f"/cache/{DOMAIN}/ivrfallback/+46701234567"
    with server:
        posted = httpx.post(server.url + entry, json=body, headers=bearer(token))
        read = httpx.get(server.url + entry, headers=bearer(token))
        console = httpx.get(server.url + "/console/")
        console_style = httpx.get(server.url + "/console/vendor/pico.classless.min.css")
        metrics = httpx.get(server.url + "/metrics").text
    assert server.process.returncode == 0
    assert posted.json() == {"success": True}
    assert read.status_code == 200 and read.json()["data"]["command"] == body["command"]
    # The console's files come from the installed package.
    assert console.status_code == 200 and '<script type="module" src="js/main.js">' in console.text
    assert console_style.content == (
        ROOT / "app/console/static/vendor/pico.classless.min.css").read_bytes()
    # Counted over both workers, whichever answered (the metrics folder was set in time).
    for operation in ("set_entry", "get_entry"):
        assert f'operation="app.api.ivr_fallback.{operation}"' in metrics


def test_installed_cache_api_serve_starts_outside_the_checkout(
        venv, server_folder, operator_env, tmp_path):
    env = {**operator_env, "CACHE_INSTANCE_PATH": str(tmp_path / "instance")}
    token = run(venv / "bin" / "cache-api", "token", "--domain", DOMAIN,
                cwd=server_folder, env=env).strip()
    port = free_port()
    # LiveServer sets WEB_CONCURRENCY (gunicorn's), as an image may: serve stays one process.
    server = LiveServer(env, port=port, cwd=server_folder, log_path=tmp_path / "serve.log",
                        command=[str(venv / "bin" / "cache-api"), "serve", "--port", str(port)])
    with server:
        listed = httpx.get(f"{server.url}/cache/{DOMAIN}/ivrfallback", headers=bearer(token))
    assert listed.json() == {"data": [], "success": True}


# The number every operation of the loop below is called for; seeded first in both caches.
NUMBER = "+46701234567"
SPEC_BASES = ("/cache", "/platform", "/manage")


def example_request(document: dict, path: str, method: str, operation: dict) -> dict:
    """A valid request for an operation of a served spec, from the spec's own examples:
    the path's `domain` and `number`, each query parameter that has an example, and the
    body's example (or the first of its examples)."""
    parameters = {}
    for parameter in operation.get("parameters", []):
        ref = parameter.get("$ref")
        if ref is not None:
            parameter = document["components"]["parameters"][ref.rsplit("/", 1)[1]]
        parameters[parameter["name"], parameter["in"]] = parameter
    url = path.format(domain=DOMAIN, number=NUMBER)
    query = {name: parameter["example"] for (name, where), parameter in parameters.items()
             if where == "query" and "example" in parameter}
    request = {"method": method.upper(), "url": base_path(document) + url, "params": query}
    body = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if body is not None:
        examples = body.get("examples")
        request["json"] = (body["example"] if "example" in body
                           else next(iter(examples.values()))["value"])
    return request


def base_path(document: dict) -> str:
    return document["servers"][0]["url"].rstrip("/")


def operations_of(documents: list[dict]):
    """(document, path, method, operation) of every operation of the documents, each DELETE
    after all the others (so that the entry the others read is still there)."""
    found = [(document, path, method, operation) for document in documents
             for path, item in document["paths"].items()
             for method, operation in item.items() if method != "parameters"]
    return sorted(found, key=lambda found: found[2] == "delete")


def checkout_operation_ids() -> set[str]:
    return {operation["operationId"]
            for name in ("cache.yaml", "platform.yaml", "manage.yaml")
            for item in yaml.safe_load((ROOT / "openapi" / name).read_text())["paths"].values()
            for method, operation in item.items() if method != "parameters"}


def test_installed_wheel_answers_every_operation_and_its_import_and_export_commands(
        venv, server_folder, operator_env, tmp_path):
    """Every operation of the three specs, the served specs, the Swagger pages, the
    migrations and the console's import and export, all from the installed wheel: each
    reads a file the wheel carries (a spec, a migration), where a checkout's path is
    not."""
    env = {**operator_env, "CACHE_INSTANCE_PATH": str(tmp_path / "instance")}
    cli = venv / "bin" / "cache-api"

    def cache_api(*args, check=True) -> subprocess.CompletedProcess:
        result = subprocess.run([str(cli), *map(str, args)], cwd=server_folder, env=env,
                                capture_output=True, text=True, timeout=120)
        assert not check or result.returncode == 0, f"{args}:\n{result.stdout}\n{result.stderr}"
        return result

    cache_api("db", "upgrade")
    token = cache_api("token", "--domain", DOMAIN, "--scope", "cache/read", "--scope",
                      "cache/write", "--scope", "cache/platform").stdout.strip()
    auth = bearer(token)
    server = LiveServer(env, workers=2, log_path=tmp_path / "gunicorn.log", cwd=server_folder,
                        command=[str(venv / "bin" / "gunicorn"), "-c", "gunicorn.conf.py",
                                 "wsgi:app"])
    answers, called = {}, set()
    with server, httpx.Client(base_url=server.url, headers=auth, timeout=30) as client:
        documents = []
        for base in SPEC_BASES:
            served = client.get(f"{base}/openapi.json")
            assert served.status_code == 200, served.text
            assert yaml.safe_load(client.get(f"{base}/openapi.yaml").text) == served.json()
            page = client.get(f"{base}/ui/")
            assert page.status_code == 200 and "swagger-ui" in page.text, (base, page.text[:200])
            documents.append(served.json())
        hangup = {"mode": "always", "command": {"action": {"type": "hangup"}}}
        # Versions 1 to 3, one for each restore example to name.
        for _version in range(3):
            assert client.post(f"/cache/{DOMAIN}/ivrfallback/{NUMBER}",
                               json=hangup).status_code == 200
        assert client.post(f"/platform/{DOMAIN}/siprecfallback/{NUMBER}").status_code == 200

        for document, path, method, operation in operations_of(documents):
            request = example_request(document, path, method, operation)
            response = client.request(**request)
            answers[operation["operationId"]] = response
            called.add(operation["operationId"])
            assert response.status_code == 200, (request, response.text)
        # The import again, written this time, and its entries then read back.
        imported = client.post(f"/manage/{DOMAIN}/ivrfallback/import", json={"entries": [
            {"number": "+46700000001", **hangup, "expiration": "WEEK"}]})
        assert imported.json() == {"success": True,
                                   "results": [{"number": "+46700000001", "written": True}]}
        assert client.get(f"/cache/{DOMAIN}/ivrfallback/+46700000001").status_code == 200
    assert server.process.returncode == 0

    assert called == checkout_operation_ids()
    dry_run = answers["manage_transfer.import_entries"].json()
    assert dry_run["success"] is True and len(dry_run["results"]) == 2, dry_run
    assert answers["manage_transfer.export_entries"].json()["entries"]

    # The console's export and import, straight to the same database.
    exported = cache_api("export", "--domain", DOMAIN).stdout
    numbers = sorted(entry["number"] for entry in json.loads(exported)["entries"])
    assert "+46700000001" in numbers
    document = tmp_path / "entries.json"
    document.write_text(exported)
    judged = cache_api("import", "--domain", "other.example", "--dry-run", document)
    assert f"{len(numbers)} of {len(numbers)} entries valid" in judged.stderr
    cache_api("import", "--domain", "other.example", document)
    again = json.loads(cache_api("export", "--domain", "other.example").stdout)
    assert sorted(entry["number"] for entry in again["entries"]) == numbers
