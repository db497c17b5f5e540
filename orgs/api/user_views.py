"""CustomerID users: `users/ORGPATH/` (list with attribute filters, MOD009 create),
`user/ORGPATH/USER` (read, MOD004b update or create, remove) and its `roles`."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from orgs import queries, services
from orgs.api import schema
from orgs.api.base import ENTITYLIST, IDLIST, LIST_PARAMS, TAG, CustomerIdView
from orgs.api.filters import USER_FILTERS, UserFilterSet
from orgs.api.params import Params
from orgs.api.xml import entitylist
from orgs.errors import EntityNotFoundError, InvalidArgumentsError
from orgs.models import OrgUser
from orgs.paths import entity_path_split, org_path_clean

USER_PARAMS = {"uid", "email", "firstname", "surname", "mobile", "locale", "hetu", "pwd",
               "pwd.activated", "disable", "enable"}
DEPRECATED = frozenset(schema.USER_DEPRECATED)


def user_fields(params: Params) -> services.UserFields:
    enable, disable = params.flag("enable"), params.flag("disable")
    if enable and disable:
        raise InvalidArgumentsError("enable and disable cannot both be true.")
    status = "enabled" if enable else "disabled" if disable else None
    return services.UserFields(
        uid=params.text("uid"),
        email=params.text("email"),
        firstname=params.text("firstname"),
        surname=params.text("surname"),
        mobile=params.text("mobile"),
        locale=params.text("locale"),
        hetu=params.text("hetu"),
        pwd=params.text("pwd"),
        pwd_activated=params.flag("pwd.activated", default=None),
        status=status,
        attributes=params.attributes(),
    )


def _user_attributes(user: OrgUser) -> dict[str, list[str]]:
    identity = user.identity
    attrs = {
        "uid": [user.uid or ""],
        "email": [identity.email],
        "firstname": [identity.first_name],
        "surname": [identity.last_name],
        "mobile": [identity.mobile],
        "locale": [user.locale],
        "hetu": [user.hetu],
        "pwd.activated": ["true" if user.pwd_activated and identity.has_usable_password()
                          else "false"],
        "status": [user.effective_status],
    }
    attrs.update(user.attributes)
    return {name: values for name, values in attrs.items() if values and values != [""]}


class UserCollectionView(CustomerIdView):
    """`users/ORGPATH/`: list users (GET), create a user with a random UUID (POST, MOD009)."""

    required_permissions = {"GET": "orgs.view_orguser", "POST": "orgs.add_orguser"}

    @extend_schema(
        tags=[TAG], summary="List users", operation_id="customerid_users_list",
        parameters=[schema.ORG, *schema.list_params(), *schema.user_filter_params()],
        responses={200: IDLIST},
    )
    def get(self, request, path: str):
        params = self.params(LIST_PARAMS | set(USER_FILTERS) | {"hetu", "exactMatch"},
                             custom=True)
        org = queries.org_get(org_path_clean(path), self.scope)
        qs = queries.users_in(org, recursive=params.flag("recursive"), reach=self.scope)
        qs = UserFilterSet(params, qs).qs.order_by("organization__path", "name")
        rows = self.limited(qs, params, "organization__path", "name")
        return self.answer("user", (f"{o}/{n}" for o, n in rows))

    @extend_schema(
        tags=[TAG], summary="MOD009 Create User", request=None,
        operation_id="customerid_users_create",
        parameters=[schema.ORG, *schema.user_params(update=False)],
        responses={200: IDLIST, 409: schema.CONFLICT},
    )
    def post(self, request, path: str):
        params = self.params(USER_PARAMS, DEPRECATED, custom=True)
        org = queries.org_get(org_path_clean(path), self.scope, parent=True)
        user = services.user_create(organization=org, data=user_fields(params))
        return self.answer("user", [f"{org.path}/{user.name}"])


class UserEntityView(CustomerIdView):
    """`user/ORGPATH/USER`: read (GET), update or create (PUT, MOD004b), remove (DELETE)."""

    required_permissions = {"GET": "orgs.view_orguser", "DELETE": "orgs.delete_orguser"}

    @extend_schema(tags=[TAG], summary="Read user", parameters=[schema.USER],
                   responses={200: ENTITYLIST}, operation_id="customerid_user_read")
    def get(self, request, path: str):
        self.params(set())
        org_path, name = entity_path_split(path, "user")
        user = queries.user_get(org_path, name, self.scope)
        return Response(entitylist([(self.url("user", f"{org_path}/{name}"), "user",
                                     _user_attributes(user))]))

    @extend_schema(
        tags=[TAG], summary="MOD004b Update User", request=None,
        operation_id="customerid_user_update",
        parameters=[schema.USER, *schema.user_params(update=True)],
        responses={200: IDLIST, 409: schema.CONFLICT},
    )
    def put(self, request, path: str):
        params = self.params(USER_PARAMS | {"create", "roles.remove", "mandates.remove"},
                             DEPRECATED, custom=True)
        if not request.user.has_perm("orgs.add_orguser"):
            self.require("orgs.change_orguser")
        org_path, name = entity_path_split(path, "user")
        data = user_fields(params)
        roles_remove, mandates_remove = params.flag("roles.remove"), params.flag(
            "mandates.remove")
        try:
            user = queries.user_get(org_path, name, self.scope)
        except EntityNotFoundError:
            if not params.flag("create"):
                raise
            self.require("orgs.add_orguser")
            org = queries.org_get(org_path, self.scope, parent=True)
            user = services.user_create(organization=org, name=name, data=data)
        else:
            self.require("orgs.change_orguser")
            services.user_update(user=user, data=data, roles_remove=roles_remove,
                                 mandates_remove=mandates_remove, by=request.user)
        return self.answer("user", [f"{org_path}/{user.name}"])

    @extend_schema(tags=[TAG], summary="Remove user", parameters=[schema.USER],
                   responses={200: IDLIST}, operation_id="customerid_user_remove")
    def delete(self, request, path: str):
        self.params(set())
        org_path, name = entity_path_split(path, "user")
        services.user_delete(user=queries.user_get(org_path, name, self.scope))
        return self.answer("user", [f"{org_path}/{name}"])


class UserRolesView(CustomerIdView):
    """`user/ORGPATH/USER/roles`: the user's roles (recursive: also those reached by memberOf)."""

    required_permissions = {"GET": "orgs.view_assignment"}

    @extend_schema(tags=[TAG], summary="List a user's roles",
                   parameters=[schema.USER, *schema.list_params()],
                   responses={200: IDLIST}, operation_id="customerid_user_roles")
    def get(self, request, path: str):
        params = self.params(LIST_PARAMS)
        org_path, name = entity_path_split(path, "user")
        user = queries.user_get(org_path, name, self.scope)
        qs = queries.user_roles(user, recursive=params.flag("recursive"), reach=self.scope)
        rows = self.limited(qs.order_by("organization__path", "name"), params,
                            "organization__path", "name")
        return self.answer("role", (f"{o}/{n}" for o, n in rows))
