"""Reads of the additiv surfaces: which identities, members and audit contexts a client reaches,
its default tenant, the role catalog, and the one member query behind both member listings."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from audit.models import AuditContext
from core.compiled import Compiled
from foundation import reach
from identities.errors import UnprocessableError
from identities.models import (
    TENANTS,
    Identity,
    IdentityRole,
    Member,
    Tenant,
    TenantGroupObjectPermission,
    TenantUserObjectPermission,
)


def default_tenant_for(client: Any) -> Tenant | None:
    """The client's default tenant: TESSERA_DEFAULT_TENANT_KEY with global tenant reach,
    otherwise its first granted tenant (its own grants before its groups')."""
    if reach.of(client, TENANTS).everything:
        found = _TENANT_BY_KEY.objects(key=settings.TESSERA_DEFAULT_TENANT_KEY)
    else:
        found = _FIRST_GRANTED.objects(client_id=client.pk)
    return found[0] if found else None


def _first_granted(*, client_id: Any) -> QuerySet[Tenant]:
    """The tenant of the client's first grant (by grant id), its own before its groups'."""
    perm = TENANTS._permission_q()
    own = (TenantUserObjectPermission.objects.filter(perm, user_id=client_id)
           .order_by("id").values("content_object_id")[:1])
    groups = (TenantGroupObjectPermission.objects.filter(perm, group__user=client_id)
              .order_by("id").values("content_object_id")[:1])
    return Tenant.objects.filter(pk=Coalesce(Subquery(own), Subquery(groups)))


# every request of the additiv surfaces asks for its default tenant: compiled once a process
_FIRST_GRANTED = Compiled(Tenant, _first_granted,
                          client_id=uuid.UUID("00000000-defa-417e-7e4a-000000000001"))
_TENANT_BY_KEY = Compiled(Tenant, lambda *, key: Tenant.objects.filter(key=key)[:1],
                          key="(marker: the default tenant key)")


def reachable_members(client: Any) -> QuerySet:
    """The members of every tenant the client reaches."""
    return Member.objects.filter(reach.of(client, TENANTS).q("tenant"))


# The people the additiv surfaces manage: not API clients' service accounts, not the admin's
# operators (staff, superusers) — a client that could set their passwords could take them over.
PEOPLE = Q(kind=Identity.Kind.PERSON, is_staff=False, is_superuser=False)


def reachable_identities(client: Any) -> QuerySet:
    """The people (PEOPLE) that are members of a tenant the client reaches (all of them with
    the global tenant permission)."""
    people = Identity.objects.filter(PEOPLE)
    if reach.of(client, TENANTS).everything:
        return people
    # EXISTS, not `pk IN (…)`: SQLite builds the IN list of every member of the tenant
    # first (0.19 s at 1,000,000 members), where EXISTS probes the one identity's members
    return people.filter(Exists(reachable_members(client).filter(identity_id=OuterRef("pk"))))


def identity_for(client: Any, identity_id: Any) -> Identity | None:
    """The identity if the client reaches it; None also hides whether it exists."""
    return (reachable_identities(client)
            .select_related("identity_role", "identity_provider", "bank_branch")
            .filter(pk=identity_id).first())


def audit_context_for(client: Any, context_id: int | None) -> AuditContext | None:
    """The audit context a body names (`AuditContextId`): one of a tenant the client reaches,
    else 422. None when the body names none."""
    if context_id is None:
        return None
    context = AuditContext.objects.filter(
        reach.of(client, TENANTS).q("tenant"), pk=context_id).first()
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
    client: Any,
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
    rows = reachable_members(client).filter(tenant=tenant).select_related(
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
