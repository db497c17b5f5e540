"""Authentication shared by every API: OAuth2 bearer tokens and HTTP Basic, for API clients only.

Both name the authenticated identity (and its OAuth2 client) as the actor of the request's
writes. A client-credentials token acts as its client's service account; who counts as an API
client is `identities.oauth`'s rule. Failed attempts are throttled (`foundation.api.lockout`).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from oauth2_provider.models import AccessToken
from rest_framework.authentication import (
    BaseAuthentication,
    BasicAuthentication,
    get_authorization_header,
)
from rest_framework.exceptions import AuthenticationFailed, Throttled

from audit import context as scope
from foundation.api import lockout
from foundation.consistency.route import primary
from identities.oauth import api_client_recall, api_client_verify, is_api_client


class CredentialsRefused(AuthenticationFailed):
    """Credentials that named a client identifier and failed (already counted against it)."""


def refuse_if_locked(attempt: lockout.Attempt) -> None:
    """429 with Retry-After while the attempt's identifier or address is locked out."""
    wait = lockout.locked_for(attempt)
    if wait:
        raise_throttled(wait)


def raise_throttled(wait: int) -> None:
    raise Throttled(wait=wait, detail=(
        f"Too many failed authentication attempts; try again in {wait} seconds."))


class BearerAuthentication(BaseAuthentication):
    """An access token from /oauth/token/, looked up by its SHA-256 checksum in one query.

    django-oauth-toolkit's own DRF class parses the request body while it looks for a token
    (a non-JSON body then fails before authentication) and does not refuse tokens of
    deactivated accounts; this one reads the header only and does both checks.

    The lookup is one statement written out (token, its application's client id and the
    identity it acts as), not an ORM query: compiling the select_related query cost several
    times running it, on every API request. A token acts only as its application's service
    account (`identities.oauth`): a token without an application, one whose application
    changed hands, a person's, a revoked one (DOT deletes it), an expired one or one of a
    deactivated account is refused on the request that presents it; nothing is cached.
    Failures count against the caller's address (`foundation.api.lockout`).
    """

    keyword = b"bearer"
    _sql: str | None = None

    @classmethod
    def lookup_sql(cls) -> str:
        if cls._sql is None:
            user_model = get_user_model()
            app_model = AccessToken._meta.get_field("application").related_model
            cls._sql = (
                f"SELECT u.*, t.id AS bearer_token_id, t.user_id AS bearer_user_id, "
                f"t.application_id AS bearer_application_id, t.expires AS bearer_expires, "
                f"t.scope AS bearer_scope, a.client_id AS bearer_client_id "
                f"FROM {AccessToken._meta.db_table} t "
                f"JOIN {app_model._meta.db_table} a ON a.id = t.application_id "
                f"JOIN {user_model._meta.db_table} u ON u.{user_model._meta.pk.column} = a.user_id "
                f"WHERE t.token_checksum = %s AND (t.user_id IS NULL OR t.user_id = a.user_id)"
            )
        return cls._sql

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        attempt = lockout.Attempt.of(request)
        refuse_if_locked(attempt)
        try:
            with primary():  # a revoked token is refused at once, whatever the replica's lag
                return self._verify(parts)
        except AuthenticationFailed:
            lockout.failed(attempt)
            raise

    def _verify(self, parts: list[bytes]):
        if len(parts) != 2:
            raise AuthenticationFailed("The Authorization header must be 'Bearer <token>'.")
        checksum = hashlib.sha256(parts[1]).hexdigest()
        user = next(iter(get_user_model().objects.raw(self.lookup_sql(), [checksum])), None)
        token = None
        if user is not None:
            token = AccessToken(id=user.bearer_token_id, user_id=user.bearer_user_id,
                                application_id=user.bearer_application_id,
                                expires=_aware(user.bearer_expires), scope=user.bearer_scope)
        if token is None or not token.is_valid():
            raise AuthenticationFailed("The access token is invalid, expired or revoked.")
        if not is_api_client(user):
            raise AuthenticationFailed("The access token's client is disabled.")
        if token.user_id is not None:
            token.user = user
        scope.set_actor(user, client_id=user.bearer_client_id or "")
        return user, token

    def authenticate_header(self, request):
        return 'Bearer realm="tessera"'


def _aware(value):
    """A raw column's date-time as Django reads it (SQLite answers a naive UTC string)."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    return value


class ServiceBasicAuthentication(BasicAuthentication):
    """HTTP Basic for API clients, with a short memory of verified credentials.

    The credentials are a service account's username and password, or an OAuth2 client's id
    and secret (what the vendor SDKs send); a person's never (`identities.oauth`). An Argon2
    check costs ~0.1 s, too much to pay on every call of an integration that uses Basic.
    Credentials that verified are remembered for BASIC_AUTH_CACHE_SECONDS in this process's
    memory, under an HMAC of identifier and secret, together with the hash they matched: a
    changed password or secret, a deactivated account or a deleted application stops matching
    at once. Failed attempts are never remembered, so guessing still pays the full price, and
    they count towards a lockout (`foundation.api.lockout`), which refuses even the right
    credentials before any hash is checked.
    """

    www_authenticate_realm = "tessera"

    def authenticate(self, request):
        try:
            return super().authenticate(request)
        except CredentialsRefused:
            raise
        except AuthenticationFailed:  # a malformed header: it names no identifier
            lockout.failed(lockout.Attempt.of(request))
            raise

    def authenticate_credentials(self, userid, password, request=None):
        with primary():  # a changed secret or deactivated client counts at once
            return self._credentials(userid, password, request)

    def _credentials(self, userid, password, request):
        attempt = lockout.Attempt.of(request, userid)
        refuse_if_locked(attempt)
        cache = caches["auth"]
        key = "basic:" + hmac.new(
            settings.SECRET_KEY.encode(), f"{userid}\0{password}".encode(), hashlib.sha256
        ).hexdigest()
        match = _recall(cache, key)
        if match is None:
            admission = lockout.admit(attempt)
            if admission.wait:
                raise_throttled(admission.wait)
            try:  # after waiting for other checks, the credentials may be remembered now
                match = ((admission.waited and _recall(cache, key))
                         or api_client_verify(userid, password))
            except BaseException:
                admission.release()
                raise
            if match is None:
                admission.failed()
                raise CredentialsRefused("Invalid username/password.")
            admission.release()
            cache.set(key, match.memo, settings.BASIC_AUTH_CACHE_SECONDS)
        scope.set_actor(match.identity, client_id=match.client_id)
        return match.identity, None


def _recall(cache, key: str):
    remembered = cache.get(key)
    return api_client_recall(remembered) if remembered is not None else None


class ChallengeEveryScheme:
    """A view mixin: a 401 challenges every scheme the view takes, in its authenticators' order
    (one `WWW-Authenticate` listing them, RFC 9110 §11.6.1), where DRF names only the first.
    For a surface whose clients use either, e.g. onePortal (the vendor SDK sends Basic)."""

    def get_authenticate_header(self, request):
        challenges = [a.authenticate_header(request) for a in self.get_authenticators()]
        return ", ".join(c for c in challenges if c) or None


class BearerScheme(OpenApiAuthenticationExtension):
    target_class = "identities.api.authentication.BearerAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An OAuth2 access token from POST /oauth/token/ (client credentials).",
        }


class BasicScheme(OpenApiAuthenticationExtension):
    target_class = "identities.api.authentication.ServiceBasicAuthentication"
    name = "basicAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "basic",
            "description": ("An API client's service-account username and password, or its "
                            "OAuth2 client id and client secret."),
        }
