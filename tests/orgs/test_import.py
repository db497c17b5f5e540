"""import_orgs / import_users: upsert, idempotent, all or nothing, line-numbered errors;
the exports write what the imports read."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from audit.models import ChangeRecord
from identities.models import Identity
from orgs.models import Organization, OrgUser, Role
from orgs.services.users import user_state
from tests.orgs.conftest import state

pytestmark = pytest.mark.django_db

ORGS = """path,friendlyName,organizationType,virtual,vatnumber
acme,Acme,company,false,"FI1,FI2"
acme/sales,Sales,,,
acme/sales/north,North,department,,
virt,Virtual,,true,
virt/v1,V1,,,
"""
USERS = """organization,uid,email,firstname,surname,hetu,pwd,status,age
acme,alice,alice@example.com,Alice,A,131052-308T,Secret-1,enabled,45
acme/sales,bob,bob@example.com,Bob,B,,,disabled,
acme/sales/north,carol,,,,,,,
"""


def write(tmp_path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def run(command: str, *args) -> str:
    from io import StringIO

    out = StringIO()
    call_command(command, *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_import_orgs_and_users_then_again_is_idempotent(tmp_path):
    orgs, users = write(tmp_path, "o.csv", ORGS), write(tmp_path, "u.csv", USERS)
    assert "5 created" in run("import_orgs", orgs)
    assert "3 created" in run("import_users", users)
    acme = Organization.objects.get(path="acme")
    assert acme.attributes == {"vatnumber": ["FI1", "FI2"]} and acme.roles.count() == 2
    assert Organization.objects.get(path="virt/v1").virtual
    alice = OrgUser.objects.select_related("identity").get(identity__username="alice")
    assert alice.identity.check_password("Secret-1") and alice.hetu == "131052-308T"
    assert alice.attributes == {"age": ["45"]}
    assert not OrgUser.objects.get(identity__username="bob").identity.is_active
    records = ChangeRecord.objects.filter(action="create").count()
    assert records == 5 + 2 + 3  # organizations, acme's type roles, users
    assert ChangeRecord.objects.filter(action="create", object_type="orgs.orguser").first(
        ).after["hetu"] in ("***", "")

    before = state()
    assert "0 created, 0 updated, 5 unchanged" in run("import_orgs", orgs)
    assert state() == before  # not even a change record
    # a password in clear that verifies against the stored hash keeps it: nobody changes
    assert "0 created, 0 updated, 3 unchanged" in run("import_users", users)
    assert state() == before
    before = state()
    users_again = write(tmp_path, "u2.csv", USERS.replace(",Secret-1,", ",,"))
    assert "0 created, 0 updated, 3 unchanged" in run("import_users", users_again)
    assert state() == before
    assert OrgUser.objects.get(identity__username="alice").identity.check_password("Secret-1")


def test_an_update_row_changes_the_organization(tmp_path):
    run("import_orgs", write(tmp_path, "o.csv", ORGS))
    run("import_orgs", write(tmp_path, "o2.csv",
                             "path,friendlyName,vatnumber\nacme,Acme Oy,FI9\n"))
    acme = Organization.objects.get(path="acme")
    assert (acme.friendly_name, acme.attributes) == ("Acme Oy", {"vatnumber": ["FI9"]})
    assert ChangeRecord.objects.filter(action="update", object_type="orgs.organization").count(
        ) == 1


@pytest.mark.parametrize("text, line, message", [
    ("path,friendlyName\nok,OK\nbad path,X\n", 3, "Invalid"),
    ("path,friendlyName\nok,OK\nnope/child,X\n", 3, "parent"),
    ("path,friendlyName\nok,\n", 2, "friendlyName"),
    ("path,friendlyName,colour\nok,OK,red\n", 2, "colour"),
    ("path,friendlyName,organizationType\nok,OK,castle\n", 2, "castle"),
    ("path,friendlyName,virtual\nok,OK,maybe\n", 2, "virtual"),
    ("path,friendlyName,virtual\nok,OK,false\nok/v,V,true\n", 3, "virtual"),
    ("path,friendlyName\nok,OK\nok,Again\n", 3, "twice"),
    ("path,friendlyName\nok,OK,extra\n", 2, "more values than the header"),
    ("path,friendlyName,virtual\nok,OK,fa\x00lse\n", 2, "virtual contains a NUL"),
])
def test_a_bad_org_row_writes_nothing_and_names_its_line(tmp_path, text, line, message):
    before = state()
    with pytest.raises(CommandError) as raised:
        run("import_orgs", write(tmp_path, "o.csv", text))
    assert f"line {line}:" in str(raised.value) and message in str(raised.value)
    assert state() == before


@pytest.mark.parametrize("row, message", [
    ("acme,dave,,,,131052-308X,,,", "check character"),
    ("acme,alice,,,,,,,", "twice"),
    ("nowhere,dave,,,,,,,", "not found"),
    ("virt,dave,,,,,,,", "virtual"),
    ("acme,dave,not-an-email,,,,,,", "email"),
    ("acme,dave,,,,,,sleeping,", "status"),
    ("acme,restuser,,,,,,,", "another identity"),
    ("acme,dave,,Da\x00ve,,,,,", "firstname contains a NUL"),
    ("acme,dave,,,,,,,4\x002", "age contains a NUL"),
])
def test_a_bad_user_row_writes_nothing_and_names_its_line(tmp_path, row, message, restuser):
    run("import_orgs", write(tmp_path, "o.csv", ORGS))
    before = state()
    with pytest.raises(CommandError) as raised:
        run("import_users", write(tmp_path, "u.csv", USERS + row + "\n"))
    assert "line 5:" in str(raised.value) and message in str(raised.value)
    assert state() == before


def test_dry_run_writes_nothing(tmp_path):
    before = state()
    assert "dry run" in run("import_orgs", write(tmp_path, "o.csv", ORGS), "--dry-run")
    assert state() == before


def test_skip_bad_rows_writes_the_good_ones(tmp_path):
    text = ORGS + "nope/x,X,,,\n"
    out = run("import_orgs", write(tmp_path, "o.csv", text), "--skip-bad-rows")
    assert "5 created" in out and "1 invalid" in out


def test_a_batch_of_new_existing_and_failing_users_writes_each_new_one_right(tmp_path):
    """New users among updated ones and, with --skip-bad-rows, around a row that fails when
    applied: each new user gets its own prepared values (on PostgreSQL, its own lines of
    the batch's COPY text)."""
    run("import_orgs", write(tmp_path, "o.csv", ORGS))
    run("import_users", write(tmp_path, "u.csv", USERS))
    text = ("organization,uid,firstname,surname\nacme,dave,Dave,D\nacme,alice,Alicia,A\n"
            "nowhere,zed,Zed,Z\nacme/sales,erin,Erin,E\n")
    out = run("import_users", write(tmp_path, "u2.csv", text), "--skip-bad-rows")
    assert "2 created, 1 updated, 0 unchanged, 1 invalid" in out  # zed: line 4
    got = {u.uid: (u.organization.path, u.identity.first_name, u.identity.last_name)
           for u in OrgUser.objects.select_related("identity", "organization")}
    assert got["dave"] == ("acme", "Dave", "D") and got["erin"] == ("acme/sales", "Erin", "E")
    assert got["alice"] == ("acme", "Alicia", "A") and "zed" not in got
    for uid in ("dave", "erin"):
        user = OrgUser.objects.get(identity__username=uid)
        change = ChangeRecord.objects.get(object_id=str(user.pk))
        assert change.after["first_name"] == uid.title()
        assert change.object_repr == f"{user.organization.path}/{user.name}"


def test_ndjson_and_export_round_trip(tmp_path):
    lines = [{"path": "acme", "friendlyName": "Acme", "organizationType": "company",
              "vatnumber": ["FI1", "FI2"]},
             {"path": "acme/sales", "friendlyName": "Sales"}]
    run("import_orgs", write(tmp_path, "o.ndjson", "\n".join(json.dumps(x) for x in lines)))
    run("import_users", write(tmp_path, "u.ndjson", json.dumps(
        {"organization": "acme/sales", "uid": "erin", "pwd": "Pw-12345", "age": [30]})))
    orgs_out, users_out = tmp_path / "orgs.csv", tmp_path / "users.ndjson"
    call_command("export_orgs", "-o", str(orgs_out))
    call_command("export_users", "--format", "ndjson", "--include-secrets", "-o",
                 str(users_out), stderr=io.StringIO())
    assert '"FI1,FI2"' in orgs_out.read_text()
    exported = json.loads(users_out.read_text())
    assert exported["uid"] == "erin" and exported["pwd_hash"].startswith("md5$")
    before = state()
    assert "2 unchanged" in run("import_orgs", str(orgs_out))
    assert "1 unchanged" in run("import_users", str(users_out))
    assert state() == before
    assert Identity.objects.get(username="erin").check_password("Pw-12345")
    assert Role.objects.filter(organization__path="acme").count() == 2


def test_demo_loads_twice(capsys):
    call_command("load_demo")
    before = state()
    call_command("load_demo")
    assert state() == before
    assert Organization.objects.filter(path="partners/resellers", virtual=True).exists()


def test_import_change_records_hold_masked_states_under_one_context(tmp_path):
    run("import_orgs", write(tmp_path, "o.csv", ORGS))
    run("import_users", write(tmp_path, "u.csv", USERS))
    records = list(ChangeRecord.objects.filter(action="create", object_type="orgs.orguser"))
    assert len(records) == 3
    assert len({r.context_id for r in records}) == 1  # one audit context for the import
    assert len({r.correlation_id for r in records}) == 1 and records[0].correlation_id
    assert {r.actor_repr for r in records} == {"command:import_users"}
    alice = next(r for r in records if r.after["uid"] == "alice")
    user = OrgUser.objects.select_related("identity", "organization").get(
        identity__username="alice")
    assert alice.object_id == str(user.pk) and alice.object_repr == f"acme/{user.name}"
    assert alice.after == user_state(user)  # what the API records of the same user
    assert alice.after["hetu"] == "***" and alice.after["attributes"] == {"age": ["45"]}
    text = json.dumps([r.after for r in records])
    assert "131052" not in text and "Secret-1" not in text and "md5$" not in text
    carol = next(r for r in records if r.after["uid"] == "carol")
    assert carol.after["password_usable"] is False and carol.after["hetu"] == ""


@pytest.mark.parametrize("size", [3, 60])
def test_import_users_query_count_does_not_grow_with_rows(tmp_path, size, count_queries):
    """One batch: its lookups, inserts and change records take a fixed number of queries
    (compared with the 3-row import, whatever the number of rows)."""
    run("import_orgs", write(tmp_path, "o.csv", ORGS))
    header = "organization,uid,email,hetu,pwd_hash\n"
    counts = []
    for prefix, n in (("a", 3), ("b", size)):
        rows = "".join(f"acme/sales,{prefix}{i},{prefix}{i}@example.com,131052-308T,md5$s$h\n"
                       for i in range(n))
        with count_queries() as queries:
            assert f"{n} created" in run("import_users", write(tmp_path, f"{prefix}.csv",
                                                                header + rows))
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert ChangeRecord.objects.filter(object_type="orgs.orguser").count() == 3 + size


def test_raw_rows_store_uuids_and_datetimes_as_the_orm_does():
    """insert_rows converts values column by column on SQLite; what it stores reads back
    through the ORM exactly as written (UUID keys, aware datetimes, nulls)."""
    import datetime
    import uuid

    from foundation.bulk.write import insert_rows

    org = Organization.objects.create(name="raw", path="raw", friendly_name="Raw")
    stamp = datetime.datetime(2024, 5, 1, 12, 30, 15, 123456, tzinfo=datetime.UTC)
    ids = [uuid.uuid4() for _ in range(3)]
    insert_rows(Identity._meta.db_table, ("id", "password", "is_superuser", "username",
                                          "first_name", "last_name", "email", "is_staff",
                                          "is_active", "date_joined", "kind", "last_login"),
                [(pk, "!x", False, str(pk) if i == 0 else f"raw{i}", "", "", "", False, True,
                  stamp, "person",
                  stamp if i else None) for i, pk in enumerate(ids)])
    insert_rows(OrgUser._meta.db_table, ("identity_id", "organization_id", "name",
                                         "attributes", "created_at", "modified_at", "status",
                                         "pwd_activated", "locale", "hetu"),
                [(pk, org.pk, f"n{i}", '{"a":["1"]}', stamp, stamp, "enabled", True,
                  "", "") for i, pk in enumerate(ids)])
    users = OrgUser.objects.select_related("identity").filter(organization=org).order_by("name")
    assert [u.pk for u in users] == ids
    assert all(u.created_at == stamp and u.identity.date_joined == stamp for u in users)
    assert [u.identity.last_login for u in users] == [None, stamp, stamp]
    assert users[0].attributes == {"a": ["1"]} and users[0].uid is None


def test_unusable_passwords_look_like_make_password_none():
    import re

    from django.contrib.auth.hashers import is_password_usable, make_password

    from orgs.user_import import unusable_password

    drawn = [unusable_password() for _ in range(500)]
    reference = make_password(None)
    assert len(drawn) == len(set(drawn)) == 500
    assert all(re.fullmatch(r"![A-Za-z0-9_-]{40}", p) for p in drawn)
    assert len(reference) == len(drawn[0]) and not is_password_usable(reference)
    assert not any(is_password_usable(p) for p in drawn)


@pytest.mark.parametrize("values", [[], ["acme"], ["acme", "acme/sales", "nope", "ä/ö", 'q"uote']])
def test_one_of_finds_exactly_the_given_values(tmp_path, values):
    from foundation.bulk.write import one_of

    run("import_orgs", write(tmp_path, "o.csv", ORGS))
    Organization.objects.create(name='q"uote', path='q"uote', friendly_name="Q")
    found = set(Organization.objects.filter(one_of("path", values)).values_list("path",
                                                                                 flat=True))
    assert found == set(values) & set(Organization.objects.values_list("path", flat=True))


def _import(path: str, importer, *, parallel: bool):
    from foundation.bulk.run import run_import

    return run_import(importer, path, parallel=parallel)


@pytest.mark.parametrize("parallel", [True, False])
def test_the_reading_worker_and_the_in_process_path_import_the_same(tmp_path, monkeypatch,
                                                                     parallel):
    """Batches of 2 rows: the worker (forked) and the in-process fallback read, validate and
    hand over every batch in order, errors included."""
    from foundation.bulk.worker import validated_batches
    from orgs import bulk
    from orgs.user_import import UserImporter, UserRow

    monkeypatch.setattr(UserImporter, "batch_size", 2)
    run("import_orgs", write(tmp_path, "o.csv", ORGS))
    path = write(tmp_path, "u.csv", USERS + "acme,dave,bad-email,,,,,,\nacme,erin,,,,,,,\n")
    with open(path) as stream:
        got = list(validated_batches(UserImporter(), stream, "csv", parallel=parallel))
    assert [batch.count for batch in got] == [2, 2, 1]
    assert [[r[3] for r in batch.valid] for batch in got] == [  # handed over: plain tuples
        ["alice", "bob"], ["carol"], ["erin"]]
    assert [batch.bad for batch in got] == [
        [], [(5, "email is not a valid email address.")], []]
    if connection.vendor == "postgresql":  # their rows as new users, in COPY text
        assert [batch.prepared.lines for batch in got] == [(2, 3), (4,), (6,)]
        assert got[0].prepared.persons.split("\n")[1].split("\t")[2] == "bob"
        # alice's password in clear is hashed by the importing process, bob's is unusable
        assert got[0].prepared.passwords.split("\n")[0] == ""
        assert got[0].prepared.passwords.split("\n")[1].startswith("!")
    else:  # their values as new users
        assert [[user[0] for user in batch.prepared] for batch in got] == [[2, 3], [4], [6]]
        assert bulk.NewUser._make(got[0].prepared[1]).person[2] == "bob"
        assert bulk.NewUser._make(got[0].prepared[0]).password is None
    alice = UserRow._make(got[0].valid[0])  # her pwd is hashed once she is known new
    assert (alice.pwd, alice.pwd_hash) == ("Secret-1", None)
    report = _import(write(tmp_path, "u2.csv", USERS), UserImporter(), parallel=parallel)
    assert report.created == 3
    assert sorted(OrgUser.objects.values_list("identity__username", flat=True)) == [
        "alice", "bob", "carol"]


def test_the_same_user_in_two_batches_is_refused_like_in_one(tmp_path, monkeypatch):
    from orgs.org_import import OrgImporter
    from orgs.user_import import UserImporter

    monkeypatch.setattr(UserImporter, "batch_size", 2)
    monkeypatch.setattr(OrgImporter, "batch_size", 2)
    run("import_orgs", write(tmp_path, "o.csv", ORGS))
    before = state()
    with pytest.raises(CommandError) as raised:  # alice: line 2, batch 1; line 5, batch 2
        run("import_users", write(tmp_path, "u.csv", USERS + "acme,alice,,,,,,,\n"))
    assert "line 5: the same user appears twice" in str(raised.value)
    with pytest.raises(CommandError) as raised:
        run("import_orgs", write(tmp_path, "o2.csv", ORGS + "acme,Again,,,\n"))
    assert "line 7: 'acme' appears twice" in str(raised.value)
    assert state() == before


def test_a_crash_in_the_reading_worker_fails_the_import_and_writes_nothing(tmp_path):
    from foundation.bulk.worker import WorkerFailed
    from orgs.user_import import UserImporter

    class Crashing(UserImporter):
        def validate(self, line, row):
            if line == 3:
                raise ZeroDivisionError("boom")
            return super().validate(line, row)

    run("import_orgs", write(tmp_path, "o.csv", ORGS))
    before = state()
    with pytest.raises(WorkerFailed, match="ZeroDivisionError: boom"):
        _import(write(tmp_path, "u.csv", USERS), Crashing(), parallel=True)
    assert state() == before


def test_import_from_standard_input_through_the_worker(tmp_path, monkeypatch):
    """`-` reads stdin through a duplicate of its descriptor: the forked worker reads it
    although multiprocessing closes sys.stdin in the child, and stdin stays open after."""
    run("import_orgs", write(tmp_path, "o.csv", ORGS))
    stdin = open(write(tmp_path, "u.csv", USERS))  # noqa: SIM115 (closed below)
    monkeypatch.setattr("sys.stdin", stdin)
    try:
        assert "3 created" in run("import_users", "-")
        assert not stdin.closed
    finally:
        stdin.close()
    assert OrgUser.objects.count() == 3


def test_the_command_reports_a_failed_reading_process(tmp_path, monkeypatch):
    from orgs.user_import import UserImporter

    def crash(self, line, row):
        raise ZeroDivisionError("boom")

    run("import_orgs", write(tmp_path, "o.csv", ORGS))
    monkeypatch.setattr(UserImporter, "validate", crash)  # the forked worker inherits it
    before = state()
    with pytest.raises(CommandError, match="the reading process failed"):
        run("import_users", write(tmp_path, "u.csv", USERS))
    assert state() == before


def test_text_needing_escapes_imports_exactly(tmp_path):
    """COPY's text format escapes tab, newline, carriage return and backslash, and reads
    `\\N` as NULL: such values come back as they were written, the change record too."""
    run("import_orgs", write(tmp_path, "o.csv", ORGS))
    tricky = ["tab\there", "two\nlines", "cr\rhere", "back\\slash", "\\N", "\\."]
    rows = [{"organization": "acme", "uid": f"t{i}", "firstname": value, "surname": "x",
             "age": value.replace(",", "")} for i, value in enumerate(tricky)]
    path = tmp_path / "u.ndjson"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    assert f"{len(tricky)} created" in run("import_users", str(path))
    for i, value in enumerate(tricky):
        user = OrgUser.objects.select_related("identity").get(identity__username=f"t{i}")
        assert (user.identity.first_name, user.attributes) == (value, {"age": [value]})
        change = ChangeRecord.objects.get(object_id=str(user.pk), action="create")
        assert change.after["first_name"] == value and change.object_repr == f"acme/{user.name}"


def test_a_users_state_holds_every_column_of_its_profile(tree):
    """user_state is written by hand (the import's reading process builds the same from a
    row): a column added to OrgUser must appear in it (its id and path are the record's)."""
    from audit.states import snapshot

    user = OrgUser.objects.select_related("identity", "organization").get(
        identity__username="alice")
    assert set(snapshot(user)) - {"identity"} <= set(user_state(user))


def test_imported_organizations_take_their_ids_from_the_sequence(tmp_path):
    """On PostgreSQL the import reserves the new organizations' ids from the table's own
    sequence and COPYs them: parents, children and later creations all fit together."""
    from orgs import services

    run("import_orgs", write(tmp_path, "o.csv", ORGS))
    by_path = {o.path: o for o in Organization.objects.all()}
    assert by_path["acme/sales"].parent_id == by_path["acme"].pk
    assert by_path["acme/sales/north"].parent_id == by_path["acme/sales"].pk
    assert by_path["virt/v1"].parent.virtual and by_path["virt/v1"].virtual
    later = services.organization_create(parent=by_path["acme"], organization_id="later",
                                         friendly_name="Later")
    assert later.pk > max(o.pk for o in by_path.values())
    assert ChangeRecord.objects.get(object_type="orgs.organization", action="create",
                                    object_id=str(by_path["acme/sales"].pk)).after[
        "parent"] == by_path["acme"].pk
