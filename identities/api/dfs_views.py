"""The DFS role and identity calls (spec 003): thin views that parse, check reach, call a
service and render. Decisions: docs/identities.md."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from identities.api import dfs_serializers as s
from identities.api.dfs_common import (
    IDENTITY_ID,
    TAG_IDENTITIES,
    TAG_ROLES,
    TRUE,
    context_of,
    default_tenant,
    identity_item,
    identity_or_404,
    role_item,
    validated,
)
from identities.api.views import AdditivView
from identities.errors import UnprocessableError
from identities.models import Member
from identities.queries import directory
from identities.services.people import ATTRIBUTES, PasswordChange, identity_create, identity_update
from identities.services.tenants import UNSET

# --- roles ---------------------------------------------------------------------------------------

class RolesView(AdditivView):
    required_permissions = {"GET": "identities.view_identityrole"}

    @extend_schema(tags=[TAG_ROLES], operation_id="roles_list_v2_0", summary="Get all roles",
                   description="Ordered by HierarchyLevel (1 = top); `[]` when there is none.",
                   responses={200: s.IdentityRoleItem(many=True)})
    def get(self, request):
        return Response([role_item(role) for role in directory.roles()])


# --- identities ----------------------------------------------------------------------------------

class IdentitiesView(AdditivView):
    required_permissions = {"POST": "identities.add_identity"}

    @extend_schema(tags=[TAG_IDENTITIES], operation_id="identities_create_v1_0",
                   summary="Create a new identity",
                   description="Also makes its member of the client's default tenant with "
                               "`IdentityRoleId` (missing, null or 0: the lowest-ranked "
                               "role). Answers 200.",
                   request=s.IdentityCreate, responses={200: s.IdentityCreated})
    def post(self, request):
        data = validated(s.IdentityCreate, request)
        context = context_of(self, data)
        tenant = default_tenant(self)
        if tenant is None:
            raise UnprocessableError("IdentityRoleId", "The client has no default tenant.")
        attributes = {field: data[wire] for field, wire in ATTRIBUTES.items()
                      if wire in data and field not in ("username", "identity_role_id",
                                                        "is_active")}
        identity = identity_create(
            tenant=tenant, username=data["Username"],
            identity_role_id=data.get("IdentityRoleId"),
            attributes=attributes, password=data.get("Password"), context=context)
        return Response({"IdentityId": identity.id})


FLAGS = {  # model field → its Update flag
    field: f"Update{wire}" for field, wire in ATTRIBUTES.items() if field != "is_active"}
FLAGS["is_active"] = "UpdateIsSignInEnabled"


class IdentityView(AdditivView):
    required_permissions = {"GET": "identities.view_identity",
                            "PATCH": "identities.change_identity"}

    @extend_schema(tags=[TAG_IDENTITIES], operation_id="identities_get_v1_0",
                   summary="Get the identity by Internal User ID", parameters=[IDENTITY_ID],
                   responses={200: s.IdentityItem})
    def get(self, request, identityId: str):  # noqa: N803 (the spec's name)
        identity = identity_or_404(self, identityId)
        tenant = default_tenant(self)
        member = None if tenant is None else (
            Member.objects.select_related("identity_role")
            .filter(tenant=tenant, identity=identity).first())
        return Response(identity_item(identity, member))

    @extend_schema(tags=[TAG_IDENTITIES], operation_id="identities_update_v1_0",
                   summary="Update the identity with specified Internal User ID",
                   parameters=[IDENTITY_ID], request=s.IdentityUpdate, responses={200: TRUE})
    def patch(self, request, identityId: str):  # noqa: N803
        identity = identity_or_404(self, identityId)
        data = validated(s.IdentityUpdate, request)
        context = context_of(self, data)
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
        identity_update(identity=identity, changes=changes, tenant=default_tenant(self),
                        tenant_access=tenant_access, password=password, context=context)
        return Response(True)
