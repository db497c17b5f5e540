"""export_accounts → import_accounts round-trips; the import's errors name their lines and
write nothing; --dry-run writes nothing."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import Account, AccountSource, AccountUser
from audit.models import ChangeRecord
from authorisations.models import Authorisation
from identities.models import ExternalIdentity

pytestmark = pytest.mark.django_db


def export(path=None) -> list[dict]:
    out = StringIO()
    args = ["--output", str(path)] if path else []
    call_command("export_accounts", *args, stdout=out, stderr=StringIO())
    text = path.read_text() if path else out.getvalue()
    return [json.loads(line) for line in text.splitlines()]


def import_file(path, *args) -> str:
    out = StringIO()
    call_command("import_accounts", str(path), *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def fed(connector):
    crm, erp = connector(), connector()
    crm.accounts({"a1": {"name": "Acme", "id": "1"}, "solo": {"name": "Solo"}})
    erp.accounts({"b1": {"name": "ACME Oy", "id": "1"}, "b2": {"name": "Globex", "id": "2"}})
    crm.users({"u1": {"email": "anna@example.com", "name": "Anna"}})
    erp.users({"e1": {"email": "ANNA@example.com"}})
    crm.users_of("1", ["u1", "u-pending"])
    erp.users_of("1", ["e1"])
    erp.users_of("2", ["e1", "e2"])
    crm.users_of("solo", ["u1"])
    return crm, erp


def wipe() -> None:
    """What a restore starts from: no account (through the services, as the API removes)."""
    from accounts.services import SourceItem, sources_apply

    sources_apply([SourceItem(s.connector_id, s.external_id, None)
                   for s in AccountSource.objects.all()])
    assert not Account.objects.exists()


def test_export_import_round_trips(fed, tmp_path):
    path = tmp_path / "accounts.ndjson"
    first = export(path)
    assert len(first) == 3
    wipe()
    assert "3 rows: 3 created" in import_file(path)
    assert sorted(map(json.dumps, export())) == sorted(map(json.dumps, first))
    assert AccountUser.objects.filter(identity__isnull=True).count() == 2  # u-pending, e2
    assert Authorisation.objects.alive().count() == AccountUser.objects.filter(
        identity__isnull=False).count() == 4
    records = ChangeRecord.objects.count()
    assert "3 rows: 0 created, 0 updated, 3 unchanged" in import_file(path)
    assert ChangeRecord.objects.count() == records


def test_import_from_stdin_and_dry_run(fed, tmp_path, monkeypatch):
    path = tmp_path / "accounts.ndjson"
    export(path)
    wipe()
    assert "dry run, nothing written: 3 rows: 3 created" in import_file(path, "--dry-run")
    assert not Account.objects.exists()
    monkeypatch.setattr("sys.stdin", open(path))  # noqa: SIM115
    assert "3 created" in import_file("-")
    assert Account.objects.count() == 3


def test_bad_lines_are_named_and_nothing_is_written(fed, tmp_path):
    crm, _ = fed
    lines = [
        {"id": "9", "name": "Fine", "sources": [{"client": crm.client_id, "externalId": "n1",
                                                 "name": "Fine"}], "users": []},
        {"id": "9", "name": "No sources", "sources": [], "users": []},
        {"id": "9", "name": "Bad client", "sources": [{"client": "nope", "externalId": "x",
                                                       "name": "X"}]},
        {"id": " ", "name": "Bad id", "sources": []},
        {"id": "9", "name": "A", "sources": [{"client": crm.client_id, "externalId": "n2",
                                              "name": "A"}],
         "users": [{"client": crm.client_id, "externalId": "u", "identity": "x",
                    "email": None}]},
        {"id": "9", "name": "A", "extra": 1},
    ]
    path = tmp_path / "bad.ndjson"
    path.write_text("\n".join(map(json.dumps, lines)) + "\n{not json\n")
    before = (Account.objects.count(), ChangeRecord.objects.count(),
              ExternalIdentity.objects.count())
    with pytest.raises(CommandError) as failed:
        import_file(path)
    message = str(failed.value)
    assert "nothing imported: 6 bad row(s)" in message
    for line, text in [(2, "at least one source"), (3, "No OAuth2 client"), (4, "id: Expected"),
                       (5, "identity: Expected a UUID"), (6, "Unknown key(s): extra"),
                       (7, "line 7")]:
        assert f"line {line}: " in message and text in message, (line, message)
    assert (Account.objects.count(), ChangeRecord.objects.count(),
            ExternalIdentity.objects.count()) == before


def test_export_refuses_csv():
    with pytest.raises(CommandError, match="NDJSON only"):
        call_command("export_accounts", "--format", "csv", stdout=StringIO(), stderr=StringIO())
