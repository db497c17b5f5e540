"""Concurrent DFS writes (PostgreSQL): a sync repeated at once makes one member, and one user
name created twice at once is one identity and a 422 naming the field."""

import pytest

from audit.models import ChangeRecord
from identities.errors import UnprocessableError
from identities.models import Identity, IdentityRole, Member
from identities.services.people import identity_create, person_create
from identities.services.tenants import member_sync, tenant_ensure
from tests.races import postgresql_only, together

pytestmark = [postgresql_only, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def role():
    # (a transactional test's flush empties the seeded catalogs: make what this one needs)
    return IdentityRole.objects.get_or_create(key="racer",
                                              defaults={"name": "Racer", "hierarchy_level": 99})[0]


def test_syncs_at_once_make_one_member(role):
    tenant = tenant_ensure(key="race")[0]
    identity = person_create(username="synced")
    results = together([lambda: member_sync(tenant=tenant, identity=identity, role_id=role.id)
                        for _ in range(4)])
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert len({member.pk for member, _ in results}) == 1
    member = Member.objects.get(tenant=tenant, identity=identity)
    assert ChangeRecord.objects.filter(object_type="identities.member", object_id=str(
        member.pk), action="create").count() == 1


def test_one_user_name_created_twice_at_once(role):
    tenant = tenant_ensure(key="race")[0]

    def create():
        return identity_create(tenant=tenant, username="twice", identity_role_id=role.id,
                               attributes={})

    results = together([create, create])
    created = [r for r in results if isinstance(r, Identity)]
    refused = [r for r in results if isinstance(r, UnprocessableError)]
    assert len(created) == 1 and len(refused) == 1, results
    assert refused[0].message.startswith("UserName")
    assert Identity.objects.filter(username="twice").count() == 1


def test_fifty_rank_changes_at_once_leave_a_permutation():
    """50 moves of random roles up and down at once: the ranks stay 1..n, each once."""
    import random

    from identities.services.roles import identity_role_create, identity_role_move

    for i in range(IdentityRole.objects.count(), 8):
        identity_role_create(key=f"racer-{i}", name=f"Racer {i}")
    roles = list(IdentityRole.objects.all())
    chooser = random.Random(14)
    moves = [(chooser.choice(roles), chooser.random() < 0.5) for _ in range(50)]
    results = together([lambda role=role, up=up: identity_role_move(role=role, up=up)
                        for role, up in moves])
    assert not [r for r in results if isinstance(r, BaseException)], results
    ranks = sorted(IdentityRole.objects.values_list("hierarchy_level", flat=True))
    assert ranks == list(range(1, len(roles) + 1))
