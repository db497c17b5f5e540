"""CustomerID organizations: `orgs/[PATH/]` (list, MOD001b create) and `org/PATH` (read,
MOD003b update, MOD002 remove): thin views over orgs.services and orgs.queries."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from orgs import queries, services
from orgs.api import schema
from orgs.api.base import ENTITYLIST, IDLIST, LIST_PARAMS, TAG, CustomerIdView
from orgs.api.params import Params
from orgs.api.xml import entitylist, idlist
from orgs.errors import InvalidArgumentsError, ParentNotFoundError
from orgs.models import Organization
from orgs.paths import org_path_clean


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

    @extend_schema(tags=[TAG], summary="List organizations",
                   parameters=[schema.ORG, *schema.list_params()],
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
        parameters=[schema.PARENT, *schema.organization_params(create=True)],
        responses={200: IDLIST, 409: schema.CONFLICT},
    )
    def post(self, request, path: str | None = None):
        params = self.params({"virtual", "organizationId", "friendlyName", "organizationType",
                              "organizationClass"}, custom=True)
        org = services.organization_create(
            parent=self.parent(path),
            organization_id=params.text("organizationId", required=True),
            friendly_name=params.text("friendlyName", required=True),
            organization_type=_org_type(params),
            virtual=params.flag("virtual"),  # 001's default: false
            attributes=params.attributes(),
        )
        return self.answer("org", [org.path])


class OrgRootView(OrgCollectionView):
    """`orgs/`: top-level organizations (GET), create one (POST, MOD001b)."""

    @extend_schema(tags=[TAG], summary="List top-level organizations",
                   parameters=schema.list_params(), responses={200: IDLIST},
                   operation_id="customerid_orgs_root_list")
    def get(self, request):
        return super().get(request)

    @extend_schema(
        tags=[TAG], summary="MOD001b Create Organization (top level)", request=None,
        operation_id="customerid_orgs_root_create",
        parameters=schema.organization_params(create=True),
        responses={200: IDLIST, 409: schema.CONFLICT},
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

    @extend_schema(tags=[TAG], summary="Read organization", parameters=[schema.ORG],
                   responses={200: ENTITYLIST}, operation_id="customerid_org_read")
    def get(self, request, path: str):
        self.params(set())
        org = self.org(path)
        return Response(entitylist([(self.url("org", org.path), "organization",
                                     _org_attributes(org))]))

    @extend_schema(
        tags=[TAG], summary="MOD003b Update Organization", request=None,
        operation_id="customerid_org_update",
        parameters=[schema.ORG, *schema.organization_params(create=False)],
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
                   parameters=[schema.ORG, schema.flag(
                       "recursive", "Also remove the sub-organizations (without it an "
                       "organization that has some is refused, 409).")],
                   responses={200: IDLIST, 409: schema.CONFLICT})
    def delete(self, request, path: str):
        params = self.params({"recursive"})
        removed = services.organization_delete(
            organization=self.org(path), recursive=params.flag("recursive"))
        return Response(idlist(
            [self.url("org", p) for p in removed.organizations]
            + [self.url("role", p) for p in removed.roles]
            + [self.url("user", p) for p in removed.users]
        ))
