"""Sets of one member's menus at once (PostgreSQL): applied one after the other — the member's
row is locked — so the result is one of the sets sent, whole, and the change records chain
(each one's before is the previous one's after)."""

from itertools import pairwise

import pytest

from audit.models import ChangeRecord
from backoffice.queries import member_menus
from backoffice.services.assignments import member_menus_set, member_policies_set
from identities.services.people import person_create
from identities.services.tenants import member_upsert, tenant_create
from tests.backoffice.catalogs import document, load
from tests.races import postgresql_only, together

pytestmark = [pytest.mark.django_db(transaction=True), postgresql_only]

SETS = [([1, 2], [1]), ([2, 3, 4], [4, 3]), ([5], []), ([1, 3, 5], [5])]


def test_menu_sets_at_once_leave_one_of_them_whole():
    tenant = tenant_create(key="acme", name="Acme")
    load(document("acme"))
    member = member_upsert(tenant=tenant, identity=person_create(username="ada"))
    together([lambda menus=menus, defaults=defaults: member_menus_set(
        member=member, menu_ids=menus, default_menu_ids=defaults)
        for menus, defaults in SETS * 3])
    given = member_menus(member)
    assert ([m.id for m in given.menus], given.default_ids) in [
        (sorted(menus), defaults) for menus, defaults in SETS]
    records = list(ChangeRecord.objects.filter(object_type="backoffice.memberbackoffice")
                   .order_by("id"))
    assert records and records[0].before["menu_ids"] == []
    for earlier, later in pairwise(records):
        assert later.before == earlier.after
    assert records[-1].after["menu_ids"] == [m.id for m in given.menus]


def test_a_members_sets_beside_changes_of_its_identity_never_deadlock():
    """A back-office set locks the member row only: with the identity and the tenant locked
    too (the joined rows of one SELECT … FOR UPDATE), it waited for the identity that an
    identity update holds while that update waited for the member: PostgreSQL's deadlock
    detector then failed one of them (a 500, found by the full schemathesis pass)."""
    from identities.services.people import identity_update

    tenant = tenant_create(key="acme", name="Acme")
    load(document("acme"))
    identity = person_create(username="ada")
    member = member_upsert(tenant=tenant, identity=identity)
    calls = []
    for round_ in range(8):
        calls.append(lambda r=round_: member_policies_set(member=member,
                                                           policy_ids=[1 + r % 2]))
        calls.append(lambda r=round_: identity_update(
            identity=identity, changes={"first_name": f"Ada {r}"}, tenant=tenant,
            tenant_access=bool(r % 2)))
    results = together(calls)
    assert [r for r in results if isinstance(r, BaseException)] == []
