"""Deleting a group or an identity withdraws its grants first, each recorded
(reach.grants_withdraw): the database's cascade would take them away unrecorded."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from audit.models import ChangeRecord
from authorisations.models import NAMESPACES
from authorisations.services.catalog import namespace_create
from foundation import reach
from identities.models import TENANTS, Identity, TenantGroupObjectPermission
from identities.services.clients import group_delete
from identities.services.people import identity_delete
from identities.services.tenants import tenant_ensure

pytestmark = pytest.mark.django_db


def withdrawals() -> set[tuple[str, str]]:
    return {(r.object_repr, r.before["object"]) for r in
            ChangeRecord.objects.filter(action=ChangeRecord.Action.DELETE,
                                        object_repr__contains=" reaches ")}


def test_deleting_a_group_records_the_withdrawal_of_each_grant():
    group = Group.objects.create(name="auditors")
    tenant = tenant_ensure(key="north")[0]
    namespace = namespace_create(code="ns1")
    reach.grant(group, TENANTS, tenant)
    reach.grant(group, NAMESPACES, namespace)
    group_delete(group=group)
    assert withdrawals() == {("auditors reaches tenant north", "north"),
                             ("auditors reaches namespace ns1", "ns1")}
    assert not TenantGroupObjectPermission.objects.exists()
    assert ChangeRecord.objects.filter(action=ChangeRecord.Action.DELETE,
                                       object_repr="auditors").exists()  # the tombstone


def test_deleting_an_identity_records_the_withdrawal_of_each_grant():
    person = Identity.objects.create(username="leaver")
    tenant = tenant_ensure(key="south")[0]
    reach.grant(person, TENANTS, tenant)
    assert reach.grants_withdraw(Identity.objects.create(username="nobody")) == 0
    identity_delete(identity=person)
    assert withdrawals() == {("leaver reaches tenant south", "south")}
