"""foundation.reach: one answer to "what may this identity reach", for every realm."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.db import connection

from audit.models import ChangeRecord
from authorisations.models import NAMESPACES, NamespaceUserObjectPermission
from authorisations.services.catalog import namespace_create
from foundation import reach
from identities.models import (
    TENANTS,
    Identity,
    TenantGroupObjectPermission,
    TenantUserObjectPermission,
)
from identities.services.people import person_create
from identities.services.tenants import tenant_create
from orgs import services as orgs
from orgs.models import SUBTREES, Organization

pytestmark = pytest.mark.django_db


@pytest.fixture
def things(db):
    acme = orgs.organization_create(parent=None, organization_id="acme", friendly_name="A")
    sales = orgs.organization_create(parent=acme, organization_id="sales", friendly_name="S")
    orgs.organization_create(parent=acme, organization_id="sales2", friendly_name="S2")
    orgs.organization_create(parent=None, organization_id="acme-x", friendly_name="X")
    return {
        NAMESPACES: [namespace_create(code="ns-a"), namespace_create(code="ns-b")],
        SUBTREES: [sales, Organization.objects.get(path="acme-x")],
        TENANTS: [tenant_create(key="t2", name="T2"), tenant_create(key="t3", name="T3")],
    }


def fresh(identity) -> Identity:
    """The identity as the next request loads it (answers are remembered per object)."""
    return Identity.objects.get(pk=identity.pk)


@pytest.fixture
def nobody(db):
    return person_create(username="nobody")


REALMS = [NAMESPACES, SUBTREES, TENANTS]


@pytest.mark.parametrize("realm", REALMS, ids=lambda r: r.name)
def test_a_direct_grant_reaches_that_object_only(things, nobody, realm):
    first, second = things[realm]
    assert not reach.reachable(nobody, realm).exists()
    assert reach.grant(nobody, realm, first) is True
    identity = fresh(nobody)
    assert reach.reaches(identity, realm, first)
    assert not reach.reaches(identity, realm, second)
    assert second not in set(reach.reachable(identity, realm))
    assert first in set(reach.reachable(identity, realm))


@pytest.mark.parametrize("realm", REALMS, ids=lambda r: r.name)
def test_a_group_grant_reaches_the_groups_members_only_while_they_are(things, nobody, realm,
                                                                     make_caller):
    first, second = things[realm]
    group = Group.objects.create(name=f"{realm.name} readers")
    reach.grant(group, realm, first)
    outsider = make_caller().identity
    nobody.groups.add(group)
    member = fresh(nobody)
    assert reach.reaches(member, realm, first) and not reach.reaches(member, realm, second)
    assert list(reach.reachable(member, realm).filter(pk=first.pk)) == [first]
    assert not reach.reaches(fresh(outsider), realm, first)
    nobody.groups.remove(group)
    assert not reach.reaches(fresh(nobody), realm, first)


@pytest.mark.parametrize("realm", REALMS, ids=lambda r: r.name)
def test_the_global_permission_reaches_everything(things, make_caller, realm):
    identity = make_caller([realm.permission]).identity
    assert reach.of(identity, realm).everything
    assert set(reach.reachable(identity, realm)) == set(realm.model.objects.all())


def test_a_subtree_grant_reaches_the_subtree_and_not_lookalike_siblings(things, nobody):
    acme = Organization.objects.get(path="acme")
    reach.grant(nobody, SUBTREES, acme)
    identity = fresh(nobody)
    assert sorted(o.path for o in reach.reachable(identity, SUBTREES)) == [
        "acme", "acme/sales", "acme/sales2"]
    assert reach.reaches(identity, SUBTREES, "acme/sales/deeper/still")
    assert not reach.reaches(identity, SUBTREES, "acme-x")
    assert not reach.reaches(identity, SUBTREES, "acmeish")


def test_roots_are_read_once_and_nested_grants_count_once(things, nobody, count_queries):
    reach.grant(nobody, SUBTREES, Organization.objects.get(path="acme"))
    reach.grant(nobody, SUBTREES, Organization.objects.get(path="acme/sales"))
    identity = fresh(nobody)
    identity.has_perm("x.y")  # the identity's model permissions, as authentication loads them
    with count_queries() as queries:
        answer = reach.of(identity, SUBTREES)
        assert answer.roots == ("acme",)
        assert answer.covers("acme/sales2") and not answer.covers("other")
        assert reach.of(identity, SUBTREES) is answer
    assert len(queries) == 1


def test_grant_and_ungrant_are_recorded_once(things, nobody):
    namespace = things[NAMESPACES][0]
    before = ChangeRecord.objects.count()
    assert reach.grant(nobody, NAMESPACES, namespace) is True
    assert reach.grant(nobody, NAMESPACES, namespace) is False  # already: nothing written
    created = ChangeRecord.objects.order_by("-id").first()
    assert ChangeRecord.objects.count() == before + 1
    assert created.action == "create"
    assert created.object_type == "authorisations.namespaceuserobjectpermission"
    assert created.after == {"realm": "namespace", "permission": "authorisations.use_namespace",
                             "user": nobody.username, "object": "ns-a",
                             "object_id": str(namespace.pk)}
    assert reach.ungrant(nobody, NAMESPACES, namespace) is True
    assert reach.ungrant(nobody, NAMESPACES, namespace) is False
    removed = ChangeRecord.objects.order_by("-id").first()
    assert (removed.action, removed.before, removed.after) == ("delete", created.after, None)
    assert removed.object_id == created.object_id
    assert not NamespaceUserObjectPermission.objects.exists()


def test_grantees_lists_the_identities_granted_directly(things, nobody, make_caller):
    namespace = things[NAMESPACES][0]
    other = make_caller().identity
    reach.grant(nobody, NAMESPACES, namespace)
    reach.grant(Group.objects.create(name="g"), NAMESPACES, namespace)
    assert list(reach.grantees(NAMESPACES, namespace)) == [nobody]
    assert other not in reach.grantees(NAMESPACES, namespace)


def test_the_written_out_statement_answers_what_the_queryset_answers(things, nobody):
    a, b = things[NAMESPACES]
    group = Group.objects.create(name="g")
    reach.grant(nobody, NAMESPACES, a)
    reach.grant(group, NAMESPACES, b)
    nobody.groups.add(group)
    identity = fresh(nobody)
    sql, params = reach.granted_ids_sql(identity, NAMESPACES)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        written_out = {row[0] for row in cursor.fetchall()}
    assert written_out == set(reach.of(identity, NAMESPACES).granted().values_list(
        "pk", flat=True)) == {a.pk, b.pk}


def test_an_inactive_identity_reaches_nothing(things, make_caller):
    identity = make_caller(["authorisations.use_namespace"]).identity
    Identity.objects.filter(pk=identity.pk).update(is_active=False)
    assert not reach.of(fresh(identity), NAMESPACES).everything


def test_tenant_grants_move_from_guardians_generic_tables(things, nobody):
    from guardian.models import UserObjectPermission
    from guardian.shortcuts import get_perms_for_model  # noqa: F401 (guardian is loaded)

    tenant = things[TENANTS][1]
    permission = reach._permission(TENANTS)
    UserObjectPermission.objects.create(user=nobody, permission=permission,
                                        content_type_id=permission.content_type_id,
                                        object_pk=str(tenant.pk))
    migration = importlib.import_module(
        "identities.migrations.0004_tenant_grants_to_direct_tables")
    migration.to_direct(apps, None)
    assert not UserObjectPermission.objects.exists()
    assert TenantUserObjectPermission.objects.filter(user=nobody, content_object=tenant).exists()
    assert not TenantGroupObjectPermission.objects.exists()
    assert reach.reaches(fresh(nobody), TENANTS, tenant)


def test_group_grants_count_through_the_apis(things, make_caller):
    """Over HTTP: a client reaches a subtree and a tenant that only its group was granted."""
    caller = make_caller(["orgs.view_organization", "audit.add_auditcontext"])
    group = Group.objects.create(name="partners")
    reach.grant(group, SUBTREES, Organization.objects.get(path="acme/sales"))
    reach.grant(group, TENANTS, things[TENANTS][0])
    api = caller.basic()
    assert api.get("/eidm2/services/org/acme/sales").status_code == 404
    assert api.post("/v2.0/tenants/t2/auditcontext/generate", {}, format="json"
                    ).status_code == 404
    caller.identity.groups.add(group)
    assert api.get("/eidm2/services/org/acme/sales").status_code == 200
    assert api.get("/eidm2/services/org/acme").status_code == 404
    assert api.post("/v2.0/tenants/t2/auditcontext/generate", {}, format="json"
                    ).status_code == 200
    assert api.post("/v2.0/tenants/t3/auditcontext/generate", {}, format="json"
                    ).status_code == 404

