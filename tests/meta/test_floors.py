"""The floors of the house (docs/architecture.md) hold: the import contract in pyproject.toml
names every package of the project, once, and no import points up a floor."""

import subprocess
import sys
import tomllib
from pathlib import Path

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
