"""Every library the service's code imports is declared in setup.cfg's install_requires.

    python tools/declared_imports.py

Reads every top-level import (in functions too) of app/ and wsgi.py, leaves out the
standard library's and the app's own, finds the distribution that provides each one
in the environment, and prints those that install_requires does not name (exit 1).
A library that arrives only as another's dependency can disappear with that
dependency's next release. tests/test_dependencies.py runs it.
"""

import ast
import configparser
import importlib.metadata
import sys
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
OWN = {"app", "wsgi"}


def imported_modules(paths) -> dict[str, set[str]]:
    """The top-level module names imported by these files: name -> files importing it."""
    found: dict[str, set[str]] = {}
    for path in paths:
        for node in ast.walk(ast.parse(Path(path).read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], set()).add(_shown(Path(path)))
    return found


def _shown(path: Path) -> str:
    path = path.resolve()
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def declared_requirements(setup_cfg: Path) -> set[str]:
    """The canonical distribution names of setup.cfg's install_requires."""
    config = configparser.ConfigParser()
    config.read(setup_cfg)
    lines = config["options"]["install_requires"].splitlines()
    return {canonicalize_name(Requirement(line).name)
            for line in (line.split("#")[0].strip() for line in lines) if line}


def undeclared(paths, declared: set[str]) -> dict[str, set[str]]:
    """Imported third-party modules whose distribution is not declared: module -> files."""
    providers = importlib.metadata.packages_distributions()
    missing = {}
    for module, files in imported_modules(paths).items():
        if module in OWN or module in sys.stdlib_module_names:
            continue
        distributions = {canonicalize_name(name) for name in providers.get(module, [module])}
        if not distributions & declared:
            missing[module] = files
    return missing


def source_files(root: Path = ROOT) -> list[Path]:
    return sorted((root / "app").rglob("*.py")) + [root / "wsgi.py"]


def main() -> int:
    missing = undeclared(source_files(), declared_requirements(ROOT / "setup.cfg"))
    for module, files in sorted(missing.items()):
        print(f"{module}: imported by {', '.join(sorted(files))}, not in install_requires")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
