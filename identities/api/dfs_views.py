"""The DFS identity, role, tenant-access, member and member-sync calls (specs 002/003): thin
views that parse, check reach, call a service and render. Decisions: docs/identities.md."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound, ParseError
from rest_framework.response import Response

from core.patterns import UUID, matches
from identities import directory, reach
from identities.api import dfs_serializers as s
from identities.api.views import AdditivView
from identities.errors import UnprocessableError
from identities.memberships import UNSET, ContextRequest, member_sync, member_upsert
from identities.models import TENANTS, Identity, IdentityRole, Member, Tenant
from identities.people import ATTRIBUTES, PasswordChange, identity_create, identity_update

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


def parse_int32(value: str, name: str) -> int:
    if not value.isascii() or not value.lstrip("-").isdigit() or len(value) > 11:
        raise ParseError(f"{name} is not a 32-bit integer.")
    number = int(value)
    if not -(2**31) <= number <= INT32_MAX:
        raise ParseError(f"{name} is not a 32-bit integer.")
    return number


def validated(serializer_class, request) -> dict:
    body = serializer_class(data=request.data)
    body.is_valid(raise_exception=True)
    return body.validated_data


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


# --- roles ---------------------------------------------------------------------------------------

class RolesView(AdditivView):
    required_permissions = {"GET": "identities.view_identityrole"}

    @extend_schema(tags=[TAG_ROLES], operation_id="roles_list_v2_0", summary="Get all roles",
                   description="Ordered by HierarchyLevel (1 = top); `[]` when there is none.",
                   responses={200: s.IdentityRoleItem(many=True)})
    def get(self, request):
        return Response([role_item(role) for role in directory.roles()])


# --- identities ----------------------------------------------------------------------------------

def _context(request, data: dict):
    return directory.audit_context_for(request.user, data.get("AuditContextId"))


def _default_tenant(request) -> Tenant | None:
    return directory.default_tenant_for(request.user)


class IdentitiesView(AdditivView):
    required_permissions = {"POST": "identities.add_identity"}

    @extend_schema(tags=[TAG_IDENTITIES], operation_id="identities_create_v1_0",
                   summary="Create a new identity",
                   description="Also makes its member of the client's default tenant with "
                               "`IdentityRoleId`. Answers 200.",
                   request=s.IdentityCreate, responses={200: s.IdentityCreated})
    def post(self, request):
        data = validated(s.IdentityCreate, request)
        context = _context(request, data)
        tenant = _default_tenant(request)
        if tenant is None:
            raise UnprocessableError("IdentityRoleId", "The client has no default tenant.")
        attributes = {field: data[wire] for field, wire in ATTRIBUTES.items()
                      if wire in data and field not in ("username", "identity_role_id",
                                                        "is_active")}
        identity = identity_create(
            tenant=tenant, username=data["Username"], identity_role_id=data["IdentityRoleId"],
            attributes=attributes, password=data.get("Password"), context=context)
        return Response({"IdentityId": identity.id})


FLAGS = {  # model field → its Update flag
    field: f"Update{wire}" for field, wire in ATTRIBUTES.items() if field != "is_active"}
FLAGS["is_active"] = "UpdateIsSignInEnabled"


def _identity(request, identity_id: str) -> Identity:
    identity = directory.identity_for(request.user, parse_uuid(identity_id, "identityId"))
    if identity is None:
        raise NotFound("No identity with this id was found.")
    return identity


class IdentityView(AdditivView):
    required_permissions = {"GET": "identities.view_identity",
                            "PATCH": "identities.change_identity"}

    @extend_schema(tags=[TAG_IDENTITIES], operation_id="identities_get_v1_0",
                   summary="Get the identity by Internal User ID", parameters=[IDENTITY_ID],
                   responses={200: s.IdentityItem})
    def get(self, request, identityId: str):  # noqa: N803 (the spec's name)
        identity = _identity(request, identityId)
        tenant = _default_tenant(request)
        member = None if tenant is None else (
            Member.objects.select_related("identity_role")
            .filter(tenant=tenant, identity=identity).first())
        return Response(identity_item(identity, member))

    @extend_schema(tags=[TAG_IDENTITIES], operation_id="identities_update_v1_0",
                   summary="Update the identity with specified Internal User ID",
                   parameters=[IDENTITY_ID], request=s.IdentityUpdate, responses={200: TRUE})
    def patch(self, request, identityId: str):  # noqa: N803
        identity = _identity(request, identityId)
        data = validated(s.IdentityUpdate, request)
        context = _context(request, data)
        changes = {}
        for field, wire in ATTRIBUTES.items():
            if data.get(FLAGS[field]):
                changes[field] = data.get(wire)
        if "is_active" in changes and changes["is_active"] is None:
            raise UnprocessableError("IsSignInEnabled", "Must be true or false.")
        tenant_access: Any = UNSET
        if data.get("UpdateIsTenantAccessEnabled"):
            if data.get("IsTenantAccessEnabled") is None:
                raise UnprocessableError("IsTenantAccessEnabled", "Must be true or false.")
            tenant_access = data["IsTenantAccessEnabled"]
        password = None
        if data.get("SetNewPassword") or data.get("ChangePassword"):
            password = PasswordChange(
                password=data.get("Password"), confirm=data.get("ConfirmPassword"),
                old=data.get("OldPassword"), verify=bool(data.get("ChangePassword")))
        identity_update(identity=identity, changes=changes, tenant=_default_tenant(request),
                        tenant_access=tenant_access, password=password, context=context)
        return Response(True)


# --- tenant access and members -------------------------------------------------------------------

def _tenant_by_id(request, tenant_id: str) -> Tenant:
    tenant = reach.of(request.user, TENANTS).find(pk=parse_int32(tenant_id, "tenantId"))
    if tenant is None:
        raise NotFound("No tenant with this id was found.")
    return tenant


def _tenant_by_key(request, key: str) -> Tenant:
    tenant = reach.of(request.user, TENANTS).find(key=key)
    if tenant is None:
        raise NotFound(f"Tenant {key!r} was not found.")
    return tenant


class TenantAccessView(AdditivView):
    required_permissions = {"PATCH": "identities.change_member"}

    @extend_schema(tags=[TAG_IDENTITIES], operation_id="tenant_access_set_v1_0",
                   summary="Set the access to the tenant (including role)",
                   description="Creates or updates the identity's member of the tenant; a "
                               "disabled member is kept.",
                   parameters=[TENANT_ID, IDENTITY_ID], request=s.TenantAccess,
                   responses={200: TRUE})
    def patch(self, request, tenantId: str, identityId: str):  # noqa: N803
        tenant = _tenant_by_id(request, tenantId)
        identity = _identity(request, identityId)
        data = validated(s.TenantAccess, request)
        if data.get("TenantId") is not None and data["TenantId"] != tenant.id:
            raise UnprocessableError("TenantId", "Differs from the path's tenantId.")
        role = data.get("IdentityRoleId")
        member_upsert(tenant=tenant, identity=identity,
                      role_id=UNSET if role is None else role,
                      is_enabled=data.get("IsEnabled", UNSET))
        return Response(True)


class MemberView(AdditivView):
    required_permissions = {"GET": "identities.view_member"}

    @extend_schema(tags=[TAG_MEMBERS], operation_id="members_get_v1_0",
                   summary="Get the member by Member ID", parameters=[MEMBER_ID],
                   responses={200: s.MemberItem})
    def get(self, request, memberId: str):  # noqa: N803
        member = (directory.reachable_members(request.user)
                  .select_related("identity", "identity__bank_branch", "identity_role")
                  .filter(pk=parse_int32(memberId, "memberId")).first())
        if member is None:
            raise NotFound("No member with this id was found.")
        return Response(member_item(member))


def _page_size(requested: int | None) -> int:
    return min(requested or settings.API_DEFAULT_PAGE_SIZE, settings.API_MAX_PAGE_SIZE)


class MemberSearchView(AdditivView):
    required_permissions = {"POST": "identities.view_member"}

    @extend_schema(tags=[TAG_MEMBERS], operation_id="members_search_v1_0",
                   summary="Search the members by given search criteria",
                   description="Members of the client's default tenant; `Page` is 1-based.",
                   request=s.MemberSearch, responses={200: s.MemberPage})
    def post(self, request):
        data = validated(s.MemberSearch, request)
        rows = directory.members_query(
            request.user, tenant=_default_tenant(request), member_ids=data.get("MemberIds"),
            term=data.get("SearchTerm"), sort=data.get("SortBy"),
            descending=data.get("SortOrder") == "Descending")
        page, size = data.get("Page", 1), _page_size(data.get("PageSize"))
        total = rows.count()
        start = (page - 1) * size
        results = [member_item(m) for m in rows[start:start + size]] if start < total else []
        return Response({"Results": results, "Page": page, "PageSize": size,
                         "PageCount": -(-total // size), "TotalCount": total})


def _sort_column(data: dict) -> str | None:
    """002's free-text SortColumn matched to the whitelist in any case (None: default)."""
    wanted = (data.get("SortColumn") or "").lower()
    return next((name for name in s.SORT_BY if name.lower() == wanted), None)


