"""The import's lean row path answers what the plain one did: the CSV reader, the change
records of new rows (built without model objects), a reading error mid-stream."""

import csv
import io

import pytest

from audit import context as scope
from audit.models import ChangeRecord
from audit.services import audited
from authorisations.importer import csv_to_body, import_authorisations, read_rows, state
from authorisations.models import Authorisation

pytestmark = pytest.mark.django_db

TRICKY = (
    "nsCode,authType,subject.value,object.type,object.value,validTo,revoked\n"
    "ns-a,employment,s1,string,acme,,\n"
    "\n"
    "ns-a,,s2,string,acme,2030-01-01T00:00:00Z,true\n"
    "ns-a,employment,\"multi\nline\",string,acme,,false\n"
    "ns-a,employment,short\n"
    "ns-a,employment,s3,string,acme,,,extra\n"
    ",employment,s4,user,acme,,\n"
)


def plain_read(text: str):
    """What read_rows answered before: csv.DictReader and csv_to_body."""
    reader = csv.DictReader(io.StringIO(text))
    for row in reader:
        if None in row:
            yield reader.line_num, "more values than columns"
            continue
        yield reader.line_num, csv_to_body(row)


def test_csv_reader_answers_what_dictreader_and_csv_to_body_did():
    ours = [(line, str(body) if isinstance(body, Exception) else body)
            for line, body in read_rows(io.StringIO(TRICKY), "csv")]
    assert ours == list(plain_read(TRICKY))
    assert [line for line, _ in ours] == [2, 4, 6, 7, 8, 9]


def rows(n):
    text = "nsCode,authType,authSource,subject.type,subject.value,object.type,object.value\n"
    text += "".join(f"ns-a,employment,hr,string,s{i},string,acme\n" for i in range(n))
    return read_rows(io.StringIO(text), "csv")


def test_change_records_of_new_rows_match_the_stored_rows(ns_a):
    with scope.for_command("test"), audited():
        report = import_authorisations(rows(30), batch_size=7)
    assert report.created == 30 and report.written
    records = ChangeRecord.objects.filter(object_type="authorisations.authorisation")
    assert records.count() == 30
    for record in records:
        stored = Authorisation.objects.get(pk=record.object_id)
        assert record.action == "create"
        assert record.after == state(stored)


def test_a_reader_error_is_raised_and_nothing_is_written(ns_a):
    def failing():
        yield from rows(15)
        raise UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")

    with pytest.raises(UnicodeDecodeError), scope.for_command("test"), audited():
        import_authorisations(failing(), batch_size=5)
    assert not Authorisation.objects.exists()
