"""The CustomerID REST API 1.0 (spec 001): thin views over orgs.services and orgs.queries.

Parameters come in the query string, answers are XML. Every path is resolved within the
client's scope (its organization subtrees): anything outside answers "not found".
"""

from __future__ import annotations

from django.http import QueryDict
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.authentication import BearerAuthentication, ServiceBasicAuthentication
from config.api.permissions import RequiredPermission
from identities import reach
from orgs import conf, queries, services
from orgs.api.params import Params
from orgs.api.xml import AlwaysXML, XMLParser, XMLRenderer, entitylist, idlist
from orgs.errors import (
    EntityNotFoundError,
    InvalidArgumentsError,
    InvalidReferenceError,
    ParentNotFoundError,
    SizeLimitExceededError,
)
from orgs.models import SUBTREES, Organization, OrgUser, Role
from orgs.paths import entity_path_split, org_path_clean

TAG = "CustomerID REST API 1.0"
IDLIST = OpenApiResponse(response=OpenApiTypes.STR, description="`<idlist><Id>URL</Id>…</idlist>`")
ENTITYLIST = OpenApiResponse(
    response=OpenApiTypes.STR,
    description='`<entitylist><entity id="URL" type="…"><attribute name="…"><value>…'
    "</value></attribute></entity></entitylist>`",
)
USER_PARAMS = {"uid", "email", "firstname", "surname", "mobile", "locale", "hetu", "pwd",
               "pwd.activated", "disable", "enable"}
DEPRECATED = frozenset({"otp.state", "otp.activated", "sms.activated"})
LIST_PARAMS = {"recursive", "maxResults"}


def _param(name: str, kind=OpenApiTypes.STR, description: str = "") -> OpenApiParameter:
    return OpenApiParameter(name, kind, OpenApiParameter.QUERY, description=description)


PATH_PARAM = OpenApiParameter("path", OpenApiTypes.STR, OpenApiParameter.PATH,
                              description="An organization path (ORG/SUBORG) or an entity path "
                              "(ORG/SUBORG/NAME).")
LIST_DOC = [PATH_PARAM, _param("recursive", OpenApiTypes.BOOL), _param("maxResults",
                                                                          OpenApiTypes.INT)]


class CustomerIdView(APIView):
    error_style = "customerid"
    authentication_classes = [ServiceBasicAuthentication, BearerAuthentication]
    permission_classes = [RequiredPermission]
    renderer_classes = [XMLRenderer]
    parser_classes = [XMLParser, FormParser, MultiPartParser]
    content_negotiation_class = AlwaysXML
    required_permissions: dict[str, str] = {}

    @property
    def scope(self) -> reach.Reach:
        """The organization subtrees the client reaches (identities.reach)."""
        return reach.of(self.request.user, SUBTREES)

    def params(self, known: set[str], ignored: frozenset[str] = frozenset(), *,
               custom: bool = False) -> Params:
        """The query string (plus a form body's fields); with `custom`, unknown names are
        custom attributes (checked by the services), otherwise they are refused."""
        query = self.request.query_params.copy()
        if isinstance(self.request.data, QueryDict):
            for key, values in self.request.data.lists():
                query.setlist(key, query.getlist(key) + values)
        params = Params(query, known=known, ignored=ignored)
        if not custom and params.custom:
            name = sorted(params.custom)[0]
            raise InvalidArgumentsError(f"Unknown parameter {name[:64]!r}.")
        return params

    def require(self, perm: str) -> None:
        if not self.request.user.has_perm(perm):
            raise exceptions.PermissionDenied(
                f"Client does not have required permission {perm.split('.', 1)[1]}."
            )

    # URLs of the answers: the request's own scheme and host.
    def url(self, kind: str, path: str) -> str:
        if not hasattr(self, "_base"):
            self._base = self.request.build_absolute_uri("/eidm2/services/")
        return f"{self._base}{kind}/{path}"

    def answer(self, kind: str, paths) -> Response:
        return Response(idlist(self.url(kind, path) for path in paths))

    def limited(self, qs, params: Params, *fields: str) -> list:
        """Rows of `qs` (values_list of `fields`), refusing more than maxResults."""
        limit = params.number("maxResults", maximum=conf.max_results()) or conf.max_results()
        rows = list(qs.values_list(*fields)[: limit + 1])
        if len(rows) > limit:
            raise SizeLimitExceededError(f"More than {limit} results; narrow the request.")
        return rows


def _org_attributes(org: Organization) -> dict[str, list[str]]:
    attrs = {
        "organizationId": [org.name],
        "friendlyName": [org.friendly_name],
        "organizationType": [org.org_type] if org.org_type else [],
        "virtual": ["true" if org.virtual else "false"],
    }
    attrs.update(org.attributes)
    return {name: values for name, values in attrs.items() if values}


