"""The Ainua Accounts and Users integration APIs: write-only PATCH maps (spec 000).

Bearer tokens only: the token's OAuth2 application is the connector, the namespace of every
external id. Each view parses, checks the body's shape, calls one service and answers its
summary; every other method answers 405.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services
from accounts.api import schema
from accounts.validation import accounts_clean, user_ids_clean, users_clean
from foundation.api.permissions import RequiredPermission
from foundation.api.reach import NoRealm, ReachPermission
from identities.api.authentication import BearerAuthentication

BEARER_ONLY = ("This API takes a Bearer token (OAuth2 client credentials from /oauth/token/): "
               "the token's client is the connector.")


class AinuaSchema(AutoSchema):
    """One operation id per prefix: the view's, with `_legacy` under /integrations/v1/."""

    def get_operation_id(self):
        base = self.view.operation_id
        return base if self.path.startswith("/api/") else f"{base}_legacy"

    def _get_request_body(self, direction="request"):
        """The body is required (drf-spectacular leaves a hand-written schema optional)."""
        body = super()._get_request_body(direction)
        if body is not None:
            body["required"] = True
        return body


class AinuaView(APIView):
    """What the three maps share: Bearer only, PATCH only, problem errors, permissions."""

    authentication_classes = [BearerAuthentication]
    permission_classes = [RequiredPermission, ReachPermission]
    reach_realm = NoRealm("write-only maps that read no rows of a realm: every write is "
                          "confined to the token's connector (its OAuth2 application), the "
                          "namespace of the external ids")
    http_method_names = ["patch", "options"]
    error_style = "problem"
    required_permissions: dict[str, str] = {}
    schema = AinuaSchema()
    operation_id = ""

    def permission_denied(self, request, message=None, code=None):
        if request.authenticators and not request.successful_authenticator:
            raise exceptions.NotAuthenticated(BEARER_ONLY)
        super().permission_denied(request, message, code)

    def connector_id(self) -> int:
        return self.request.auth.application_id

    def clean(self, check):
        """The body, checked (a missing body is not an empty map)."""
        if self.request.stream is None:
            raise exceptions.ValidationError({"body": ["A JSON body is required."]})
        try:
            return check(self.request.data)
        except ValidationError as error:
            raise exceptions.ValidationError(error.message_dict) from None


class AccountsView(AinuaView):
    """Accounts by this connector's external account id; `null` removes this connector's
    binding (the account goes with its last one). Accounts with the same common id are one."""

    operation_id = "ainua_accounts_patch"
    required_permissions = {"PATCH": "accounts.change_account"}

    @extend_schema(
        tags=[schema.TAG],
        summary="Add, change or remove this connector's accounts",
        request={"application/json": schema.ACCOUNTS_BODY}, responses={200: schema.OK},
        examples=[schema.ACCOUNTS_EXAMPLE])
    def patch(self, request):
        entries = self.clean(accounts_clean)
        summary = services.accounts_patch(connector_id=self.connector_id(), entries=entries)
        return Response(summary.as_dict())


class AccountUsersView(AinuaView):
    """The complete set of this connector's users of the account. Users the Users API has
    not named yet are kept pending; each bound user may act for the account (an authorisation
    of type account-user in namespace ainua)."""

    operation_id = "ainua_account_users_patch"
    required_permissions = {"PATCH": "accounts.change_accountuser"}

    @extend_schema(
        tags=[schema.TAG],
        summary="Set this connector's users of an account",
        parameters=[schema.ACCOUNT_ID], request={"application/json": schema.USERS_LIST_BODY},
        responses={200: schema.OK}, examples=[schema.USERS_LIST_EXAMPLE])
    def patch(self, request, account_id: str):
        external_ids = self.clean(user_ids_clean)
        account = services.account_of_connector(connector_id=self.connector_id(),
                                                account_id=account_id)
        summary = services.account_users_set(connector_id=self.connector_id(),
                                             account=account, external_ids=external_ids)
        return Response(summary.as_dict())


class UsersView(AinuaView):
    """The connector's users (the vendor's Users API): users of every connector with the
    same email (in any case) are one identity; their bindings follow it."""

    operation_id = "ainua_users_patch"
    required_permissions = {"PATCH": "identities.change_externalidentity"}

    @extend_schema(
        tags=[schema.TAG],
        summary="Add, change or remove this connector's users (merged by email)",
        request={"application/json": schema.USERS_BODY}, responses={200: schema.OK},
        examples=[schema.USERS_EXAMPLE])
    def patch(self, request):
        entries = self.clean(users_clean)
        summary = services.users_patch(connector_id=self.connector_id(), entries=entries)
        return Response(summary.as_dict())
