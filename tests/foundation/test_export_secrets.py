"""Every export command has --include-secrets (the base ExportCommand): with it the file is
created readable by its owner only and stderr says so (issue 10, defect 10)."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import pytest
from django.core.management import (
    CommandError,
    call_command,
    get_commands,
    load_command_class,
)

from foundation.bulk.command import ExportCommand

pytestmark = pytest.mark.django_db


def export_commands() -> list[str]:
    """Every management command built on the base ExportCommand, whatever its name."""
    names = []
    for name, app in sorted(get_commands().items()):
        try:
            command = load_command_class(app, name)
        except Exception:  # a command that cannot load is not an export
            continue
        if isinstance(command, ExportCommand):
            names.append(name)
    return names


# exports of nested rows: nothing at all on standard output when there is nothing to export
NDJSON_ONLY = {"export_accounts"}


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_the_export_commands_are_found():
    assert {"export_orgs", "export_users", "export_authorisations"} <= set(export_commands())


@pytest.mark.parametrize("name", export_commands())
def test_every_export_writes_its_secret_file_for_its_owner_only(tmp_path, name):
    err = io.StringIO()
    fresh = tmp_path / "fresh.csv"
    old_umask = os.umask(0)  # whatever the umask allows, the file is the owner's only
    try:
        call_command(name, "--include-secrets", "-o", str(fresh), stdout=io.StringIO(),
                     stderr=err)
    finally:
        os.umask(old_umask)
    assert mode(fresh) == 0o600
    assert "--include-secrets" in err.getvalue() and "(0600)" in err.getvalue()

    existing = tmp_path / "existing.csv"
    existing.write_text("old content that others could read\n")
    existing.chmod(0o644)
    call_command(name, "--include-secrets", "-o", str(existing), stdout=io.StringIO(),
                 stderr=io.StringIO())
    assert mode(existing) == 0o600 and "old content" not in existing.read_text()

    out, err = io.StringIO(), io.StringIO()
    call_command(name, "--include-secrets", stdout=out, stderr=err)
    assert "standard output" in err.getvalue()
    assert out.getvalue() or name in NDJSON_ONLY  # a CSV's header at least

    plain = tmp_path / "plain.csv"
    err = io.StringIO()
    call_command(name, "-o", str(plain), stdout=io.StringIO(), stderr=err)
    assert "--include-secrets" not in err.getvalue()


class Probe(ExportCommand):
    """An export that looks at its own file while writing it."""

    noun = "probes"
    secrets = "probe secrets"
    seen: list[int] = []
    target = ""

    def columns(self, options):
        return ["n"]

    def rows(self, options):
        yield {"n": 1}
        Probe.seen.append(mode(Probe.target))  # the file is open and being written
        yield {"n": 2}


def test_the_secret_file_is_owner_only_before_a_row_is_written(tmp_path):
    Probe.target, Probe.seen = str(tmp_path / "p.csv"), []
    err = io.StringIO()
    call_command(Probe(), "--include-secrets", "-o", Probe.target, stderr=err)
    assert Probe.seen == [0o600]
    assert "probe secrets written in clear" in err.getvalue()
    assert Path(Probe.target).read_text().splitlines() == ["n", "1", "2"]


def test_a_secret_file_that_cannot_be_opened_is_refused_before_anything_is_said(tmp_path):
    err = io.StringIO()
    with pytest.raises(CommandError, match="Cannot write"):
        call_command(Probe(), "--include-secrets", "-o", str(tmp_path / "no" / "x.csv"),
                     stderr=err)
    assert err.getvalue() == ""