class OrgCollectionView(CustomerIdView):
    """`orgs/[PATH/]`: list sub-organizations (GET), create one (POST, MOD001b)."""

    required_permissions = {"GET": "orgs.view_organization", "POST": "orgs.add_organization"}

    def parent(self, path: str | None) -> Organization | None:
        if not path:
            if not self.scope.everything:
                raise ParentNotFoundError("The top level is outside the client's scope.")
            return None
        return queries.org_get(org_path_clean(path), self.scope, parent=True)

    @extend_schema(tags=[TAG], summary="List organizations", parameters=LIST_DOC,
                   responses={200: IDLIST}, operation_id="customerid_orgs_list")
    def get(self, request, path: str | None = None):
        params = self.params(LIST_PARAMS)
        org = queries.org_get(org_path_clean(path), self.scope) if path else None
        qs = queries.orgs_below(org, recursive=params.flag("recursive"), reach=self.scope)
        rows = self.limited(qs.order_by("path"), params, "path")
        return self.answer("org", (path for (path,) in rows))

    @extend_schema(
        tags=[TAG], summary="MOD001b Create Organization", request=None,
        operation_id="customerid_orgs_create",
        parameters=[PATH_PARAM, _param("organizationId"), _param("friendlyName"),
                    _param("virtual", OpenApiTypes.BOOL), _param("organizationType"),
                    _param("organizationClass")],
        responses={200: IDLIST},
    )
    def post(self, request, path: str | None = None):
        params = self.params({"virtual", "organizationId", "friendlyName", "organizationType",
                              "organizationClass"}, custom=True)
        org = services.organization_create(
            parent=self.parent(path),
            organization_id=params.text("organizationId", required=True),
            friendly_name=params.text("friendlyName", required=True),
            organization_type=_org_type(params),
            virtual=params.flag("virtual", default=None),
            attributes=params.attributes(),
        )
        return self.answer("org", [org.path])


class OrgRootView(OrgCollectionView):
    """`orgs/`: top-level organizations (GET), create one (POST, MOD001b)."""

    @extend_schema(tags=[TAG], summary="List top-level organizations",
                   parameters=LIST_DOC[1:], responses={200: IDLIST},
                   operation_id="customerid_orgs_root_list")
    def get(self, request):
        return super().get(request)

    @extend_schema(
        tags=[TAG], summary="MOD001b Create Organization (top level)", request=None,
        operation_id="customerid_orgs_root_create",
        parameters=[_param("organizationId"), _param("friendlyName"),
                    _param("virtual", OpenApiTypes.BOOL), _param("organizationType"),
                    _param("organizationClass")],
        responses={200: IDLIST},
    )
    def post(self, request):
        return super().post(request)


def _org_type(params: Params) -> str | None:
    new, old = params.text("organizationType"), params.text("organizationClass")
    if new is not None and old is not None and new != old:
        raise InvalidArgumentsError("organizationType and organizationClass differ.")
    return new if new is not None else old


class OrgEntityView(CustomerIdView):
    """`org/PATH`: read (GET), update (PUT, MOD003b), remove (DELETE, MOD002)."""

    required_permissions = {"GET": "orgs.view_organization", "PUT": "orgs.change_organization",
                            "DELETE": "orgs.delete_organization"}

    def org(self, path: str) -> Organization:
        return queries.org_get(org_path_clean(path), self.scope)

    @extend_schema(tags=[TAG], summary="Read organization", parameters=[PATH_PARAM],
                   responses={200: ENTITYLIST}, operation_id="customerid_org_read")
    def get(self, request, path: str):
        self.params(set())
        org = self.org(path)
        return Response(entitylist([(self.url("org", org.path), "organization",
                                     _org_attributes(org))]))

    @extend_schema(
        tags=[TAG], summary="MOD003b Update Organization", request=None,
        operation_id="customerid_org_update",
        parameters=[PATH_PARAM, _param("friendlyName"), _param("organizationType"),
                    _param("organizationClass")],
        responses={200: IDLIST},
    )
    def put(self, request, path: str):
        params = self.params({"friendlyName", "organizationType", "organizationClass"},
                             custom=True)
        org = services.organization_update(
            organization=self.org(path),
            friendly_name=params.text("friendlyName"),
            organization_type=_org_type(params),
            attributes=params.attributes(),
        )
        return self.answer("org", [org.path])

    @extend_schema(tags=[TAG], summary="MOD002 Remove Organization",
                   operation_id="customerid_org_remove",
                   parameters=[PATH_PARAM, _param("recursive", OpenApiTypes.BOOL)],
                   responses={200: IDLIST})
    def delete(self, request, path: str):
        params = self.params({"recursive"})
        removed = services.organization_delete(
            organization=self.org(path), recursive=params.flag("recursive"))
        return Response(idlist(
            [self.url("org", p) for p in removed.organizations]
            + [self.url("role", p) for p in removed.roles]
            + [self.url("user", p) for p in removed.users]
        ))


