"""A large import analyses the tables it wrote into (PostgreSQL's planner statistics) as soon
as it commits: foundation.bulk.run.analyze, from BULK_ANALYZE_ROWS rows created or updated."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection

from foundation.bulk.write import insert_rows, tables_written
from identities.models import Identity, Member
from identities.services.tenants import tenant_create

pytestmark = pytest.mark.django_db
POSTGRES = connection.vendor == "postgresql"


def reltuples(table: str) -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
        return cursor.fetchone()[0]


def import_people(tmp_path, count: int) -> None:
    tenant_create(key="acme", name="Acme")
    path = tmp_path / "in.csv"
    path.write_text("UserName,Memberships\n" + "".join(f"p{i},acme:3\n" for i in range(count)))
    call_command("import_identities", str(path), stdout=io.StringIO(), stderr=io.StringIO())


def test_the_bulk_writes_name_the_tables_they_write_into():
    with tables_written() as tables:
        insert_rows("identities_tenant", ["key", "name"], [])  # nothing written: not named
        insert_rows("identities_tenant", ["key", "name"], [("t1", "T1")])
    assert tables == {"identities_tenant"}


@pytest.mark.skipif(not POSTGRES, reason="PostgreSQL's planner statistics")
def test_an_import_from_the_threshold_analyses_its_tables(tmp_path, settings):
    settings.BULK_ANALYZE_ROWS = 40
    import_people(tmp_path, 40)
    assert reltuples("identities_identity") == Identity.objects.count()
    assert reltuples("identities_member") == Member.objects.count()


@pytest.mark.skipif(not POSTGRES, reason="PostgreSQL's planner statistics")
def test_a_smaller_import_leaves_it_to_autovacuum(tmp_path, settings):
    settings.BULK_ANALYZE_ROWS = 41
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE identities_member")  # statistics of the table before
    before = reltuples("identities_member")
    import_people(tmp_path, 40)
    assert reltuples("identities_member") == before == Member.objects.count() - 40
