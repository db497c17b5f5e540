"""Tombstones of many rows in one INSERT … SELECT, matching what record() would have written."""

import pytest
from django.db.models import F

from audit.models import ChangeRecord
from audit.states import snapshot
from audit.tombstones import tombstones
from identities.models import Identity
from identities.services.people import person_create

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("rows", [2, 40])
def test_one_statement_whatever_the_number_of_rows(rows, count_queries):
    people = [person_create(username=f"p{i}", password="Secret-pass-1") for i in range(rows)]
    qs = Identity.objects.filter(username__startswith="p")
    with count_queries() as queries:
        tombstones(qs, object_repr=F("username"))
    inserts = [q for q in queries.captured_queries
               if q["sql"].startswith("INSERT INTO \"audit_changerecord\"")]
    assert len(inserts) == 1
    records = ChangeRecord.objects.filter(action="delete")
    assert records.count() == rows
    one = records.get(object_repr="p0")
    expected = snapshot(people[0])
    assert one.object_id == str(people[0].pk)
    assert one.before["password"] == "***"  # masked, like record() masks it
    assert one.before["id"] == expected["id"] and one.before["username"] == "p0"
    assert one.after is None
    assert one.object_type == "identities.identity"
    assert set(one.before) == set(expected)
