"""Authentication shared by every API: OAuth2 bearer tokens and HTTP Basic for service accounts.

Both name the authenticated identity (and its OAuth2 client) as the actor of the request's
writes. A client-credentials token acts as its client's service account (see identities.oauth).
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.utils.crypto import constant_time_compare
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from oauth2_provider.models import AccessToken
from rest_framework.authentication import (
    BaseAuthentication,
    BasicAuthentication,
    get_authorization_header,
)
from rest_framework.exceptions import AuthenticationFailed

from audit import context as scope


class BearerAuthentication(BaseAuthentication):
    """An access token from /oauth/token/, looked up by its SHA-256 checksum in one query.

    django-oauth-toolkit's own DRF class parses the request body while it looks for a token
    (a non-JSON body then fails before authentication) and does not refuse tokens of
    deactivated accounts; this one reads the header only and does both checks.
    """

    keyword = b"bearer"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise AuthenticationFailed("The Authorization header must be 'Bearer <token>'.")
        checksum = hashlib.sha256(parts[1]).hexdigest()
        token = (
            AccessToken.objects.select_related("user", "application")
            .filter(token_checksum=checksum)
            .first()
        )
        if token is None or not token.is_valid():
            raise AuthenticationFailed("The access token is invalid, expired or revoked.")
        user = token.user or (token.application.user if token.application else None)
        if user is None or not user.is_active:
            raise AuthenticationFailed("The access token's client is disabled.")
        scope.set_actor(user, client_id=token.application.client_id if token.application else "")
        return user, token

    def authenticate_header(self, request):
        return 'Bearer realm="tessera"'


class ServiceBasicAuthentication(BasicAuthentication):
    """HTTP Basic with a short memory of verified credentials.

    An Argon2 check costs ~0.1 s, too much to pay on every call of an integration that uses
    Basic. Credentials that verified are remembered for BASIC_AUTH_CACHE_SECONDS in this
    process's memory, under an HMAC of username and password, together with the password hash
    they matched: a changed password or a deactivated account stops matching at once. Failed
    attempts are never remembered, so guessing still pays the full price.
    """

    www_authenticate_realm = "tessera"

    def authenticate_credentials(self, userid, password, request=None):
        cache = caches["auth"]
        key = "basic:" + hmac.new(
            settings.SECRET_KEY.encode(), f"{userid}\0{password}".encode(), hashlib.sha256
        ).hexdigest()
        remembered = cache.get(key)
        user = None
        if remembered is not None:
            pk, password_hash = remembered
            candidate = get_user_model().objects.filter(pk=pk, is_active=True).first()
            if candidate is not None and constant_time_compare(candidate.password, password_hash):
                user = candidate
        if user is None:
            user, _ = super().authenticate_credentials(userid, password, request)
            cache.set(key, (user.pk, user.password), settings.BASIC_AUTH_CACHE_SECONDS)
        scope.set_actor(user, client_id="")
        return user, None


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
