"""Authentication shared by every API: OAuth2 bearer tokens and HTTP Basic for service accounts.

Both name the authenticated identity (and its OAuth2 client) as the actor of the request's
writes. A client-credentials token acts as its client's service account (see identities.oauth).
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from oauth2_provider.contrib.rest_framework import OAuth2Authentication
from rest_framework.authentication import BasicAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from audit import context as scope


class BearerAuthentication(OAuth2Authentication):
    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            user, token = result
            if user is None:
                # A token issued before its client had a service account: act as that account.
                user = token.application.user
                if user is None:
                    return None
            scope.set_actor(user, client_id=token.application.client_id)
            return user, token
        if get_authorization_header(request)[:7].lower() == b"bearer ":
            raise AuthenticationFailed("The access token is invalid, expired or revoked.")
        return None

    def authenticate_header(self, request):
        return 'Bearer realm="tessera"'


class ServiceBasicAuthentication(BasicAuthentication):
    www_authenticate_realm = "tessera"

    def authenticate_credentials(self, userid, password, request=None):
        user, auth = super().authenticate_credentials(userid, password, request)
        scope.set_actor(user, client_id="")
        return user, auth


class BearerScheme(OpenApiAuthenticationExtension):
    target_class = "config.api.authentication.BearerAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An OAuth2 access token from POST /oauth/token/ (client credentials).",
        }


class BasicScheme(OpenApiAuthenticationExtension):
    target_class = "config.api.authentication.ServiceBasicAuthentication"
    name = "basicAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "basic",
            "description": "The API client's service-account username and password.",
        }
