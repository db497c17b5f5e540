"""import_accounts writes a batch's all-new lines from rows its reading process encoded
(accounts.bulk, foundation.bulk.holes), the other lines through the services: the rows, their
change records and the report are what the services alone would give."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from accounts.models import Account, AccountSource, AccountUser
from audit.models import ChangeRecord
from audit.states import snapshot
from authorisations.models import Authorisation
from foundation.bulk.holes import HOLE, filled, interleaved, repeated
from foundation.bulk.write import reserve_block

pytestmark = pytest.mark.django_db
ODD = 'Äcmé \\ "quoted"\ttab \\N \u2028'  # escapes in COPY text and JSON


def run(tmp_path, lines: list[dict], *args) -> str:
    path = tmp_path / "accounts.ndjson"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    out = StringIO()
    call_command("import_accounts", str(path), *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def line(client: str, common_id, key: str, users=(), *, name: str = "N", more=()) -> dict:
    return {"id": common_id, "name": name,
            "sources": [{"client": client, "externalId": key, "name": name}, *more],
            "users": [{"client": client, "externalId": u, "identity": None, "email": None}
                      for u in users]}


def records_match_rows() -> int:
    """Every account, source and binding has exactly one create record holding its state
    as the services record it (`snapshot`), its id and its repr; how many rows."""
    rows = [*Account.objects.all(), *AccountSource.objects.all(), *AccountUser.objects.all()]
    for row in rows:
        (record,) = ChangeRecord.objects.filter(
            object_type=row._meta.label_lower, object_id=str(row.pk), action="create")
        assert record.after == json.loads(json.dumps(snapshot(row))), row
        assert record.object_repr == str(row)[:255] and record.before is None
    return len(rows)


def test_new_lines_are_written_with_the_services_rows_and_records(connector, tmp_path):
    crm, erp = connector(), connector()
    long_key = "k" * 240  # too long to leave its repr open: through the services
    lines = [line(crm.client_id, f"C{i}", f"a{i}", [f"u{i}", f"u{i + 1}", f"u{i}"],
                  name=f"{ODD} {i}") for i in range(7)]
    lines += [line(crm.client_id, None, "solo", ["u1"], name=ODD),
              line(crm.client_id, "M", "m1", ["u1"], more=[
                  {"client": erp.client_id, "externalId": "m2", "name": "Other"}]),
              line(erp.client_id, "L", long_key, [long_key]),
              line(erp.client_id, None, ODD, [ODD])]
    assert "11 rows: 11 created, 0 updated, 0 unchanged" in run(tmp_path, lines,
                                                               "--batch-size", "4")
    assert Account.objects.count() == 11 and AccountSource.objects.count() == 12
    assert AccountUser.objects.count() == 7 * 2 + 4
    assert not AccountUser.objects.filter(identity__isnull=False).exists()
    assert Account.objects.get(common_id="C3").name == f"{ODD} 3"
    assert Account.objects.get(common_id=None, sources__external_id=ODD).users.get(
        ).external_id == ODD
    assert records_match_rows() == 11 + 12 + 18
    # the same file again changes nothing and records nothing
    records = ChangeRecord.objects.count()
    assert "11 rows: 0 created, 0 updated, 11 unchanged" in run(tmp_path, lines)
    assert ChangeRecord.objects.count() == records


def test_a_batch_mixes_new_lines_with_lines_that_meet_existing_ones(connector, tmp_path):
    crm, erp = connector(), connector()
    crm.accounts({"old": {"name": "Old", "id": "OLD"}})
    crm.users({"linked": {"email": "linked@example.com"}})
    crm.users_of("OLD", ["p"])
    lines = [
        line(crm.client_id, "NEW", "n1", ["p"]),  # new
        line(erp.client_id, "OLD", "e-old", ["x"]),  # merges into an existing account
        line(crm.client_id, "OLD2", "old", ["q"], name="Renamed"),  # re-binds a source
        line(crm.client_id, "TWICE", "t1", ["y"]),  # two lines of the batch, one account
        line(crm.client_id, "TWICE", "t2", ["z"], name="Second"),
        line(crm.client_id, "LNK", "l1", ["linked"]),  # a user the Users API has linked
        line(crm.client_id, "HINT", "h1", ["hinted"]),  # a user another line gives an email
        {**line(crm.client_id, "HINTS", "h2"), "users": [
            {"client": crm.client_id, "externalId": "hinted", "identity": None,
             "email": "hinted@example.com"}]},
    ]
    out = run(tmp_path, lines)
    assert "8 rows: 7 created, 1 updated, 0 unchanged" in out, out
    old = Account.objects.get(common_id="OLD")
    assert {s.external_id for s in old.sources.all()} == {"e-old"}  # "old" moved to OLD2
    assert set(old.users.values_list("external_id", flat=True)) == {"x"}
    assert Account.objects.get(common_id="OLD2").name == "Renamed"
    assert Account.objects.get(common_id="TWICE").name == "Second"
    assert set(Account.objects.get(common_id="TWICE").users.values_list(
        "external_id", flat=True)) == {"y", "z"}
    for common_id, key in (("LNK", "linked"), ("HINT", "hinted"), ("HINTS", "hinted")):
        binding = AccountUser.objects.get(account__common_id=common_id, external_id=key)
        assert binding.identity is not None and binding.authorisation_id is not None
        assert Authorisation.objects.get(pk=binding.authorisation_id).object_value == common_id
    new = AccountUser.objects.get(account__common_id="NEW")
    assert new.identity is None and new.authorisation_id is None
    # each binding was written once: resolved where it was linked, no update after
    assert not ChangeRecord.objects.filter(object_type="accounts.accountuser",
                                           action="update").exists()


def test_a_dry_run_and_a_refused_file_leave_nothing(connector, tmp_path):
    crm = connector()
    lines = [line(crm.client_id, f"C{i}", f"a{i}", ["u"]) for i in range(5)]
    records = ChangeRecord.objects.count()
    assert "dry run, nothing written: 5 rows: 5 created" in run(tmp_path, lines, "--dry-run")
    bad = [*lines, {"id": "X", "name": "No source", "sources": []}]
    with pytest.raises(Exception, match="line 6: sources"):
        run(tmp_path, bad)
    assert not Account.objects.exists() and not AccountUser.objects.exists()
    assert ChangeRecord.objects.count() == records


def test_holes_are_filled_in_order():
    text = f"{HOLE}\t{HOLE}\tx\n{HOLE}\t{HOLE}\ty"
    assert filled(text, interleaved(["1", "2"], repeated(["7"], [2]))) == "1\t7\tx\n2\t7\ty"
    with pytest.raises(ValueError, match="4 holes for 3 keys"):
        filled(text, ["1", "2", "3"])


def test_a_reserved_block_is_consecutive_and_never_given_again():
    first = reserve_block(Account._meta.db_table, 3)
    assert len(first) == 3 and list(first) == list(range(first[0], first[0] + 3))
    if connection.vendor == "postgresql":  # the sequence moved past the block
        assert Account.objects.create(name="next").pk > first[-1]


def test_imported_pending_bindings_resolve_later_and_answer_the_check(connector, make_caller,
                                                                       tmp_path):
    """Bindings the import wrote from prepared text are the services' rows: the Users API
    resolves them later, mirrored, and the onePortal check answers them."""
    from authorisations.services.catalog import api_client_namespaces_grant

    crm = connector()
    run(tmp_path, [line(crm.client_id, "123456-8", "a1", ["u1", "u2"])])
    assert crm.users({"u1": {"email": "anna@example.com"}}).status_code == 200
    resolved = AccountUser.objects.get(external_id="u1")
    assert resolved.identity_id is not None and resolved.authorisation_id is not None
    assert AccountUser.objects.get(external_id="u2").identity_id is None
    reader = make_caller(["authorisations.AUTHORISATION_VIEW"])
    api_client_namespaces_grant(identity=reader.identity, codes=["ainua"])
    response = reader.basic().get("/api/rest/v1/authorisation/check", {
        "subject": str(resolved.identity_id), "object": "123456-8",
        "authType": "account-user", "nsCode": "ainua"})
    assert response.status_code == 200 and response.json()["authorised"] is True
