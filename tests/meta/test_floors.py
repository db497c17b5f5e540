"""The floors of the house (docs/architecture.md) hold: the import contract in pyproject.toml
names every package of the project, once, and no import points up a floor."""

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.conftest import REPOSITORY

NOT_FLOORS = {"tests"}  # test code may import from any floor


def contract() -> tuple[list[str], dict]:
    data = tomllib.loads((REPOSITORY / "pyproject.toml").read_text())["tool"]["importlinter"]
    (floors,) = [c for c in data["contracts"] if c["id"] == "floors"]
    return data["root_packages"], floors


def named_on_floors(floors: dict) -> list[str]:
    return [name.strip() for layer in floors["layers"] for name in layer.split("|")]


def test_every_package_of_the_project_is_on_exactly_one_floor():
    roots, floors = contract()
    packages = sorted(p.parent.name for p in REPOSITORY.glob("*/__init__.py")
                      if p.parent.name not in NOT_FLOORS)
    named = named_on_floors(floors)
    assert sorted(named) == packages  # a package left off (a line deleted) fails here
    assert len(set(named)) == len(named)
    assert sorted(roots) == packages


def test_no_import_points_up_a_floor():
    linter = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(linter), "--contract", "floors", "--no-cache"],
                            cwd=REPOSITORY, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]


DOMAIN_APPS = ("accounts", "backoffice", "scim", "orgs", "authorisations", "identities",
               "audit")
NOT_MODULES = {"__init__.py", "apps.py", "migrations", "management", "templates", "static",
               "__pycache__"}
MAX_LINES = 400
MAX_TOP_LEVEL = 16


def code_modules():
    for path in sorted(REPOSITORY.glob("*/**/*.py")):
        parts = path.relative_to(REPOSITORY).parts
        if parts[0] in {"tests", ".venv", "bench"} or "migrations" in parts:
            continue
        yield path


def test_no_code_module_is_over_400_lines():
    long = {str(p.relative_to(REPOSITORY)): n for p in code_modules()
            if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert long == {}


@pytest.mark.parametrize("app", DOMAIN_APPS)
def test_a_domain_app_keeps_few_top_level_modules_and_has_services_and_queries(app):
    entries = {p.name for p in (REPOSITORY / app).iterdir()} - NOT_MODULES
    modules = {name.removesuffix(".py") for name in entries
               if name.endswith(".py") or (REPOSITORY / app / name / "__init__.py").exists()}
    assert len(modules) <= MAX_TOP_LEVEL, sorted(modules)
    assert {"services", "queries"} <= modules
