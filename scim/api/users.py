"""/Users (RFC 7644 §3): create, read, list and search, replace, PATCH, delete. Each view
parses the request with scim2-models, finds the user within the token's subtree (anything
else is 404), calls one service and answers the user as a read answers it."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from scim2_models import Context, InvalidSyntaxException, PatchOp, ResponseParameters

from orgs.models import OrgUser
from scim.api import schema
from scim.api.base import TAG, ScimView
from scim.api.listing import Listing
from scim.errors import UserNotFoundError
from scim.mapping import resource_of
from scim.queries.users import user_find, users_page
from scim.resources import LIST_SCHEMA, UserResource
from scim.services.users import (
    scim_user_create,
    scim_user_delete,
    scim_user_patch,
    scim_user_replace,
    version_matches,
)

Selection = ResponseParameters[UserResource]


class UserViewBase(ScimView):
    def location(self, user: OrgUser) -> str:
        return f"{self.base_url()}/Users/{user.pk}"

    def selection(self, source: dict[str, Any] | None = None) -> Selection:
        """`attributes` / `excludedAttributes` of the query string (or a search body)."""
        given = source if source is not None else self.request.query_params
        return Selection.model_validate({key: given.get(key) for key in (
            "attributes", "excludedAttributes") if given.get(key)})

    def dump(self, doc: dict[str, Any], selection: Selection, context: Context
             ) -> dict[str, Any]:
        """A user (`scim.mapping.resource_of`) as an answer holds it: what `selection` asks
        for of what `context` returns (never the password)."""
        return UserResource.model_validate(doc).model_dump(scim_ctx=context,
                                                           response_parameters=selection)

    def answer(self, user: OrgUser, context: Context, status: int = 200) -> Response:
        doc = resource_of(user, location=self.location(user))
        headers = {"ETag": doc["meta"]["version"]}
        if status == 201:
            headers["Location"] = doc["meta"]["location"]
        return Response(self.dump(doc, self.selection(), context), status=status,
                        headers=headers)

    def body(self) -> dict[str, Any]:
        data = self.request.data
        if not isinstance(data, dict):
            raise InvalidSyntaxException(detail="The body must be a JSON object.")
        return data

    def listed(self, listing: Listing) -> Response:
        page = users_page(self.organization, filter=listing.filter, sort_by=listing.sort_by,
                          descending=listing.descending, start=listing.start,
                          count=listing.count)
        resources = [self.dump(resource_of(user, location=self.location(user)),
                               listing.selection, Context.SEARCH_RESPONSE)
                     for user in page.users]
        return Response({"schemas": [LIST_SCHEMA], "totalResults": page.total,
                         "itemsPerPage": len(resources), "startIndex": listing.start,
                         "Resources": resources})


class UsersView(UserViewBase):
    http_method_names = ["get", "post", "options"]

    @extend_schema(tags=[TAG], operation_id="scim_users_list", summary="List or filter users",
                   parameters=schema.LIST_PARAMETERS, responses={200: schema.USER_LIST})
    def get(self, request):
        return self.listed(Listing.of_query(request.query_params, self.selection()))

    @extend_schema(tags=[TAG], operation_id="scim_users_create", summary="Create a user",
                   parameters=schema.SELECTION, request=schema.bodies(schema.USER_BODY),
                   responses={201: schema.USER_ANSWER, 409: schema.CONFLICT},
                   examples=[schema.CREATE_EXAMPLE])
    def post(self, request):
        context = Context.RESOURCE_CREATION_REQUEST
        resource = UserResource.model_validate(self.body(), scim_ctx=context)
        user = scim_user_create(organization=self.organization,
                                resource=resource.model_dump(scim_ctx=context))
        return self.answer(user, Context.RESOURCE_CREATION_RESPONSE, status=201)


class UsersSearchView(UserViewBase):
    http_method_names = ["post", "options"]

    @extend_schema(tags=[TAG], operation_id="scim_users_search",
                   summary="Search users (a query in the body)",
                   request=schema.bodies(schema.SEARCH_BODY), responses={200: schema.USER_LIST})
    def post(self, request):
        body = self.body()
        return self.listed(Listing.of_search(body, self.selection(body)))


class UserView(UserViewBase):
    http_method_names = ["get", "put", "patch", "delete", "options"]

    def user(self, user_id: str) -> OrgUser:
        user = user_find(self.organization, user_id)
        if user is None:
            raise UserNotFoundError(f"No user {user_id[:100]!r} in this organization.")
        return user

    def if_match(self) -> str | None:
        return self.request.headers.get("If-Match")

    @extend_schema(tags=[TAG], operation_id="scim_user_read", summary="Read a user",
                   parameters=[schema.USER_ID, schema.IF_NONE_MATCH, *schema.SELECTION],
                   responses={200: schema.USER_ANSWER, 304: schema.NOT_MODIFIED})
    def get(self, request, user_id: str):
        user = self.user(user_id)
        none_match = request.headers.get("If-None-Match")
        if none_match and version_matches(user, none_match):
            return Response(status=304, headers={"ETag": resource_of(
                user, location="")["meta"]["version"]})
        return self.answer(user, Context.RESOURCE_QUERY_RESPONSE)

    @extend_schema(tags=[TAG], operation_id="scim_user_replace", summary="Replace a user",
                   parameters=[schema.USER_ID, schema.IF_MATCH, *schema.SELECTION],
                   request=schema.bodies(schema.USER_BODY),
                   responses={200: schema.USER_ANSWER, 409: schema.CONFLICT,
                              412: schema.PRECONDITION_FAILED})
    def put(self, request, user_id: str):
        user = self.user(user_id)
        context = Context.RESOURCE_REPLACEMENT_REQUEST
        resource = UserResource.model_validate(self.body(), scim_ctx=context)
        user = scim_user_replace(user=user, resource=resource.model_dump(scim_ctx=context),
                                 if_match=self.if_match())
        return self.answer(user, Context.RESOURCE_REPLACEMENT_RESPONSE)

    @extend_schema(tags=[TAG], operation_id="scim_user_patch", summary="Change a user",
                   parameters=[schema.USER_ID, schema.IF_MATCH, *schema.SELECTION],
                   request=schema.bodies(schema.PATCH_BODY),
                   responses={200: schema.USER_ANSWER, 409: schema.CONFLICT,
                              412: schema.PRECONDITION_FAILED},
                   examples=[schema.PATCH_EXAMPLE])
    def patch(self, request, user_id: str):
        user = self.user(user_id)
        patch = PatchOp[UserResource].model_validate(
            self.body(), scim_ctx=Context.RESOURCE_PATCH_REQUEST)
        user = scim_user_patch(user=user, patch=patch, if_match=self.if_match())
        return self.answer(user, Context.RESOURCE_PATCH_RESPONSE)

    @extend_schema(tags=[TAG], operation_id="scim_user_delete", summary="Delete a user",
                   parameters=[schema.USER_ID, schema.IF_MATCH],
                   responses={204: None, 412: schema.PRECONDITION_FAILED})
    def delete(self, request, user_id: str):
        scim_user_delete(user=self.user(user_id), if_match=self.if_match())
        return Response(status=204)


class RootSearchView(UsersSearchView):
    """POST /.search (RFC 7644 §3.4.3): a search of every resource type the service serves,
    which is Users alone."""

    @extend_schema(tags=[TAG], operation_id="scim_search",
                   summary="Search every resource type (Users)",
                   request=schema.bodies(schema.SEARCH_BODY), responses={200: schema.USER_LIST})
    def post(self, request):
        return super().post(request)
