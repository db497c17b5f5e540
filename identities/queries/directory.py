"""Reads of the additiv surfaces: which identities, members and audit contexts a client reaches,
its default tenant, the role catalog, and the one member query behind both member listings.

Each read takes the client's reach of the tenants (`tenants`, a foundation.reach.Reach of the
realm TENANTS): the views hand over the reach they declare (foundation.api.reach.reach_of);
the grant tables are read by foundation.reach alone."""

from __future__ import annotations

import uuid
from functools import partial

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet

from audit.models import AuditContext
from core.compiled import Compiled
from foundation import reach
from foundation.reach import Reach
from identities.errors import UnprocessableError
from identities.models import (
    TENANTS,
    Identity,
    IdentityRole,
    Member,
    Tenant,
)


def default_tenant_for(tenants: Reach) -> Tenant | None:
    """The client's default tenant: TESSERA_DEFAULT_TENANT_KEY with global tenant reach,
    otherwise its first granted tenant (its own grants before its groups')."""
    if tenants.expect(TENANTS).everything:
        found = _TENANT_BY_KEY.objects(key=settings.TESSERA_DEFAULT_TENANT_KEY)
    else:
        found = _FIRST_GRANTED.objects(identity_id=tenants.identity.pk)
    return found[0] if found else None


# every request of the additiv surfaces asks for its default tenant: compiled once a process
_FIRST_GRANTED = Compiled(Tenant, partial(reach.first_granted, TENANTS),
                          identity_id=uuid.UUID("00000000-defa-417e-7e4a-000000000001"))
_TENANT_BY_KEY = Compiled(Tenant, lambda *, key: Tenant.objects.filter(key=key)[:1],
                          key="(marker: the default tenant key)")


def reachable_members(tenants: Reach) -> QuerySet:
    """The members of every tenant the client reaches."""
    return Member.objects.filter(tenants.expect(TENANTS).q("tenant"))


# The people the additiv surfaces manage: not API clients' service accounts, not the admin's
# operators (staff, superusers) — a client that could set their passwords could take them over.
PEOPLE = Q(kind=Identity.Kind.PERSON, is_staff=False, is_superuser=False)


def reachable_identities(tenants: Reach) -> QuerySet:
    """The people (PEOPLE) that are members of a tenant the client reaches (all of them with
    the global tenant permission)."""
    people = Identity.objects.filter(PEOPLE)
    if tenants.expect(TENANTS).everything:
        return people
    # EXISTS, not `pk IN (…)`: SQLite builds the IN list of every member of the tenant
    # first (0.19 s at 1,000,000 members), where EXISTS probes the one identity's members
    return people.filter(Exists(reachable_members(tenants).filter(identity_id=OuterRef("pk"))))


def identity_for(tenants: Reach, identity_id: object) -> Identity | None:
    """The identity if the client reaches it; None also hides whether it exists."""
    return (reachable_identities(tenants)
            .select_related("identity_role", "identity_provider", "bank_branch")
            .filter(pk=identity_id).first())


def audit_context_for(tenants: Reach, context_id: int | None) -> AuditContext | None:
    """The audit context a body names (`AuditContextId`): one of a tenant the client reaches,
    else 422. None when the body names none."""
    if context_id is None:
        return None
    context = AuditContext.objects.filter(
        tenants.expect(TENANTS).q("tenant"), pk=context_id).first()
    if context is None:
        raise UnprocessableError("AuditContextId", f"No audit context {context_id} of a tenant "
                                                   "the client reaches.")
    return context


def roles() -> QuerySet:
    """The identity role catalog, top (HierarchyLevel 1) first."""
    return IdentityRole.objects.order_by("hierarchy_level")


# --- members: one query builder behind both listings ----------------------------------------------

SORT_FIELDS = {
    "FirstName": "identity__first_name",
    "LastName": "identity__last_name",
    "UserName": "identity__username",
    "Email": "identity__email",
    "MemberId": "id",
}


def members_query(
    tenants: Reach,
    *,
    tenant: Tenant | None,
    member_ids: list[int] | None = None,
    term: str | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
    branch_id: int | None = None,
    country_id: int | None = None,
    role_id: int | None = None,
    active_only: bool = False,
    sort: str | None = None,
    descending: bool = False,
) -> QuerySet:
    """The members of `tenant` (the client's default tenant; none: no rows) matching the
    filters, with what a member item shows joined in: one query for a page whatever its size.
    `term` matches first name, last name, user name or email anywhere, in any case; `sort` is
    a key of SORT_FIELDS (the member id breaks ties)."""
    if tenant is None:
        return Member.objects.none()
    rows = reachable_members(tenants).filter(tenant=tenant).select_related(
        "identity", "identity__bank_branch", "identity_role")
    if member_ids is not None:
        rows = rows.filter(id__in=member_ids)
    if term:
        rows = rows.filter(Q(identity__first_name__icontains=term)
                           | Q(identity__last_name__icontains=term)
                           | Q(identity__username__icontains=term)
                           | Q(identity__email__icontains=term))
    if first_name:
        rows = rows.filter(identity__first_name__icontains=first_name)
    if last_name:
        rows = rows.filter(identity__last_name__icontains=last_name)
    if branch_id:
        rows = rows.filter(identity__bank_branch_id=branch_id)
    if country_id:
        rows = rows.filter(identity__bank_branch__country_id=country_id)
    if role_id:
        rows = rows.filter(identity_role_id=role_id)
    if active_only:
        rows = rows.filter(is_enabled=True, identity__is_active=True)
    field = SORT_FIELDS.get(sort or "", "id")
    prefix = "-" if descending else ""
    return rows.order_by(f"{prefix}{field}", f"{prefix}id")
