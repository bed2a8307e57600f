"""Every library the code imports is declared (tools/declared_imports.py), and every
library whose internals it leans on is pinned to the series tested."""

import configparser
import importlib.util
import subprocess
import sys

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from app.serving import internals
from tests.live_server import ROOT

spec = importlib.util.spec_from_file_location(
    "declared_imports", ROOT / "tools" / "declared_imports.py")
declared_imports = importlib.util.module_from_spec(spec)
spec.loader.exec_module(declared_imports)


def test_every_library_the_app_imports_is_in_install_requires():
    answer = subprocess.run([sys.executable, "tools/declared_imports.py"], cwd=ROOT,
                            capture_output=True, text=True)
    assert (answer.returncode, answer.stdout) == (0, ""), answer.stdout


def test_the_check_names_an_undeclared_import_and_passes_the_stdlib_and_the_app(tmp_path):
    module = tmp_path / "module.py"
    module.write_text("import json\nimport yaml\nfrom app import clock\n\n"
                      "def later():\n    from jsonschema import Draft4Validator\n")
    declared = declared_imports.declared_requirements(ROOT / "setup.cfg") - {"jsonschema"}
    assert set(declared_imports.undeclared([module], declared)) == {"jsonschema"}


def install_requires() -> dict[str, Requirement]:
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    lines = (line.split("#")[0].strip()
             for line in config["options"]["install_requires"].splitlines())
    return {canonicalize_name(requirement.name): requirement
            for requirement in (Requirement(line) for line in lines if line)}


def test_each_library_whose_internals_we_use_is_pinned_below_its_next_series():
    """An upgrade past the tested series is a decision (read app/serving/internals.py),
    not something a fresh install does by itself."""
    requirements = install_requires()
    for library in {internal.library for internal in internals.INTERNALS} - {"Python"}:
        requirement = requirements[canonicalize_name(library)]
        tested = internals.TESTED_WITH[library]
        assert requirement.specifier.contains(tested), (library, str(requirement.specifier))
        assert any(spec.operator == "<" for spec in requirement.specifier), requirement
