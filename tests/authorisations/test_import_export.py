"""import_authorisations / export_authorisations: upsert, all-or-nothing, round trip, audit."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from audit.models import AuditContext, ChangeRecord
from authorisations.models import Authorisation
from authorisations.services.catalog import namespace_create
from identities.services.people import person_create

pytestmark = pytest.mark.django_db
HEADER = ("nsCode,authType,authSource,subject.type,subject.value,object.type,object.value,"
          "validFrom,validTo\n")


def run(path, *args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_authorisations", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def write(tmp_path, text, name="rows.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def csv_rows(n, start=0):
    return "".join(f"ns-a,employment,hr,string,s{i},string,acme,2024-01-01T00:00:00Z,\n"
                   for i in range(start, start + n))


def test_import_twice_leaves_the_same_rows_and_one_context(tmp_path, ns_a):
    path = write(tmp_path, HEADER + csv_rows(25))
    contexts = AuditContext.objects.count()
    out, _ = run(path, "--batch-size", "10")
    assert "25 created" in out
    assert Authorisation.objects.count() == 25
    records = ChangeRecord.objects.filter(object_type="authorisations.authorisation")
    assert records.count() == 25
    assert AuditContext.objects.count() == contexts + 1
    assert {r.context_id for r in records} == {AuditContext.objects.order_by("-id")[0].id}
    assert records.first().actor_repr == "command:import_authorisations"
    assert records.first().after["subject_value"].startswith("s")
    out, _ = run(path)
    assert "0 created, 0 updated, 25 unchanged" in out
    assert Authorisation.objects.count() == 25 and records.count() == 25


def test_one_bad_row_writes_nothing_and_names_its_line(tmp_path, ns_a):
    bad = "ns-a,employment,hr,string,x,string,acme,not-a-date,\n"
    unknown = "ns-a,nope,hr,string,y,string,acme,,\n"
    path = write(tmp_path, HEADER + csv_rows(3) + bad + csv_rows(2, 10) + unknown)
    with pytest.raises(CommandError, match="nothing imported: 2 bad row") as raised:
        run(path, "--batch-size", "2")
    # both found, whichever step finds each: the reading (a date), the lookups (a type)
    assert "line 5: validFrom:" in str(raised.value)
    assert "line 8: authType: Unknown authorisation type 'nope'" in str(raised.value)
    assert not Authorisation.objects.exists()
    assert not ChangeRecord.objects.filter(object_type="authorisations.authorisation").exists()


def test_errors_are_reported_with_line_numbers(tmp_path, ns_a):
    bad = "ns-a,employment,hr,string,x,string,acme,not-a-date,\n"
    path = write(tmp_path, HEADER + csv_rows(3) + bad + "ns-zz,employment,,string,a,string,b,,\n")
    with pytest.raises(CommandError) as raised:
        run(path)
    assert "line 5: validFrom:" in str(raised.value)
    assert "line 6: nsCode: Unknown namespace 'ns-zz'" in str(raised.value)


def test_skip_bad_rows_writes_the_good_rows(tmp_path, ns_a):
    bad = "ns-a,employment,hr,user,not-an-identity,string,acme,,\n"
    out, err = run(write(tmp_path, HEADER + csv_rows(3) + bad), "--skip-bad-rows")
    assert "3 created" in out and "skipped line 5: subject" in err
    assert Authorisation.objects.count() == 3


def test_dry_run_validates_and_writes_nothing(tmp_path, ns_a):
    out, _ = run(write(tmp_path, HEADER + csv_rows(4)), "--dry-run")
    assert "dry run, nothing written" in out and "4 created" in out
    assert not Authorisation.objects.exists()


def test_user_references_are_checked_in_bulk(tmp_path, ns_a, count_queries):
    people = [person_create(username=f"p{i}") for i in range(30)]
    missing = "ns-a,employment,,user,6f1c0000-0000-4000-8000-000000000000,string,acme,,\n"

    def rows(n: int) -> str:
        return "".join(f"ns-a,employment,,user,{p.id},string,acme,,\n" for p in people[:n])

    def refused(n: int) -> int:
        """The queries of an import of `n` known users and one unknown, which is refused."""
        with count_queries() as queries, pytest.raises(CommandError, match="1 bad row"):
            run(write(tmp_path, HEADER + rows(n) + missing))
        return len(queries)

    assert refused(3) == refused(30)
    out, _ = run(write(tmp_path, HEADER + rows(3)))
    assert "3 created" in out


def test_ids_update_and_export_round_trips(tmp_path, ns_a):
    namespace_create(code="ns-c")
    run(write(tmp_path, HEADER + csv_rows(5)))
    exported = io.StringIO()
    call_command("export_authorisations", "--format", "ndjson", stdout=exported)
    lines = exported.getvalue().splitlines()
    assert len(lines) == 5
    changed = json.loads(lines[0])
    changed["validTo"] = "2030-01-01T00:00:00Z"
    changed["revoked"], changed["revocationDetails"] = True, "ended"
    path = write(tmp_path, "\n".join([json.dumps(changed), *lines[1:]]) + "\n", "x.ndjson")
    out, _ = run(path)
    assert "0 created, 1 updated, 4 unchanged" in out
    row = Authorisation.objects.get(pk=changed["id"])
    assert row.revoked and row.revocation_details == "ended" and row.versions.count() == 1
    assert ChangeRecord.objects.filter(object_id=changed["id"], action="revoke").exists()
    # CSV export into an empty database and back: the same rows, ids kept.
    csv_out = tmp_path / "all.csv"
    call_command("export_authorisations", "--output", str(csv_out))
    before = sorted(Authorisation.objects.values_list(
        "id", "subject_value", "valid_to", "revoked", "revocation_details"))
    Authorisation.objects.all().delete()
    run(csv_out)
    after = sorted(Authorisation.objects.values_list(
        "id", "subject_value", "valid_to", "revoked", "revocation_details"))
    assert after == before
    again = io.StringIO()
    call_command("export_authorisations", stdout=again)
    assert again.getvalue() == csv_out.read_text()


def test_export_filter(tmp_path, ns_a):
    run(write(tmp_path, HEADER + csv_rows(3)))
    out = io.StringIO()
    call_command("export_authorisations", "--filter", 'subject.value eq "s1"', stdout=out)
    assert len(out.getvalue().splitlines()) == 2
    with pytest.raises(CommandError, match="colour"):
        call_command("export_authorisations", "--filter", 'colour eq "x"', stdout=out)


@pytest.mark.parametrize("text, fragment", [
    ("colour,authType\nx,y\n", "line 1: unknown column"),
    (HEADER + "ns-a,employment,hr,string,a,string,b,,,extra\n", "more values"),
    (HEADER + "ns-a,,hr,string,a,string,b,,\n", "authType"),
])
def test_malformed_csv(tmp_path, ns_a, text, fragment):
    with pytest.raises(CommandError) as raised:
        run(write(tmp_path, text))
    assert fragment in str(raised.value)


def test_malformed_ndjson_and_missing_file(tmp_path, ns_a):
    path = write(tmp_path, '{"authType": "employment"}\n[1]\n{bad\n', "x.ndjson")
    with pytest.raises(CommandError) as raised:
        run(path)
    message = str(raised.value)
    assert "line 1:" in message and "line 2: expected a JSON object" in message
    assert "line 3: not valid JSON" in message
    with pytest.raises(CommandError, match="Cannot read"):
        run(tmp_path / "missing.csv")


def test_ndjson_nested_too_deep_is_a_line_error_not_a_crash(tmp_path, ns_a):
    deep = '{"a": ' + "[" * 100_000 + "]" * 100_000 + "}"
    path = write(tmp_path, f'{deep}\n[1]\n', "x.ndjson")
    with pytest.raises(CommandError) as raised:
        run(path)
    message = str(raised.value)
    assert "line 1: JSON nested deeper than 64 levels" in message
    assert "line 2: expected a JSON object" in message  # the reader went on
    assert not Authorisation.objects.exists()


@pytest.mark.parametrize("size", [10, 500])
def test_import_query_count_does_not_grow_with_batch_size(tmp_path, ns_a, count_queries, size):
    path = write(tmp_path, HEADER + csv_rows(size))
    with count_queries() as queries:
        run(path, "--batch-size", str(size))
    # an executemany is logged as "N times: INSERT ..." (record_bulk(copy=True) on SQLite)
    inserts = [q for q in queries.captured_queries
               if q["sql"].split(" times: ", 1)[-1].startswith("INSERT")]
    others = [q["sql"][:60] for q in queries.captured_queries if q not in inserts]
    # namespaces, tenant, savepoints and context, the batch's savepoint, types, sources,
    # the batch's types and sources held (references.live_held), lookup by key: fixed.
    assert len(others) == 13, others
    # two bulk INSERTs (rows, change records), each split only by the backend's parameter limit
    fields = len(Authorisation._meta.concrete_fields)
    per_insert = connection.ops.bulk_batch_size(["x"] * fields, [None] * size) or size
    assert len(inserts) <= 1 + 2 * -(-size // min(per_insert, 2000)), len(inserts)


def test_a_row_that_changes_a_record_compares_the_values_it_was_prepared_with(tmp_path, ns_a):
    """Rows matching existing records are compared through the new rows prepared for them
    (on PostgreSQL read back from their COPY text): values needing escapes survive."""
    tricky = "tab\there, new\nline, back\\slash, \\N"
    first = {"nsCode": "ns-a", "authType": "employment", "authSource": "hr",
             "subject": {"type": "string", "value": tricky},
             "object": {"type": "string", "value": "acme"},
             "validFrom": "2024-01-01T00:00:00Z", "validTo": "2030-01-01T00:00:00.5Z"}
    path = tmp_path / "a.ndjson"
    path.write_text(json.dumps(first) + "\n")
    run(path)
    made = Authorisation.objects.get()
    again = {**first, "id": str(made.pk), "validTo": "2031-01-01T00:00:00Z"}
    same = {**first, "id": str(made.pk)}
    path.write_text(json.dumps(same) + "\n")
    assert "0 created, 0 updated, 1 unchanged" in run(path)[0]
    path.write_text(json.dumps(again) + "\n")
    assert "0 created, 1 updated, 0 unchanged" in run(path)[0]
    made.refresh_from_db()
    assert made.subject_value == tricky and made.valid_to.year == 2031
    assert made.source.code == "hr" and made.versions.count() == 1


def test_author_imports_exports_and_the_creator_is_the_command(tmp_path, ns_a):
    path = write(tmp_path, HEADER.rstrip("\n") + ",author\n"
                 "ns-a,employment,hr,string,s1,string,acme,2024-01-01T00:00:00Z,,payroll\n"
                 "ns-a,employment,hr,string,s2,string,acme,2024-01-01T00:00:00Z,,\n")
    run(path)
    rows = {a.subject_value: a for a in Authorisation.objects.all()}
    assert rows["s1"].author == "payroll" and rows["s2"].author is None
    assert {a.creator for a in rows.values()} == {"command:import_authorisations"}
    out = tmp_path / "out.csv"
    call_command("export_authorisations", "--output", str(out))
    lines = out.read_text().splitlines()
    assert lines[0].endswith(",author")
    assert sorted(line.rsplit(",", 1)[1] for line in lines[1:]) == ["", "payroll"]
