"""Spec 003's BackOfficeManagement calls: thin views over backoffice.queries (the tenant's
catalog, an identity's menus and policies in a tenant) and backoffice.services.assignments (their
writes), on the DFS machinery of identities.api (error style, permissions, reach,
AuditContextId)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from backoffice import queries
from backoffice.api import serializers as s
from backoffice.models import Menu
from backoffice.services import assignments
from identities.api.dfs_common import (
    IDENTITY_ID,
    TENANT_ID,
    TRUE,
    context_of,
    identity_or_404,
    tenant_by_id,
    validated,
)
from identities.api.views import AdditivView
from identities.models import Member

TAG = "additiv DFS: BackOfficeManagement"


def member_or_404(view, tenantId: str, identityId: str) -> Member:  # noqa: N803
    """The identity's member of the tenant: the tenant and the identity within the client's
    reach, and the identity a member of the tenant (enabled or not), else 404."""
    tenant = tenant_by_id(view, tenantId)
    identity = identity_or_404(view, identityId)
    member = Member.objects.filter(tenant=tenant, identity=identity).first()
    if member is None:
        raise NotFound("The identity is no member of this tenant.")
    member.tenant, member.identity = tenant, identity
    return member


def menu_tree(menus: list[Menu]) -> list[dict]:
    """`MenuItem`s of menus in tree order (queries.menus_of), nested without recursion."""
    items: dict[int, dict] = {}
    roots: list[dict] = []
    for menu in menus:
        item = items[menu.id] = {"Id": menu.id, "Key": menu.key, "Name": menu.name,
                                 "ParentId": menu.parent_id, "Children": []}
        (roots if menu.depth == 0 else items[menu.parent_id]["Children"]).append(item)
    return roots


class TenantMenusView(AdditivView):
    required_permissions = {"GET": "backoffice.view_menu"}

    @extend_schema(tags=[TAG], operation_id="tenant_menus_get_v1_0",
                   summary="Get a list of (B/O) menus available for a specific tenant",
                   description="The tenant's menu tree: top-level menus, each with its "
                               "`Children`, siblings in their order.",
                   parameters=[TENANT_ID], responses={200: s.TenantMenus})
    def get(self, request, tenantId: str):  # noqa: N803
        tenant = tenant_by_id(self, tenantId)
        return Response({"Menus": menu_tree(queries.menus_of(tenant))})


class TenantAccessPoliciesView(AdditivView):
    required_permissions = {"GET": "backoffice.view_accesspolicy"}

    @extend_schema(tags=[TAG], operation_id="tenant_access_policies_get_v1_0",
                   summary="Get a list of (B/O) access policies available for a specific "
                           "tenant",
                   description="The tenant's access-policy groups, each with its policies.",
                   parameters=[TENANT_ID], responses={200: s.TenantAccessPolicies})
    def get(self, request, tenantId: str):  # noqa: N803
        tenant = tenant_by_id(self, tenantId)
        return Response({"AccessPolicyGroups": [
            {"Id": group.id, "Key": group.key, "Name": group.name,
             "AccessPolicies": [{"Id": policy.id, "Key": policy.key, "Name": policy.name}
                                for policy in group.policies.all()]}
            for group in queries.policy_groups_of(tenant)]})


class IdentityMenusView(AdditivView):
    required_permissions = {"GET": "backoffice.view_membermenu",
                            "PATCH": "backoffice.change_membermenu"}

    @extend_schema(tags=[TAG], operation_id="identity_menus_get_v1_0",
                   summary="Get a list of (B/O) menus accessible by specific identity in a "
                           "specific tenant",
                   description="404 also when the identity is no member of the tenant.",
                   parameters=[TENANT_ID, IDENTITY_ID], responses={200: s.IdentityMenus})
    def get(self, request, tenantId: str, identityId: str):  # noqa: N803
        given = queries.member_menus(member_or_404(self, tenantId, identityId))
        defaults = set(given.default_ids)
        return Response({"DefaultMenuId": given.default_id, "MenuItems": [
            {"Id": menu.id, "Key": menu.key, "Name": menu.name, "ParentId": menu.parent_id,
             "IsDefault": menu.id in defaults} for menu in given.menus]})

    @extend_schema(tags=[TAG], operation_id="identity_menus_set_v1_0",
                   summary="Set a list of (B/O) menus accessible by specific identity in a "
                           "specific tenant",
                   description="Replaces the identity's menus in the tenant; answers `true`.",
                   parameters=[TENANT_ID, IDENTITY_ID], request=s.IdentityMenusSet,
                   responses={200: TRUE})
    def patch(self, request, tenantId: str, identityId: str):  # noqa: N803
        member = member_or_404(self, tenantId, identityId)
        data = validated(s.IdentityMenusSet, request)
        assignments.member_menus_set(
            member=member, menu_ids=data.get("MenuIds") or [],
            default_menu_ids=data.get("DefaultMenuIds") or [],
            context=context_of(self, data))
        return Response(True)


class IdentityAccessPoliciesView(AdditivView):
    required_permissions = {"GET": "backoffice.view_memberaccesspolicy",
                            "PATCH": "backoffice.change_memberaccesspolicy"}

    @extend_schema(tags=[TAG], operation_id="identity_access_policies_get_v1_0",
                   summary="Get a list of (B/O) access policies for specific identity in a "
                           "specific tenant",
                   description="404 also when the identity is no member of the tenant.",
                   parameters=[TENANT_ID, IDENTITY_ID],
                   responses={200: s.IdentityAccessPolicies})
    def get(self, request, tenantId: str, identityId: str):  # noqa: N803
        member = member_or_404(self, tenantId, identityId)
        return Response({"AccessPolicyIds": queries.member_policy_ids(member)})

    @extend_schema(tags=[TAG], operation_id="identity_access_policies_set_v1_0",
                   summary="Set a list of (B/O) access policies for specific identity in a "
                           "specific tenant",
                   description="Replaces the identity's access policies in the tenant; "
                               "answers `true`.",
                   parameters=[TENANT_ID, IDENTITY_ID], request=s.IdentityAccessPoliciesSet,
                   responses={200: TRUE})
    def patch(self, request, tenantId: str, identityId: str):  # noqa: N803
        member = member_or_404(self, tenantId, identityId)
        data = validated(s.IdentityAccessPoliciesSet, request)
        assignments.member_policies_set(member=member,
                                        policy_ids=data.get("AccessPolicyIds") or [],
                                        context=context_of(self, data))
        return Response(True)
