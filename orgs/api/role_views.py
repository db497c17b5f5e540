"""CustomerID roles and assignments: `roles/ORGPATH/`, `role/ORGPATH/ROLE` (read, MOD007
create with memberOf, MOD008 remove) and `assignments/ORGPATH/ROLE` (holders, MOD005 assign,
MOD006 deassign)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from orgs import queries, services
from orgs.api import schema
from orgs.api.base import ENTITYLIST, IDLIST, LIST_PARAMS, TAG, CustomerIdView, entity_ref
from orgs.api.xml import entitylist, idlist
from orgs.errors import InvalidReferenceError
from orgs.models import OrgUser, Role
from orgs.paths import entity_path_split, org_path_clean


class RoleCollectionView(CustomerIdView):
    """`roles/ORGPATH/`: the organization's roles (recursive: the subtree's)."""

    required_permissions = {"GET": "orgs.view_role"}

    @extend_schema(tags=[TAG], summary="List roles",
                   parameters=[schema.ORG, *schema.list_params()],
                   responses={200: IDLIST}, operation_id="customerid_roles_list")
    def get(self, request, path: str):
        params = self.params(LIST_PARAMS)
        org = queries.org_get(org_path_clean(path), self.scope)
        qs = queries.roles_in(org, recursive=params.flag("recursive"), reach=self.scope)
        rows = self.limited(qs.order_by("organization__path", "name"), params,
                            "organization__path", "name")
        return self.answer("role", (f"{o}/{n}" for o, n in rows))


class RoleEntityView(CustomerIdView):
    """`role/ORGPATH/ROLE`: read (GET), create (PUT, MOD007), remove (DELETE, MOD008)."""

    required_permissions = {"GET": "orgs.view_role", "PUT": "orgs.add_role",
                            "DELETE": "orgs.delete_role"}

    @extend_schema(tags=[TAG], summary="Read role", parameters=[schema.ROLE],
                   responses={200: ENTITYLIST}, operation_id="customerid_role_read")
    def get(self, request, path: str):
        self.params(set())
        org_path, name = entity_path_split(path, "role")
        role = queries.role_get(org_path, name, self.scope)
        parents = queries.role_parents(role, reach=self.scope).order_by(
            "organization__path", "name").values_list("organization__path", "name")
        attrs = {"name": [role.name], "organization": [self.url("org", org_path)]}
        member_of = [self.url("role", f"{o}/{n}") for o, n in parents]
        if member_of:
            attrs["memberOf"] = member_of
        return Response(entitylist([(self.url("role", f"{org_path}/{name}"), "role", attrs)]))

    @extend_schema(tags=[TAG], summary="MOD007 Create Role", request=None,
                   operation_id="customerid_role_create",
                   parameters=[schema.ROLE, schema.MEMBER_OF],
                   responses={200: IDLIST, 409: schema.CONFLICT})
    def put(self, request, path: str):
        params = self.params({"memberOf"})
        org_path, name = entity_path_split(path, "role")
        org = queries.org_get(org_path, self.scope, parent=True)
        member_of = None
        ref = params.text("memberOf")
        if ref:
            parent_org, parent_name = entity_path_split(entity_ref(ref, "role"), "role")
            member_of = queries.role_get(parent_org, parent_name, self.scope,
                                         what=InvalidReferenceError)
        role = services.role_put(organization=org, name=name, member_of=member_of)
        return self.answer("role", [f"{org_path}/{role.name}"])

    @extend_schema(tags=[TAG], summary="MOD008 Remove Role", parameters=[schema.ROLE],
                   responses={200: IDLIST}, operation_id="customerid_role_remove")
    def delete(self, request, path: str):
        self.params(set())
        org_path, name = entity_path_split(path, "role")
        services.role_delete(role=queries.role_get(org_path, name, self.scope))
        return self.answer("role", [f"{org_path}/{name}"])


HOLDERS_RECURSIVE = ("A boolean, accepted as on every list: the holders are always listed "
                     "directly and through the roles that are (transitively) members of the "
                     "role.")


class AssignmentView(CustomerIdView):
    """`assignments/ORGPATH/ROLE`: holders (GET), assign (POST, MOD005), deassign (DELETE,
    MOD006) with `user=ORGPATH/USER`."""

    required_permissions = {"GET": "orgs.view_assignment", "POST": "orgs.add_assignment",
                            "DELETE": "orgs.delete_assignment"}

    def role_and_user(self, path: str) -> tuple[Role, OrgUser]:
        params = self.params({"user"})
        org_path, name = entity_path_split(path, "role")
        role = queries.role_get(org_path, name, self.scope)
        user_org, user_name = entity_path_split(
            entity_ref(params.text("user", required=True), "user"), "user")
        user = queries.user_get(user_org, user_name, self.scope, what=InvalidReferenceError)
        return role, user

    @extend_schema(tags=[TAG], summary="List the users holding a role",
                   parameters=[schema.ROLE, *schema.list_params(HOLDERS_RECURSIVE)],
                   responses={200: IDLIST}, operation_id="customerid_assignments_list")
    def get(self, request, path: str):
        params = self.params(LIST_PARAMS)
        params.flag("recursive")  # checked as on every list (code 1); holders are always listed
        org_path, name = entity_path_split(path, "role")
        role = queries.role_get(org_path, name, self.scope)
        qs = queries.role_holders(role, reach=self.scope).order_by("organization__path", "name")
        rows = self.limited(qs, params, "organization__path", "name")
        return self.answer("user", (f"{o}/{n}" for o, n in rows))

    @extend_schema(tags=[TAG], summary="MOD005 Assign Role", request=None,
                   operation_id="customerid_assignments_create",
                   parameters=[schema.ROLE, schema.USER_REF],
                   responses={200: IDLIST, 409: schema.CONFLICT})
    def post(self, request, path: str):
        role, user = self.role_and_user(path)
        services.assignment_create(user=user, role=role)
        return Response(idlist([]))

    @extend_schema(tags=[TAG], summary="MOD006 Deassign Role",
                   operation_id="customerid_assignments_remove",
                   parameters=[schema.ROLE, schema.USER_REF], responses={200: IDLIST})
    def delete(self, request, path: str):
        role, user = self.role_and_user(path)
        services.assignment_delete(user=user, role=role)
        return Response(idlist([]))