class ActiveMembersView(AdditivView):
    required_permissions = {"POST": "identities.view_member"}

    @extend_schema(tags=[TAG_MEMBERS], operation_id="members_active_v1_0",
                   summary="Get all active members",
                   description="Members of the client's default tenant whose sign-in and "
                               "tenant access are enabled; `Offset` is 0-based.",
                   request=s.ActiveMembers, responses={200: s.ActiveMemberPage})
    def post(self, request):
        data = validated(s.ActiveMembers, request)
        rows = directory.members_query(
            request.user, tenant=_default_tenant(request), term=data.get("Search"),
            first_name=data.get("FirstName"), last_name=data.get("LastName"),
            branch_id=data.get("BranchId"), country_id=data.get("CountryId"),
            role_id=data.get("RoleId"), active_only=True, sort=_sort_column(data),
            descending=(data.get("SortOrder") or "").lower() in ("descending", "desc"))
        offset, size = data.get("Offset", 0), _page_size(data.get("Limit"))
        total = rows.count()
        filtered = [member_item(m) for m in rows[offset:offset + size]] if offset < total else []
        return Response({"Filtered": filtered, "TotalCount": total})


# --- member sync ---------------------------------------------------------------------------------

class _SyncView(AdditivView):
    required_permissions = {"POST": "identities.add_member"}

    def sync(self, request, tenant_key: str, identity_id: str, name: str):
        tenant = _tenant_by_key(request, tenant_key)
        identity = directory.identity_for(request.user, parse_uuid(identity_id, name))
        if identity is None:
            raise NotFound("No identity with this id was found.")
        data = validated(s.SyncMember, request)
        member = data.get("Member") or {}
        given = data.get("Context") or {}
        context = ContextRequest(
            context=directory.audit_context_for(request.user, given.get("AuditContextId")),
            created_by=given.get("Createdby"), authorized_app_id=given.get("AuthorizedAppId"))
        role = member.get("IdentityRoleId")
        synced, used = member_sync(
            tenant=tenant, identity=identity, role_id=UNSET if role is None else role,
            is_enabled=member.get("IsEnabled", UNSET), context=context)
        return identity, synced, used


class SyncMemberV2View(_SyncView):
    @extend_schema(tags=[TAG_SYNC], operation_id="members_sync_v2_0",
                   summary="Sync the member of an identity in the tenant (002)",
                   parameters=[TENANT_KEY, INTERNAL_USER_ID], request=s.SyncMember,
                   responses={200: s.SyncedMemberV2})
    def post(self, request, tenantKey: str, internalUserId: str):  # noqa: N803
        identity, member, context = self.sync(request, tenantKey, internalUserId,
                                              "internalUserId")
        return Response({"InternalUserId": identity.id, "MemberId": member.id,
                         "AuditContextId": context.id})


class SyncIdentityMemberView(_SyncView):
    @extend_schema(tags=[TAG_SYNC], operation_id="identities_sync_member_v2_0",
                   summary="Sync the member of an identity in the tenant (003)",
                   parameters=[TENANT_KEY, IDENTITY_ID], request=s.SyncMember,
                   responses={200: s.SyncedIdentityMember})
    def post(self, request, tenantKey: str, identityId: str):  # noqa: N803
        identity, member, context = self.sync(request, tenantKey, identityId, "identityId")
        return Response({"IdentityId": identity.id, "MemberId": member.id,
                         "AuditContextId": context.id})
