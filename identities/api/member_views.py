"""The tenant-access, member and member-sync calls (specs 002/003): thin views over
identities.services.tenants and the one member query
(identities.queries.directory.members_query)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from core.patterns import UUID, matches
from foundation.api.reach import reach_of
from identities.api import dfs_serializers as s
from identities.api.dfs_common import (
    IDENTITY_ID,
    INTERNAL_USER_ID,
    MEMBER_ID,
    TAG_IDENTITIES,
    TAG_MEMBERS,
    TAG_SYNC,
    TENANT_ID,
    TENANT_KEY,
    TRUE,
    default_tenant,
    identity_or_404,
    member_item,
    page_of,
    parse_int32,
    rows_at,
    tenant_by_id,
    tenant_by_key,
    validated,
)
from identities.api.views import AdditivView
from identities.errors import UnprocessableError
from identities.queries import directory
from identities.services.tenants import UNSET, ContextRequest, member_sync, member_upsert

# --- tenant access and members -------------------------------------------------------------------

class TenantAccessView(AdditivView):
    required_permissions = {"PATCH": "identities.change_member"}

    @extend_schema(tags=[TAG_IDENTITIES], operation_id="tenant_access_set_v1_0",
                   summary="Set the access to the tenant (including role)",
                   description="Creates or updates the identity's member of the tenant; a "
                               "disabled member is kept.",
                   parameters=[TENANT_ID, IDENTITY_ID], request=s.TenantAccess,
                   responses={200: TRUE})
    def patch(self, request, tenantId: str, identityId: str):  # noqa: N803
        tenant = tenant_by_id(self, tenantId)
        identity = identity_or_404(self, identityId)
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
        member = (directory.reachable_members(reach_of(self))
                  .select_related("identity", "identity__bank_branch", "identity_role")
                  .filter(pk=parse_int32(memberId, "memberId")).first())
        if member is None:
            raise NotFound("No member with this id was found.")
        return Response(member_item(member))


class MemberSearchView(AdditivView):
    reads_only = True  # a POST that only reads: the replica may serve it
    required_permissions = {"POST": "identities.view_member"}

    @extend_schema(tags=[TAG_MEMBERS], operation_id="members_search_v1_0",
                   summary="Search the members by given search criteria",
                   description="Members of the client's default tenant; `Page` is 1-based.",
                   request=s.MemberSearch, responses={200: s.MemberPage})
    def post(self, request):
        data = validated(s.MemberSearch, request)
        rows = directory.members_query(
            # [] (the spec's sample sends it) filters nothing, as the identity search's lists
            reach_of(self), tenant=default_tenant(self),
            member_ids=data.get("MemberIds") or None,
            term=data.get("SearchTerm"), sort=data.get("SortBy"),
            descending=data.get("SortOrder") == "Descending")
        return Response(page_of(rows, data.get("Page", 1), data.get("PageSize"),
                                lambda found: [member_item(m) for m in found]))


def _sort_column(data: dict) -> str | None:
    """002's free-text SortColumn matched to the whitelist in any case (None: default)."""
    wanted = (data.get("SortColumn") or "").lower()
    return next((name for name in s.SORT_BY if name.lower() == wanted), None)


class ActiveMembersView(AdditivView):
    reads_only = True  # a POST that only reads: the replica may serve it
    required_permissions = {"POST": "identities.view_member"}

    @extend_schema(tags=[TAG_MEMBERS], operation_id="members_active_v1_0",
                   summary="Get all active members",
                   description="Members of the client's default tenant whose sign-in and "
                               "tenant access are enabled; `Offset` is 0-based. No member "
                               "matches: 404 (002), as an empty tenant.",
                   request=s.ActiveMembers, responses={200: s.ActiveMemberPage})
    def post(self, request):
        data = validated(s.ActiveMembers, request)
        rows = directory.members_query(
            reach_of(self), tenant=default_tenant(self), term=data.get("Search"),
            first_name=data.get("FirstName"), last_name=data.get("LastName"),
            branch_id=data.get("BranchId"), country_id=data.get("CountryId"),
            role_id=data.get("RoleId"), active_only=True, sort=_sort_column(data),
            descending=(data.get("SortOrder") or "").lower() in ("descending", "desc"))
        found, _, total = rows_at(rows, data.get("Offset", 0), data.get("Limit"))
        if not total:  # 002 documents 404 for a list it cannot find (an offset past the
            raise NotFound("Couldn't find the list of active members.")  # end is no miss)
        return Response({"Filtered": [member_item(m) for m in found], "TotalCount": total})


# --- member sync ---------------------------------------------------------------------------------

class _SyncView(AdditivView):
    required_permissions = {"POST": "identities.add_member"}

    def sync(self, request, tenant_key: str, identity_id: str, name: str):
        tenant = tenant_by_key(self, tenant_key)
        identity = identity_or_404(self, identity_id, name)
        data = validated(s.SyncMember, request)
        member = data.get("Member") or {}
        given = data.get("Context") or {}
        context = ContextRequest(
            context=directory.audit_context_for(reach_of(self), given.get("AuditContextId")),
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
        if not matches(UUID, internalUserId):  # 002 documents 422 for it (003's route: 400)
            raise UnprocessableError("internalUserId", "Not a UUID.")
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
