"""The suite depends on nothing outside the repository (a clone alone passes `make test`)."""

import tempfile
from pathlib import Path

import pytest

from tests.conftest import REPOSITORY, OutsideRepositoryError, outside_reads


def test_opening_a_file_beside_the_checkout_is_refused():
    if REPOSITORY.parent == Path(tempfile.gettempdir()).resolve():
        pytest.skip("the checkout lies in the temporary directory, whose files tests may open")
    beside = REPOSITORY.parent / "sibling-folder" / "spec.txt"
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
