"""The DFS identity and membership services and reads, without HTTP."""

import pytest
from django.contrib.auth.models import Group

from audit.models import ChangeRecord
from audit.services import audit_context_create
from foundation import reach
from identities.errors import UnprocessableError
from identities.models import TENANTS, Identity, Member, Tenant
from identities.queries.directory import audit_context_for, default_tenant_for, identity_for
from identities.services import people
from identities.services.clients import api_client_create
from identities.services.people import (
    PasswordChange,
    identity_create,
    identity_update,
    person_create,
)
from identities.services.tenants import ContextRequest, member_sync, member_upsert, tenant_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def tenant():
    return Tenant.objects.get(key="default")


def make(tenant, username="jconnor", **attributes) -> Identity:
    return identity_create(tenant=tenant, username=username, identity_role_id=1,
                           attributes={"first_name": "John", **attributes},
                           password="superseretPassword.123")


def test_create_writes_the_identity_and_member_under_one_context(tenant):
    identity = make(tenant)
    member = Member.objects.get(identity=identity)
    records = [ChangeRecord.objects.get(object_type="identities.identity",
                                        object_id=str(identity.pk)),
               ChangeRecord.objects.get(object_type="identities.member",
                                        object_id=str(member.pk))]
    assert records[0].context_id == records[1].context_id
    assert records[0].after["password"] == "***"
    assert (identity.is_active, member.is_enabled, member.identity_role_id) == (True, True, 1)


def test_a_refused_create_writes_nothing(tenant):
    before = (Identity.objects.count(), Member.objects.count(), ChangeRecord.objects.count())
    with pytest.raises(UnprocessableError, match=r"^IdentityRoleId"):
        identity_create(tenant=tenant, username="x", identity_role_id=999, attributes={})
    with pytest.raises(UnprocessableError, match=r"^Password"):
        identity_create(tenant=tenant, username="x", identity_role_id=1, attributes={},
                        password="1")
    assert (Identity.objects.count(), Member.objects.count(),
            ChangeRecord.objects.count()) == before


def test_update_rolls_back_the_identity_when_the_member_is_refused(tenant):
    identity = make(tenant)
    before = ChangeRecord.objects.count()
    with pytest.raises(UnprocessableError, match="default tenant"):  # after the identity's save
        identity_update(identity=identity, changes={"first_name": "Changed"}, tenant=None,
                        tenant_access=False)
    identity.refresh_from_db()
    assert identity.first_name == "John" and ChangeRecord.objects.count() == before


def test_change_password_verifies_the_old_one(tenant):
    identity = make(tenant)
    with pytest.raises(UnprocessableError, match=r"^OldPassword"):
        identity_update(identity=identity, changes={}, tenant=tenant, password=PasswordChange(
            "Another.Secret.1", "Another.Secret.1", old="wrong", verify=True))
    identity_update(identity=identity, changes={}, tenant=tenant, password=PasswordChange(
        "Another.Secret.1", "Another.Secret.1", old="superseretPassword.123", verify=True))
    identity.refresh_from_db()
    assert identity.check_password("Another.Secret.1")


def test_member_upsert_keeps_what_it_is_not_given_and_writes_nothing_unchanged(tenant):
    identity = make(tenant)
    member = member_upsert(tenant=tenant, identity=identity, is_enabled=False)
    assert (member.identity_role_id, member.is_enabled) == (1, False)
    before = ChangeRecord.objects.count()
    member_upsert(tenant=tenant, identity=identity, is_enabled=False)
    member_upsert(tenant=tenant, identity=identity)
    assert ChangeRecord.objects.count() == before


def test_member_sync_opens_a_context_in_the_tenant_or_uses_the_one_given(tenant):
    acme = tenant_create(key="acme", name="Acme")
    identity = make(tenant)
    member, context = member_sync(tenant=acme, identity=identity,
                                  context=ContextRequest(created_by="backoffice"))
    assert context.tenant == acme and context.created_by == "backoffice"
    assert context.internal_ids == [str(identity.pk)]
    given = audit_context_create(tenant=acme)
    again, used = member_sync(tenant=acme, identity=identity, role_id=2,
                              context=ContextRequest(context=given))
    assert again.pk == member.pk and used == given and again.identity_role_id == 2


def test_the_default_tenant_is_the_first_grant_or_the_setting_with_global_reach():
    tenant_create(key="b", name="B")
    tenant_create(key="a", name="A")
    confined = api_client_create(name="c1", tenant_keys=["b", "a"]).identity
    assert default_tenant_for(reach.of(confined, TENANTS)).key == "b"
    everything = api_client_create(name="c2", all_permissions=True).identity
    assert default_tenant_for(reach.of(everything, TENANTS)).key == "default"
    grouped = api_client_create(name="c3", tenant_keys=["a"]).identity
    reach.ungrant(grouped, TENANTS, Tenant.objects.get(key="a"))
    group = Group.objects.create(name="g")
    grouped.groups.add(group)
    reach.grant(group, TENANTS, Tenant.objects.get(key="b"))
    grouped = Identity.objects.get(pk=grouped.pk)
    assert default_tenant_for(reach.of(grouped, TENANTS)).key == "b"


def test_reach_of_identities_and_contexts():
    acme = tenant_create(key="acme", name="Acme")
    client = api_client_create(name="c", tenant_keys=["acme"]).identity
    inside, outside = person_create(username="in"), person_create(username="out")
    Member.objects.create(tenant=acme, identity=inside)
    Member.objects.create(tenant=Tenant.objects.get(key="default"), identity=outside)
    assert identity_for(reach.of(client, TENANTS), inside.pk) == inside
    assert identity_for(reach.of(client, TENANTS), outside.pk) is None
    mine = audit_context_create(tenant=acme)
    assert audit_context_for(reach.of(client, TENANTS), mine.pk) == mine
    assert audit_context_for(reach.of(client, TENANTS), None) is None
    with pytest.raises(UnprocessableError, match=r"^AuditContextId"):
        audit_context_for(reach.of(client, TENANTS), audit_context_create().pk)


def test_a_name_taken_by_a_concurrent_write_is_still_422_naming_it(tenant, monkeypatch):
    make(tenant)
    real = people.usernames_taken
    calls = []

    def taken(owners):  # the pre-check misses the row a concurrent create just committed
        calls.append(owners)
        return set() if len(calls) == 1 else real(owners)

    monkeypatch.setattr(people, "usernames_taken", taken)
    before = (Identity.objects.count(), ChangeRecord.objects.count())
    with pytest.raises(UnprocessableError, match=r"^UserName: .* already taken"):
        make(tenant)
    assert len(calls) == 2
    assert (Identity.objects.count(), ChangeRecord.objects.count()) == before
