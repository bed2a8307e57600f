"""Regenerate the official clients (clients/python, clients/typescript) from the specs.

The three specs the server publishes (app.contract.specs.bundle: the documents served at
/cache, /platform and /manage `/openapi.json`) are merged into one document,
clients/openapi.json, each path under its base path and each operation tagged
with its API's name, so that each generator makes one client of all three:

- Python: openapi-python-client (pinned in setup.cfg's `clients` extra) writes the
  modules listed in PYTHON_GENERATED into clients/python/cache_api_client/; the
  package's other modules are hand-written and wrap them.
- TypeScript: openapi-typescript (pinned in clients/typescript/package.json, run
  from its node_modules: `npm ci --prefix clients/typescript`) writes
  clients/typescript/src/generated/schema.ts.

Generated files are never edited by hand. `--check` regenerates into a temporary
folder and exits 1, naming the files, when the committed ones differ.

    python tools/generate_clients.py [--check] [--only python|typescript]
"""

import argparse
import copy
import difflib
import filecmp
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.contract import specs  # noqa: E402

CLIENTS = ROOT / "clients"
MERGED = Path("openapi.json")
PYTHON_PACKAGE = Path("python/cache_api_client")
# What openapi-python-client writes that the package keeps. Its __init__.py (two
# re-exports) is left out: the package's own __init__.py re-exports them with the
# hand-written layer.
PYTHON_GENERATED = ("api", "models", "client.py", "errors.py", "types.py")
TYPESCRIPT_SCHEMA = Path("typescript/src/generated/schema.ts")
TYPESCRIPT_TOOLS = CLIENTS / "typescript" / "node_modules" / ".bin"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# openapi-python-client's own post-hooks, run by the pinned ruff (setup.cfg), so the
# output does not depend on a ruff found on PATH or a ruff configuration around it.
PYTHON_CONFIG = {
    "project_name_override": "cache-api-client",
    "package_name_override": "cache_api_client",
    "post_hooks": [
        f"{sys.executable} -m ruff check --isolated --fix-only --select F401,I .",
        f"{sys.executable} -m ruff format --isolated --line-length 100 .",
    ],
}


class MergeError(ValueError):
    """The specs cannot be merged into one document (a clash of names)."""


def merged_document() -> dict:
    """The served specs as one document: paths under their base paths, components shared."""
    merged = {
        "openapi": None,
        "info": {
            "title": "Cache API",
            "description": "The cache's three APIs in one document, for the client generators.",
            "version": "",
        },
        "servers": [{"url": "/"}],
        "tags": [],
        "paths": {},
        "components": {},
    }
    versions = []
    for file in specs.SPEC_FILES:
        document = specs.bundle(ROOT / "openapi" / file)
        base = specs.base_path(document)
        name = base.strip("/")
        merged["openapi"] = merged["openapi"] or document["openapi"]
        if document["openapi"] != merged["openapi"]:
            raise MergeError(f"{file} is OpenAPI {document['openapi']}, not {merged['openapi']}")
        versions.append(f"{name} {document['info']['version']}")
        merged["tags"].append({"name": name, "description": document["info"]["title"]})
        for path, item in document["paths"].items():
            item = copy.deepcopy(item)
            for method in METHODS:
                if method in item:
                    # Grouped by API (api/cache/, api/platform/, api/manage/), each
                    # operation carrying its API's security unless it has its own.
                    item[method]["tags"] = [name]
                    item[method].setdefault("security", document.get("security", []))
            merged["paths"][base + path] = item
        for kind, named in document.get("components", {}).items():
            into = merged["components"].setdefault(kind, {})
            for component, value in named.items():
                if component in into and into[component] != value:
                    raise MergeError(f"components.{kind}.{component} differs between specs")
                into[component] = value
    merged["info"]["version"] = ", ".join(versions)
    return merged


