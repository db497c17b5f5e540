"""Reads of the ranked hierarchies (specs 002/003): a role's hierarchy, a member's hierarchy
and superiors, the access check, and a tenant's members with their ranks.

The rule (issue 14, docs/identities.md "Hierarchies"): a member's `HierarchyItems` are the
members of its tenant whose role ranks below its role (a greater HierarchyLevel), minus its
member restrictions and minus the members of its role's restricted roles; its `Superiors`
are the members whose role ranks above. A member without a role ranks nowhere: it has
neither. The access check answers whether a member is among the `HierarchyItems`.

One rule, written once (`_items_q`), serves the read (with the base's values) and the
access check (with references to the base row inside one query)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet

from core.compiled import Compiled
from identities.models import IdentityRole, Member, MemberRestriction, RoleRestriction, Tenant
from identities.queries.directory import PEOPLE

# what a hierarchy item shows: one row per member, its identity and role joined in
MEMBER_COLUMNS = ("id", "identity_id", "identity__username", "identity__first_name",
                  "identity__last_name", "is_enabled", "identity_role_id",
                  "identity_role__key", "identity_role__name",
                  "identity_role__hierarchy_level")
LEVEL = "identity_role__hierarchy_level"


# --- roles ---------------------------------------------------------------------------------------

def role_hierarchy(role: IdentityRole) -> QuerySet[IdentityRole]:
    """The roles ranked below `role`, minus its restricted roles, top first (one query)."""
    restricted = RoleRestriction.objects.filter(role=role).values("restricted_role_id")
    return (IdentityRole.objects.filter(hierarchy_level__gt=role.hierarchy_level)
            .exclude(pk__in=restricted).order_by("hierarchy_level"))


# --- members -------------------------------------------------------------------------------------

Base = Callable[[str, int], Any]  # a column of the base member, seen from a depth of subquery


def _items_q(base: Base) -> Q:
    """The members in the hierarchy of the base member, as a filter on Member. `base(column,
    depth)` gives the base's value of the column (or a reference to it)."""
    restricted_roles = RoleRestriction.objects.filter(
        role_id=base("identity_role_id", 1)).values("restricted_role_id")
    restricted_members = MemberRestriction.objects.filter(
        member_id=base("id", 1)).values("restricted_member_id")
    return (Q(tenant_id=base("tenant_id", 0), **{f"{LEVEL}__gt": base(LEVEL, 0)})
            & ~Q(identity_role_id__in=restricted_roles)
            & ~Q(pk__in=restricted_members))


def _values_of(member: Member) -> Base:
    values = {"id": member.pk, "tenant_id": member.tenant_id,
              "identity_role_id": member.identity_role_id,
              LEVEL: member.identity_role.hierarchy_level if member.identity_role else None}
    return lambda column, depth: values[column]


def _outer(column: str, depth: int) -> Any:
    ref = OuterRef(column)
    for _ in range(depth):
        ref = OuterRef(ref)
    return ref


def member_base(tenant: Tenant | None, identity_id: Any) -> Member | None:
    """The identity's member of `tenant` (a person: never a service account nor an
    operator), with its role; None when there is none."""
    if tenant is None:
        return None
    return (_bases(tenant.pk, identity_id).select_related("identity", "identity_role").first())


def _bases(tenant_id: int, identity_id: Any) -> QuerySet[Member]:
    people = Q(**{f"identity__{key}": value for key, value in PEOPLE.children})
    return Member.objects.filter(people, tenant_id=tenant_id, identity_id=identity_id)


def member_hierarchy(base: Member) -> tuple[list[dict], list[dict]]:
    """(Superiors, HierarchyItems) of the base member as rows of MEMBER_COLUMNS, each in
    rank order then member id: one query for both."""
    if base.identity_role_id is None:
        return [], []
    level = base.identity_role.hierarchy_level
    rows = (Member.objects
            .filter(Q(tenant_id=base.tenant_id, **{f"{LEVEL}__lt": level})
                    | _items_q(_values_of(base)))
            .order_by(LEVEL, "id").values(*MEMBER_COLUMNS))
    superiors, items = [], []
    for row in rows:
        (superiors if row[LEVEL] < level else items).append(row)
    return superiors, items


def hierarchy_items(base: Member) -> QuerySet[Member]:
    """The base member's HierarchyItems as a queryset (the admin lists them)."""
    if base.identity_role_id is None:
        return Member.objects.none()
    return Member.objects.filter(_items_q(_values_of(base)))


def superiors(base: Member) -> QuerySet[Member]:
    """The members ranked above the base member (the admin lists them)."""
    if base.identity_role_id is None:
        return Member.objects.none()
    return Member.objects.filter(tenant_id=base.tenant_id,
                                 **{f"{LEVEL}__lt": base.identity_role.hierarchy_level})


def has_access(tenant: Tenant | None, identity_id: Any, person_id: int) -> bool | None:
    """Whether the member `person_id` (a MemberId) is in the hierarchy of the identity's
    member of `tenant`: one query over indexes (the base by (tenant, identity), the person by
    its key, each restriction by its unique pair). None when the identity has no member
    there (the caller answers 404); an unknown person is simply not in it (False)."""
    if tenant is None:
        return None
    rows = _ACCESS.rows(tenant_id=tenant.pk, identity_id=identity_id, person_id=person_id)
    return bool(rows[0][0]) if rows else None


def _access_query(*, tenant_id: int, identity_id: Any, person_id: int) -> QuerySet:
    person = Member.objects.filter(_items_q(_outer), pk=person_id)
    return (_bases(tenant_id, identity_id).annotate(access=Exists(person))
            .values_list("access", flat=True)[:1])


# compiled once per process: compiling its subqueries cost more than running it
_ACCESS = Compiled(Member, _access_query, tenant_id=-2_000_000_001,
                   identity_id=uuid.UUID("00000000-acce-55c4-ec4d-000000000001"),
                   person_id=-2_000_000_002)


def tenant_members(tenant: Tenant | None) -> QuerySet:
    """Every member of the tenant with its role, ranked first (by HierarchyLevel), then
    those without a role; member id breaks ties. Rows of MEMBER_COLUMNS (one query)."""
    if tenant is None:
        return Member.objects.none().values(*MEMBER_COLUMNS)
    return (Member.objects.filter(tenant=tenant)
            .order_by(F(LEVEL).asc(nulls_last=True), "id").values(*MEMBER_COLUMNS))
