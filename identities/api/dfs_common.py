"""What the DFS views share (specs 002/003): path parameters and their parsing, the
lookups that answer 404 outside the client's reach, and the renderings of roles, identities
and members (the shapes of identities.api.dfs_serializers)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence

from django.conf import settings
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework.exceptions import NotFound, ParseError

from core.patterns import UUID, matches
from foundation.api.reach import reach_of
from identities.models import Identity, IdentityRole, Member, Tenant
from identities.queries import directory

TAG_ROLES = "additiv DFS: RoleManagement"
TAG_IDENTITIES = "additiv DFS: IdentityManagement"
TAG_MEMBERS = "additiv DFS: MemberManagement"
TAG_SYNC = "additiv DFS: IdentityMemberSync"
TRUE = OpenApiResponse(response=OpenApiTypes.BOOL, description="Done: `true`.")
INT32_MAX = 2**31 - 1


def _param(name: str, kind, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, kind, OpenApiParameter.PATH, description=description)


IDENTITY_ID = _param("identityId", OpenApiTypes.UUID, "The Internal User ID of an identity.")
TENANT_ID = _param("tenantId", OpenApiTypes.INT32, "The Tenant ID.")
TENANT_KEY = _param("tenantKey", OpenApiTypes.STR, "The tenant key.")
MEMBER_ID = _param("memberId", OpenApiTypes.INT32, "The Member ID.")
INTERNAL_USER_ID = _param("internalUserId", OpenApiTypes.UUID,
                          "The global unique identifier of the identity.")


def parse_uuid(value: str, name: str) -> uuid.UUID:
    """A path's UUID in its canonical written form, else 400."""
    if not matches(UUID, value):
        raise ParseError(f"{name} is not a UUID.")
    return uuid.UUID(value)


INT_TEXT = r"^-?[0-9]{1,10}$"


def parse_int32(value: str, name: str) -> int:
    """A path's int32, else 400."""
    if not matches(INT_TEXT, value) or not -(2**31) <= int(value) <= INT32_MAX:
        raise ParseError(f"{name} is not a 32-bit integer.")
    return int(value)


def validated(serializer_class, request) -> dict:
    body = serializer_class(data=request.data)
    body.is_valid(raise_exception=True)
    return body.validated_data


# The lookups below take the view: its declared reach (AdditivView: the tenants,
# foundation.api.reach.reach_of) is what they hand to identities.queries.directory.

def context_of(view, data: dict):
    """The audit context a body names (`AuditContextId`), else None; 422 when foreign."""
    return directory.audit_context_for(reach_of(view), data.get("AuditContextId"))


def default_tenant(view) -> Tenant | None:
    return directory.default_tenant_for(reach_of(view))


def identity_or_404(view, identity_id: str, name: str = "identityId") -> Identity:
    identity = directory.identity_for(reach_of(view), parse_uuid(identity_id, name))
    if identity is None:
        raise NotFound("No identity with this id was found.")
    return identity


def tenant_by_id(view, tenant_id: str) -> Tenant:
    tenant = reach_of(view).find(pk=parse_int32(tenant_id, "tenantId"))
    if tenant is None:
        raise NotFound("No tenant with this id was found.")
    return tenant


def tenant_by_key(view, key: str) -> Tenant:
    tenant = reach_of(view).find(key=key)
    if tenant is None:
        raise NotFound(f"Tenant {key!r} was not found.")
    return tenant


# --- paging --------------------------------------------------------------------------------------

def page_size(requested: int | None) -> int:
    """A page size asked for, else the default; capped at API_MAX_PAGE_SIZE."""
    return min(requested or settings.API_DEFAULT_PAGE_SIZE, settings.API_MAX_PAGE_SIZE)


# counts the rows (one query) and answers the count and the rows to read a page of
Counter = Callable[[QuerySet], tuple[int, QuerySet]]


def rows_at(rows: QuerySet, offset: int, limit: int | None, *,
            counter: Counter | None = None) -> tuple[list, int, int]:
    """The rows from `offset` (0-based) of a page of `limit` (capped), the size used and the
    total: the count, then the page only when the offset is inside it (two queries)."""
    size = page_size(limit)
    total, rows = counter(rows) if counter else (rows.count(), rows)
    return (list(rows[offset:offset + size]) if offset < total else []), size, total


def page_of(rows: QuerySet, page: int, limit: int | None,
            render: Callable[[Sequence], list], *, counter: Counter | None = None) -> dict:
    """The `{Results, Page, PageSize, PageCount, TotalCount}` answer of 003's searches for the
    1-based `page`; `render` turns the page's rows into its results."""
    found, size, total = rows_at(rows, (page - 1) * page_size(limit), limit, counter=counter)
    return {"Results": render(found), "Page": page, "PageSize": size,
            "PageCount": -(-total // size), "TotalCount": total}



# --- rendering -----------------------------------------------------------------------------------

def role_item(role: IdentityRole | None) -> dict | None:
    if role is None:
        return None
    return {"Id": role.id, "Key": role.key, "Name": role.name,
            "HierarchyLevel": role.hierarchy_level}


def _or_null(value: str | None) -> str | None:
    return value or None


def person_item(identity: Identity) -> dict:
    branch = identity.bank_branch
    return {
        "IdentityId": identity.id,
        "UserName": identity.username,
        "FirstName": _or_null(identity.first_name),
        "LastName": _or_null(identity.last_name),
        "SalutationId": identity.salutation_id,
        "Email": _or_null(identity.email),
        "Description": _or_null(identity.description),
        "Phone": _or_null(identity.phone),
        "Fax": _or_null(identity.fax),
        "Mobile": _or_null(identity.mobile),
        "Url": _or_null(identity.url),
        "ExternalId": _or_null(identity.external_id),
        "BankBranch": None if branch is None else {
            "Id": branch.id, "Name": branch.name, "CountryId": branch.country_id},
        "AssignedContactsCount": 0,
    }


def identity_item(identity: Identity, member: Member | None) -> dict:
    provider = identity.identity_provider
    role = member.identity_role if member and member.identity_role_id else identity.identity_role
    return {
        "MemberId": member.id if member else None,
        **person_item(identity),
        "IdentityProviderSettingId": identity.identity_provider_id,
        "IdentityRole": role_item(role),
        "IdentityProvider": None if provider is None else {"Id": provider.id,
                                                           "Name": provider.name},
        "IsSignInEnabled": identity.is_active,
        "IsTenantAccessEnabled": bool(member and member.is_enabled),
    }


def member_item(member: Member) -> dict:
    identity = member.identity
    return {
        "MemberId": member.id,
        "TenantId": member.tenant_id,
        **person_item(identity),
        "IdentityRole": role_item(member.identity_role),
        "IsSignInEnabled": identity.is_active,
        "IsEnabled": member.is_enabled,
        "IsActive": identity.is_active and member.is_enabled,
    }