def write_merged(folder: Path) -> Path:
    target = folder / MERGED
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(merged_document(), indent=2, ensure_ascii=False) + "\n")
    return target


def generate_python(spec: Path, folder: Path) -> None:
    """openapi-python-client's package for `spec`, its kept files put in `folder`."""
    with tempfile.TemporaryDirectory() as scratch:
        config = Path(scratch) / "config.json"
        config.write_text(json.dumps(PYTHON_CONFIG))
        output = Path(scratch) / "package"
        subprocess.run(
            [sys.executable, "-m", "openapi_python_client", "generate", "--path", str(spec),
             "--meta", "none", "--output-path", str(output), "--config", str(config),
             "--fail-on-warning"],
            check=True, capture_output=True, text=True,
        )
        folder.mkdir(parents=True, exist_ok=True)
        for name in PYTHON_GENERATED:
            remove(folder / name)
            if (output / name).is_dir():
                shutil.copytree(output / name, folder / name)
            else:
                shutil.copy2(output / name, folder / name)


def generate_typescript(spec: Path, target: Path) -> None:
    """openapi-typescript's types for `spec`, written to `target`."""
    tool = TYPESCRIPT_TOOLS / "openapi-typescript"
    if not tool.exists():
        raise SystemExit(f"{tool} is missing: run `npm ci --prefix {CLIENTS / 'typescript'}`")
    target.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([str(tool), str(spec), "--output", str(target)],
                   check=True, capture_output=True, text=True)


def remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


def generate(folder: Path, languages: list[str]) -> list[Path]:
    """Generate the clients of `languages` under `folder`; return the generated paths."""
    spec = write_merged(folder)
    paths = [MERGED]
    if "python" in languages:
        generate_python(spec, folder / PYTHON_PACKAGE)
        paths += [PYTHON_PACKAGE / name for name in PYTHON_GENERATED]
    if "typescript" in languages:
        generate_typescript(spec, folder / TYPESCRIPT_SCHEMA)
        paths.append(TYPESCRIPT_SCHEMA)
    return paths


def files_under(root: Path, path: Path) -> set[Path]:
    full = root / path
    if full.is_dir():
        return {file.relative_to(root) for file in full.rglob("*")
                if file.is_file() and "__pycache__" not in file.parts}
    return {path} if full.exists() else set()


def differences(fresh: Path, paths: list[Path]) -> list[str]:
    """How the committed generated files differ from those freshly generated in `fresh`."""
    found = []
    for path in paths:
        expected, committed = files_under(fresh, path), files_under(CLIENTS, path)
        for file in sorted(expected | committed):
            if file not in committed:
                found.append(f"generated but not committed: clients/{file}")
            elif file not in expected:
                found.append(f"committed but no longer generated: clients/{file}")
            elif not filecmp.cmp(fresh / file, CLIENTS / file, shallow=False):
                diff = difflib.unified_diff(
                    (CLIENTS / file).read_text().splitlines(),
                    (fresh / file).read_text().splitlines(),
                    f"clients/{file} (committed)", f"clients/{file} (from the specs)",
                    n=1, lineterm="")
                found.append(f"differs: clients/{file}\n" + "\n".join(list(diff)[:40]))
    return found


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="regenerate into a temporary folder and compare, writing nothing")
    parser.add_argument("--only", choices=("python", "typescript"), action="append",
                        help="one client only (repeatable; default: both)")
    arguments = parser.parse_args(argv)
    languages = arguments.only or ["python", "typescript"]
    if not arguments.check:
        for path in generate(CLIENTS, languages):
            print(f"generated clients/{path}")
        return 0
    with tempfile.TemporaryDirectory() as scratch:
        found = differences(Path(scratch), generate(Path(scratch), languages))
    if found:
        print("The committed clients differ from what the specs generate; run "
              "`python tools/generate_clients.py` and commit the result.")
        print("\n".join(found))
        return 1
    print(f"clients ({', '.join(languages)}) are as the specs generate them")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