# --- users ---------------------------------------------------------------------------------------


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
        "mobile": [user.mobile],
        "locale": [user.locale],
        "hetu": [user.hetu],
        "pwd.activated": ["true" if user.pwd_activated and identity.has_usable_password()
                          else "false"],
        "status": [user.status],
    }
    attrs.update(user.attributes)
    return {name: values for name, values in attrs.items() if values and values != [""]}


USER_FILTERS = {
    "uid": "uid",
    "email": "identity__email",
    "firstname": "identity__first_name",
    "surname": "identity__last_name",
    "mobile": "mobile",
    "locale": "locale",
    "status": "status",
}


def user_filter(qs, params: Params):
    """Attribute filters of the user list: exact with exactMatch=true, else contains (case
    ignored). Custom attributes compare their whole value list when exact. Field names come
    from fixed tables or the configured attribute list, never from the request as such."""
    exact = params.flag("exactMatch")
    for name, lookup in USER_FILTERS.items():
        value = params.text(name)
        if value is not None:
            qs = qs.filter(**{lookup if exact else f"{lookup}__icontains": value})
    if params.text("hetu") is not None:
        qs = qs.filter(hetu=params.text("hetu").strip().upper())
    allowed = conf.user_attributes()
    for name, values in params.attributes().items():
        if name not in allowed:
            raise InvalidArgumentsError(f"Unknown user attribute {name[:64]!r}.")
        if exact:
            qs = qs.filter(**{f"attributes__{name}": values})
        else:
            qs = qs.filter(**{f"attributes__{name}__icontains": ",".join(values)})
    return qs


class UserCollectionView(CustomerIdView):
    """`users/ORGPATH/`: list users (GET), create a user with a random UUID (POST, MOD009)."""

    required_permissions = {"GET": "orgs.view_orguser", "POST": "orgs.add_orguser"}

    @extend_schema(
        tags=[TAG], summary="List users", operation_id="customerid_users_list",
        parameters=[*LIST_DOC, _param("exactMatch", OpenApiTypes.BOOL),
                    *(_param(name) for name in USER_FILTERS)],
        responses={200: IDLIST},
    )
    def get(self, request, path: str):
        params = self.params(LIST_PARAMS | set(USER_FILTERS) | {"hetu", "exactMatch"},
                             custom=True)
        org = queries.org_get(org_path_clean(path), self.scope)
        qs = queries.users_in(org, recursive=params.flag("recursive"), reach=self.scope)
        qs = user_filter(qs, params).order_by("organization__path", "name")
        rows = self.limited(qs, params, "organization__path", "name")
        return self.answer("user", (f"{o}/{n}" for o, n in rows))

    @extend_schema(
        tags=[TAG], summary="MOD009 Create User", request=None,
        operation_id="customerid_users_create",
        parameters=[PATH_PARAM, *(_param(name) for name in sorted(USER_PARAMS))],
        responses={200: IDLIST},
    )
    def post(self, request, path: str):
        params = self.params(USER_PARAMS, DEPRECATED, custom=True)
        org = queries.org_get(org_path_clean(path), self.scope, parent=True)
        user = services.user_create(organization=org, data=user_fields(params))
        return self.answer("user", [f"{org.path}/{user.name}"])


class UserEntityView(CustomerIdView):
    """`user/ORGPATH/USER`: read (GET), update or create (PUT, MOD004b), remove (DELETE)."""

    required_permissions = {"GET": "orgs.view_orguser", "DELETE": "orgs.delete_orguser"}

    @extend_schema(tags=[TAG], summary="Read user", parameters=[PATH_PARAM],
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
        parameters=[PATH_PARAM, *(_param(name) for name in sorted(USER_PARAMS)),
                    _param("create", OpenApiTypes.BOOL), _param("roles.remove", OpenApiTypes.BOOL),
                    _param("mandates.remove", OpenApiTypes.BOOL)],
        responses={200: IDLIST},
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
                                 mandates_remove=mandates_remove)
        return self.answer("user", [f"{org_path}/{user.name}"])

    @extend_schema(tags=[TAG], summary="Remove user", parameters=[PATH_PARAM],
                   responses={200: IDLIST}, operation_id="customerid_user_remove")
    def delete(self, request, path: str):
        self.params(set())
        org_path, name = entity_path_split(path, "user")
        services.user_delete(user=queries.user_get(org_path, name, self.scope))
        return self.answer("user", [f"{org_path}/{name}"])


