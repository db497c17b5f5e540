"""core.compiled: a queryset compiled once, run with new values, answering what the ORM answers."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.test.utils import CaptureQueriesContext

from core.compiled import Compiled, prepared_cursor
from identities.models import Identity, Member, Tenant

pytestmark = pytest.mark.django_db
POSTGRES = connection.vendor == "postgresql"


def _members(*, tenant_id: int, identity_id, level: int):
    """Members of a tenant with an identity, whether that identity is active (a boolean
    annotation: SQLite answers it as 0/1 unless converted)."""
    active = Identity.objects.filter(pk=OuterRef("identity_id"), is_active=True)
    return (Member.objects.filter(Q(identity_role__hierarchy_level__gte=level),
                                  tenant_id=tenant_id, identity_id=identity_id)
            .annotate(active=Exists(active)).values_list("id", "active").order_by("id"))


MEMBERS = Compiled(Member, _members, tenant_id=-2_000_000_101,
                   identity_id=uuid.UUID("00000000-0000-4000-8000-00000000c0de"),
                   level=2_000_000_102)


@pytest.fixture
def people():
    tenants = [Tenant.objects.create(key=f"t{i}", name=f"T{i}") for i in range(2)]
    out = []
    for i in range(4):
        identity = Identity.objects.create(username=f"p{i}", is_active=i % 2 == 0)
        for tenant in tenants:
            Member.objects.create(tenant=tenant, identity=identity, identity_role_id=1 + i % 3)
        out.append(identity)
    return tenants, out


def test_rows_equal_the_querysets_for_every_value(people):
    tenants, identities = people
    for tenant in tenants:
        for identity in identities:
            for level in (0, 1, 2, 3, 4):
                values = {"tenant_id": tenant.pk, "identity_id": identity.pk, "level": level}
                assert MEMBERS.rows(**values) == list(_members(**values)), values


def test_booleans_come_back_as_booleans(people):
    tenants, identities = people
    rows = MEMBERS.rows(tenant_id=tenants[0].pk, identity_id=identities[1].pk, level=0)
    assert rows and rows[0][1] is False
    rows = MEMBERS.rows(tenant_id=tenants[0].pk, identity_id=str(identities[0].pk), level=0)
    assert rows and rows[0][1] is True  # a UUID may come as its text


def test_one_query_a_run_and_it_is_captured(people):
    tenants, identities = people
    MEMBERS.rows(tenant_id=tenants[0].pk, identity_id=identities[0].pk, level=0)
    with CaptureQueriesContext(connection) as queries:
        MEMBERS.rows(tenant_id=tenants[1].pk, identity_id=identities[2].pk, level=1)
    assert len(queries) == 1
    assert "identities_member" in queries.captured_queries[0]["sql"]  # logged as text


def test_objects_are_the_models_rows(people):
    tenants, _ = people
    by_key = Compiled(Tenant, lambda *, key: Tenant.objects.filter(key=key),
                      key="(marker: a key)")
    found = by_key.objects(key="t1")
    assert [(t.pk, t.key, t.name) for t in found] == [(tenants[1].pk, "t1", "T1")]
    assert found[0]._state.adding is False and by_key.objects(key="nope") == []


def test_a_marker_the_query_does_not_hold_fails_at_compile_time(people):
    unused = Compiled(Tenant, lambda *, key, other: Tenant.objects.filter(key=key),
                      key="(marker: a key)", other=-2_000_000_103)
    with pytest.raises(ValueError, match="other"):
        unused.rows(key="t0", other=1)


def test_values_must_name_every_marker_and_no_other(people):
    with pytest.raises(TypeError):
        MEMBERS.rows(tenant_id=1, level=0)
    with pytest.raises(TypeError):
        MEMBERS.rows(tenant_id=1, identity_id=uuid.uuid4(), level=0, extra=1)


@pytest.mark.skipif(not POSTGRES, reason="PostgreSQL's prepared statements")
def test_postgresql_prepares_the_statement_once_a_connection(people):
    tenants, identities = people
    values = {"tenant_id": tenants[0].pk, "identity_id": identities[0].pk, "level": 0}
    MEMBERS.rows(**values)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s "
                       "AND statement LIKE %s", ["%identities_member%", "%hierarchy_level%"])
        assert cursor.fetchone()[0] == 1
    assert MEMBERS.rows(**values) == list(_members(**values))


@pytest.mark.skipif(not POSTGRES, reason="PostgreSQL's prepared statements")
def test_without_prepared_statements_a_plain_cursor(settings):
    settings.DB_PREPARED_STATEMENTS = False
    with prepared_cursor(connection) as cursor:
        assert type(cursor.cursor).__name__ == "Cursor"  # Django's client-binding cursor
    settings.DB_PREPARED_STATEMENTS = True
    with prepared_cursor(connection) as cursor:
        assert type(cursor.cursor).__name__ == "ServerBindingCursor"
