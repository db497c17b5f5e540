"""The suite depends on nothing outside the repository (a clone alone passes `make test`)."""

import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.conftest import REPOSITORY, OutsideRepositoryError, outside_reads


def test_opening_a_file_beside_the_checkout_is_refused():
    if REPOSITORY.parent == Path(tempfile.gettempdir()).resolve():
        pytest.skip("the checkout lies in the temporary directory, whose files tests may open")
    beside = REPOSITORY.parent / "shared" / "spec" / "001_ad5f40fa21406601.txt"
    before = len(outside_reads)
    with pytest.raises(OutsideRepositoryError):
        beside.read_text()
    with pytest.raises(OutsideRepositoryError):
        open(REPOSITORY / ".." / "anything", "rb")  # noqa: SIM115 (refused before it opens)
    assert outside_reads[before:] == [str(beside), str(REPOSITORY / ".." / "anything")]
    del outside_reads[before:]  # this test's own reads were meant: the guard fails any other


def test_files_in_the_repository_and_elsewhere_open(tmp_path):
    (tmp_path / "f").write_text("x")
    assert (tmp_path / "f").read_text() == "x"
    assert (REPOSITORY / "manage.py").read_text().startswith("#!")


def test_no_test_names_a_folder_beside_the_checkout():
    """The former lookups, `parents[2].parent / "shared"`, spelled out in any test file."""
    files = subprocess.run(["git", "ls-files", "tests"], cwd=REPOSITORY, capture_output=True,
                           text=True, check=True).stdout.split()
    if not files:  # not a git checkout: read the folder
        files = [str(p.relative_to(REPOSITORY)) for p in (REPOSITORY / "tests").rglob("*.py")]
    me = Path(__file__).relative_to(REPOSITORY).as_posix()
    offenders = [
        name for name in files
        if name.endswith(".py") and name != me and (REPOSITORY / name).exists()
        and any(needle in (REPOSITORY / name).read_text()
                for needle in ('"shared" / "spec"', "../shared", ".parent / \"shared\""))
    ]
    assert offenders == []