class UserRolesView(CustomerIdView):
    """`user/ORGPATH/USER/roles`: the user's roles (recursive: also those reached by memberOf)."""

    required_permissions = {"GET": "orgs.view_assignment"}

    @extend_schema(tags=[TAG], summary="List a user's roles", parameters=LIST_DOC,
                   responses={200: IDLIST}, operation_id="customerid_user_roles")
    def get(self, request, path: str):
        params = self.params(LIST_PARAMS)
        org_path, name = entity_path_split(path, "user")
        user = queries.user_get(org_path, name, self.scope)
        qs = queries.user_roles(user, recursive=params.flag("recursive"), reach=self.scope)
        rows = self.limited(qs.order_by("organization__path", "name"), params,
                            "organization__path", "name")
        return self.answer("role", (f"{o}/{n}" for o, n in rows))


# --- roles and assignments -----------------------------------------------------------------------


def entity_ref(value: str, kind: str) -> str:
    """A reference parameter (`user=ORG/USER`, `memberOf=ORG/ROLE`), also accepted as the
    entity's URL (`https://host/eidm2/services/role/ORG/ROLE`)."""
    marker = f"/eidm2/services/{kind}/"
    if marker in value:
        value = value.split(marker, 1)[1]
    return value.strip("/")


class RoleCollectionView(CustomerIdView):
    """`roles/ORGPATH/`: the organization's roles (recursive: the subtree's)."""

    required_permissions = {"GET": "orgs.view_role"}

    @extend_schema(tags=[TAG], summary="List roles", parameters=LIST_DOC,
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

    @extend_schema(tags=[TAG], summary="Read role", parameters=[PATH_PARAM],
                   responses={200: ENTITYLIST}, operation_id="customerid_role_read")
    def get(self, request, path: str):
        self.params(set())
        org_path, name = entity_path_split(path, "role")
        role = queries.role_get(org_path, name, self.scope)
        parents = role.member_of.order_by("organization__path", "name").values_list(
            "organization__path", "name")
        attrs = {"name": [role.name], "organization": [self.url("org", org_path)]}
        member_of = [self.url("role", f"{o}/{n}") for o, n in parents]
        if member_of:
            attrs["memberOf"] = member_of
        return Response(entitylist([(self.url("role", f"{org_path}/{name}"), "role", attrs)]))

    @extend_schema(tags=[TAG], summary="MOD007 Create Role", request=None,
                   operation_id="customerid_role_create",
                   parameters=[PATH_PARAM, _param("memberOf")], responses={200: IDLIST})
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

    @extend_schema(tags=[TAG], summary="MOD008 Remove Role", parameters=[PATH_PARAM],
                   responses={200: IDLIST}, operation_id="customerid_role_remove")
    def delete(self, request, path: str):
        self.params(set())
        org_path, name = entity_path_split(path, "role")
        services.role_delete(role=queries.role_get(org_path, name, self.scope))
        return self.answer("role", [f"{org_path}/{name}"])


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

    @extend_schema(tags=[TAG], summary="List the users holding a role", parameters=LIST_DOC,
                   responses={200: IDLIST}, operation_id="customerid_assignments_list")
    def get(self, request, path: str):
        params = self.params(LIST_PARAMS)
        org_path, name = entity_path_split(path, "role")
        role = queries.role_get(org_path, name, self.scope)
        qs = queries.role_holders(role, reach=self.scope).order_by("organization__path", "name")
        rows = self.limited(qs, params, "organization__path", "name")
        return self.answer("user", (f"{o}/{n}" for o, n in rows))

    @extend_schema(tags=[TAG], summary="MOD005 Assign Role", request=None,
                   operation_id="customerid_assignments_create",
                   parameters=[PATH_PARAM, _param("user")], responses={200: IDLIST})
    def post(self, request, path: str):
        role, user = self.role_and_user(path)
        services.assignment_create(user=user, role=role)
        return Response(idlist([]))

    @extend_schema(tags=[TAG], summary="MOD006 Deassign Role",
                   operation_id="customerid_assignments_remove",
                   parameters=[PATH_PARAM, _param("user")], responses={200: IDLIST})
    def delete(self, request, path: str):
        role, user = self.role_and_user(path)
        services.assignment_delete(user=user, role=role)
        return Response(idlist([]))
