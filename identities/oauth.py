"""OAuth2 glue and the one rule of who may authenticate to the APIs: an API client.

An API client is an active service account (`Identity.kind == "service"`) with its OAuth2
application. People (and a service account whose application is gone) never authenticate to
an API, whatever their password: a person's password serves the product's own sign-in only.
Every path asks this module: the token endpoint (`ServiceAccountValidator`), HTTP Basic
(`api_client_verify`, `api_client_recall`) and the Bearer lookup (which holds the same rule
in its SQL and `is_api_client`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import connection
from django.db.models import Q
from django.utils.crypto import constant_time_compare
from oauth2_provider.models import Application
from oauth2_provider.oauth2_validators import OAuth2Validator

from identities.models import Identity

# The one grant Tessera issues tokens for (the password grant would let a person's password
# buy an API token).
GRANT_TYPE = "client_credentials"


class ServiceAccountValidator(OAuth2Validator):
    """Tokens for API clients only, stamped with the client's service account.

    django-oauth-toolkit leaves client-credentials tokens without a user; Tessera's permissions
    and object grants are the service account's, so the token carries it and authentication
    needs no extra query to find it. A client whose service account is deactivated (or is a
    person's) fails client authentication (`invalid_client`), and only the client-credentials
    grant is allowed (`unauthorized_client` otherwise).
    """

    def authenticate_client(self, request, *args, **kwargs):
        return (super().authenticate_client(request, *args, **kwargs)
                and is_api_client(request.client.user if request.client.user_id else None))

    def validate_grant_type(self, client_id, grant_type, client, request, *args, **kwargs):
        return grant_type == GRANT_TYPE and super().validate_grant_type(
            client_id, grant_type, client, request, *args, **kwargs)

    def _create_access_token(self, expires, request, token, source_refresh_token=None):
        if request.grant_type == GRANT_TYPE and request.client.user_id:
            request.user = request.client.user
        return super()._create_access_token(expires, request, token, source_refresh_token)


def is_api_client(identity: Identity | None) -> bool:
    """May this identity act on an API (its application is checked by the caller's query)?"""
    return identity is not None and identity.is_active and identity.is_service_account


def _client_secret_matches(application: Application, secret: str) -> bool:
    """django-oauth-toolkit's own check of a (hashed, or legacy plain) client secret."""
    return ServiceAccountValidator()._check_secret(secret, application.client_secret)


@dataclass(frozen=True)
class ApiClientMatch:
    """Credentials that named an API client: who acts, as which OAuth2 client id ("" when the
    service account's password matched), and `memo`, what `api_client_recall` needs to
    recognise the same credentials again with one query (the stored hash they matched)."""

    identity: Identity
    client_id: str
    memo: tuple[str, str, str]


def api_client_verify(identifier: str, secret: str) -> ApiClientMatch | None:
    """The API client that HTTP Basic credentials name, or None.

    `identifier` is an OAuth2 client id (then `secret` is its client secret, as the vendor
    SDKs send them) or a service account's username (then its password). One query finds
    both kinds; one hash is checked (a dummy one when nothing matches, so a miss costs what a
    hit costs). The client-id match wins when both would (client ids are random strings).
    """
    candidates = list(
        Application.objects.select_related("user")
        .filter(Q(client_id=identifier)
                | Q(user__username=identifier, user__kind=Identity.Kind.SERVICE))
        .order_by("pk")[:2]
    )
    by_client = next((a for a in candidates if a.client_id == identifier), None)
    if by_client is not None:
        if _client_secret_matches(by_client, secret) and is_api_client(by_client.user):
            return ApiClientMatch(by_client.user, by_client.client_id,
                                  ("client", str(by_client.pk), by_client.client_secret))
        return None
    if not candidates:
        make_password(secret)  # as Django's ModelBackend does for an unknown username
        return None
    identity = candidates[0].user
    if identity.check_password(secret) and is_api_client(identity):
        return ApiClientMatch(identity, "", ("user", str(identity.pk), identity.password))
    return None


def api_client_recall(memo: tuple[str, str, str]) -> ApiClientMatch | None:
    """The API client of credentials verified before, if it still is one and its password or
    secret is still the one they matched (a change or deactivation counts at once).

    One statement written out once per process (the Bearer lookup's reason: compiling the
    equivalent ORM query cost about twice running it, on every request that uses Basic)."""
    kind, pk, stored = memo
    if kind == "client":
        params = [int(pk)]
    else:
        params = [Identity._meta.pk.get_db_prep_value(uuid.UUID(pk), connection)]
    identity = next(iter(Identity.objects.raw(_recall_sql(kind),
                                              [*params, True, Identity.Kind.SERVICE])), None)
    if identity is None or not constant_time_compare(identity.recalled_hash, stored):
        return None
    return ApiClientMatch(identity, identity.recalled_client_id or "", memo)


_RECALL_SQL: dict[str, str] = {}


def _recall_sql(kind: str) -> str:
    if kind not in _RECALL_SQL:
        users, apps = Identity._meta.db_table, Application._meta.db_table
        pk = Identity._meta.pk.column
        if kind == "client":  # the application by its id, and its service account
            sql = (f"SELECT u.*, a.client_id AS recalled_client_id, "
                   f"a.client_secret AS recalled_hash "
                   f"FROM {apps} a JOIN {users} u ON u.{pk} = a.user_id "
                   f"WHERE a.{Application._meta.pk.column} = %s "
                   f"AND u.is_active = %s AND u.kind = %s")
        else:  # the service account by its id, while it has an application
            sql = (f"SELECT u.*, NULL AS recalled_client_id, u.password AS recalled_hash "
                   f"FROM {users} u "
                   f"WHERE u.{pk} = %s AND u.is_active = %s AND u.kind = %s "
                   f"AND EXISTS (SELECT 1 FROM {apps} a WHERE a.user_id = u.{pk})")
        _RECALL_SQL[kind] = sql
    return _RECALL_SQL[kind]
