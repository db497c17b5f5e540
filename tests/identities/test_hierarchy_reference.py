"""The hierarchy queries against a reference evaluation in plain Python, on random
hierarchies: roles in a random rank order, members of two tenants with random roles (or
none), random role restrictions and member restrictions. For every member as the base: its
Superiors and HierarchyItems, and the access check of every member (and of an unknown id),
equal what the rule of issue 14 computes."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from identities.models import (
    Identity,
    IdentityRole,
    Member,
    MemberRestriction,
    RoleRestriction,
    Tenant,
)
from identities.queries import hierarchy

pytestmark = pytest.mark.django_db
FIRST_LEVEL = 1000  # above the seeded roles' ranks: the new roles rank among themselves


@dataclass(frozen=True)
class Case:
    ranks: list[int]  # role index → its position in the ladder (0 = top)
    members: list[tuple[int, int | None]]  # (tenant 0/1, role index or None)
    role_restrictions: set[tuple[int, int]]  # (role, restricted role)
    member_restrictions: set[tuple[int, int]]  # (member, restricted member), same tenant


@st.composite
def cases(draw) -> Case:
    roles = draw(st.integers(1, 6))
    ranks = draw(st.permutations(range(roles)))
    members = draw(st.lists(st.tuples(st.integers(0, 1),
                                      st.one_of(st.none(), st.integers(0, roles - 1))),
                            max_size=10))
    role_pairs = draw(st.sets(st.tuples(st.integers(0, roles - 1),
                                        st.integers(0, roles - 1)), max_size=8))
    member_pairs: set = set()
    if members:
        index = st.integers(0, len(members) - 1)
        member_pairs = {(a, b) for a, b in draw(st.sets(st.tuples(index, index), max_size=12))
                        if members[a][0] == members[b][0]}
    return Case(list(ranks), members, role_pairs, member_pairs)


# --- the reference: the rule written out in plain Python ------------------------------------------

def reference(case: Case, base: int) -> tuple[set[int], set[int]]:
    """(superiors, items) of member `base`, as member indexes."""
    tenant, role = case.members[base]
    if role is None:
        return set(), set()
    level = case.ranks[role]
    superiors, items = set(), set()
    for index, (other_tenant, other_role) in enumerate(case.members):
        if other_tenant != tenant or other_role is None:
            continue
        if case.ranks[other_role] < level:
            superiors.add(index)
        elif (case.ranks[other_role] > level
              and (role, other_role) not in case.role_restrictions
              and (base, index) not in case.member_restrictions):
            items.add(index)
    return superiors, items


# --- the database ---------------------------------------------------------------------------------

def build(case: Case) -> tuple[list[Tenant], list[Member]]:
    tenants = [Tenant.objects.create(key=f"ref-{i}", name=f"Ref {i}") for i in range(2)]
    roles = [IdentityRole.objects.create(key=f"ref-{i}", name=f"Ref {i}",
                                         hierarchy_level=FIRST_LEVEL + rank)
             for i, rank in enumerate(case.ranks)]
    identities = Identity.objects.bulk_create(
        Identity(username=f"ref-{i}", password="!") for i in range(len(case.members)))
    members = Member.objects.bulk_create(
        Member(tenant=tenants[t], identity=identities[i],
               identity_role=None if r is None else roles[r])
        for i, (t, r) in enumerate(case.members))
    RoleRestriction.objects.bulk_create(
        RoleRestriction(role=roles[a], restricted_role=roles[b])
        for a, b in case.role_restrictions)
    MemberRestriction.objects.bulk_create(
        MemberRestriction(member=members[a], restricted_member=members[b])
        for a, b in case.member_restrictions)
    for member in members:  # as the API reads them
        member.refresh_from_db()
    return tenants, members


class RollbackError(Exception):
    pass


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(cases())
def test_hierarchies_equal_the_reference(db, case):
    try:
        with transaction.atomic():
            check(case)
            raise RollbackError
    except RollbackError:
        pass


def check(case: Case) -> None:
    tenants, members = build(case)
    position = {member.pk: index for index, member in enumerate(members)}
    unknown = max([m.pk for m in members], default=0) + 1000
    for base_index, base in enumerate(members):
        want_superiors, want_items = reference(case, base_index)
        base = hierarchy.member_base(tenants[case.members[base_index][0]], base.identity_id)
        superiors, items = hierarchy.member_hierarchy(base)
        assert {position[row["id"]] for row in superiors} == want_superiors
        assert {position[row["id"]] for row in items} == want_items
        assert {position[m.pk] for m in hierarchy.hierarchy_items(base)} == want_items
        assert {position[m.pk] for m in hierarchy.superiors(base)} == want_superiors
        tenant = tenants[case.members[base_index][0]]
        for person_index, person in enumerate(members):
            assert (hierarchy.has_access(tenant, base.identity_id, person.pk)
                    is (person_index in want_items)), (base_index, person_index)
        assert hierarchy.has_access(tenant, base.identity_id, unknown) is False
        other = tenants[1 - case.members[base_index][0]]
        assert hierarchy.has_access(other, base.identity_id, members[0].pk) is None
