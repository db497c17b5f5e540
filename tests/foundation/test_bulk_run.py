"""foundation.bulk.run: the validate → prepare → apply protocol, the same for every importer."""

from __future__ import annotations

from typing import NamedTuple

import pytest
from django.core.management import get_commands, load_command_class

from core.errors import InvalidInputError
from foundation.bulk.command import ExportCommand, ImportCommand
from foundation.bulk.report import RowError, RowErrors
from foundation.bulk.run import Importer, ImportFailed, ImportInterrupted, run_import
from foundation.bulk.worker import WorkerFailed
from identities.models import Tenant
from identities.services.tenants import tenant_create

pytestmark = pytest.mark.django_db


class Row(NamedTuple):
    line: int
    key: str


class Tenants(Importer):
    """A toy importer: a row names a tenant; `bad-*` keys are refused when applied, `x`
    when read; `boom` crashes the reading."""

    name = "tenants"
    batch_size = 2

    def validate(self, line, row):
        if row["key"] == "boom":
            raise ZeroDivisionError("boom")
        if row["key"] == "x":
            raise InvalidInputError("x is not a key")
        return Row(line, row["key"])

    def prepare(self, rows):
        return {line: key.upper() for line, key in rows}

    def apply(self, rows, prepared):
        refused = [RowError(line, f"{key} refused") for line, key in rows
                   if key.startswith("bad")]
        if refused:
            raise RowErrors(refused)
        for line, key in rows:
            tenant_create(key=key, name=prepared[line])
            self.report.created += 1


def file_of(tmp_path, *keys: str) -> str:
    path = tmp_path / "t.csv"
    path.write_text("key\n" + "".join(f"{key}\n" for key in keys))
    return str(path)


def keys() -> set[str]:
    return set(Tenant.objects.exclude(key="default").values_list("key", flat=True))


@pytest.mark.parametrize("parallel", [True, False], ids=["worker", "in-process"])
def test_every_bad_row_is_reported_whichever_step_finds_it_and_nothing_is_written(
        tmp_path, parallel):
    path = file_of(tmp_path, "a", "bad-1", "b", "x", "c", "bad-2")
    with pytest.raises(ImportFailed) as failed:
        run_import(Tenants(), path, parallel=parallel)
    report = failed.value.report
    assert report.errors == ["line 3: bad-1 refused", "line 5: x is not a key",
                             "line 7: bad-2 refused"]
    assert (report.rows, report.invalid, report.written) == (6, 3, False)
    assert keys() == set()


@pytest.mark.parametrize("parallel", [True, False], ids=["worker", "in-process"])
def test_skip_bad_rows_writes_the_rest_of_each_batch(tmp_path, parallel):
    report = run_import(Tenants(skip_bad_rows=True),
                        file_of(tmp_path, "a", "bad-1", "b", "x", "c", "bad-2"),
                        parallel=parallel)
    assert (report.created, report.invalid, report.written) == (3, 3, True)
    assert keys() == {"a", "b", "c"}
    assert Tenant.objects.get(key="b").name == "B"  # prepared in the reading process


def test_a_dry_run_applies_then_rolls_back(tmp_path):
    report = run_import(Tenants(), file_of(tmp_path, "a", "b", "c"), dry_run=True)
    assert (report.created, report.written) == (3, False)
    assert keys() == set()


def test_a_crash_while_reading_fails_the_import(tmp_path):
    with pytest.raises(WorkerFailed, match="ZeroDivisionError: boom"):
        run_import(Tenants(), file_of(tmp_path, "a", "b", "c", "boom"))
    assert keys() == set()
    with pytest.raises(ZeroDivisionError):
        run_import(Tenants(), file_of(tmp_path, "a", "boom"), parallel=False)


def test_an_interruption_rolls_back(tmp_path):
    class Interrupted(Tenants):
        def apply(self, rows, prepared):
            super().apply(rows, prepared)
            if any(key == "c" for _, key in rows):
                raise ImportInterrupted("SIGTERM")

    with pytest.raises(ImportInterrupted):
        run_import(Interrupted(), file_of(tmp_path, "a", "b", "c", "d"))
    assert keys() == set()


def test_refusing_a_row_of_another_batch_is_a_bug_not_a_loop(tmp_path):
    class Wrong(Tenants):
        def apply(self, rows, prepared):
            raise RowError(999, "not mine")

    with pytest.raises(RuntimeError, match="refused rows not in its batch"):
        run_import(Wrong(), file_of(tmp_path, "a"))


IMPORTS = ["import_accounts", "import_authorisations", "import_backoffice",
           "import_identities", "import_orgs", "import_users"]


def options_of(name: str) -> set[str]:
    command = load_command_class(get_commands()[name], name)
    parser = command.create_parser("manage.py", name)
    return {option for action in parser._actions for option in action.option_strings}


def test_every_import_command_is_the_shared_one_with_the_same_flags():
    common = {"--format", "--encoding", "--dry-run", "--skip-bad-rows", "--batch-size"}
    for name in IMPORTS:
        assert isinstance(load_command_class(get_commands()[name], name), ImportCommand), name
        assert common <= options_of(name), name
    assert {name for name in get_commands() if name.startswith("import_")} == set(IMPORTS)
    exports = [name for name in get_commands() if name.startswith("export_")]
    assert len(exports) == 6
    for name in exports:
        assert isinstance(load_command_class(get_commands()[name], name), ExportCommand), name
        assert {"--format", "--output", "-o"} <= options_of(name), name


def test_the_command_reads_the_encoding_it_is_told_and_says_when_it_is_not(tmp_path):
    from io import StringIO

    from django.core.management import CommandError, call_command

    from orgs.models import Organization

    path = tmp_path / "orgs.csv"
    path.write_bytes("path,friendlyName\nacme,Äcmé\n".encode("latin-1"))
    with pytest.raises(CommandError, match=r"not utf-8.*give --encoding"):
        call_command("import_orgs", str(path), stdout=StringIO(), stderr=StringIO())
    with pytest.raises(CommandError, match=r"--encoding: unknown encoding 'klingon'"):
        call_command("import_orgs", str(path), "--encoding", "klingon", stdout=StringIO())
    assert not Organization.objects.exists()
    out = StringIO()
    call_command("import_orgs", str(path), "--encoding", "latin-1", stdout=out)
    assert "1 created" in out.getvalue()
    assert Organization.objects.get(path="acme").friendly_name == "Äcmé"
