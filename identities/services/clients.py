"""Writes about API clients and what they authenticate with: the service account and OAuth2
application of a client (`api_client_create`), its tokens, its applications and the permission
groups the console edits. Each in a transaction with its change records (many-to-many values
included, secrets masked)."""


from __future__ import annotations

import secrets
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from oauth2_provider.models import AccessToken, Application

from audit.models import ChangeRecord
from audit.services import audited, delete_recorded, record, record_delete, save_recorded
from audit.states import snapshot
from foundation import reach
from foundation.reach import Realm
from identities.models import TENANTS, Identity
from identities.services.tenants import tenant_default, tenant_ensure

Action = ChangeRecord.Action

# a group's tombstone names its permissions and the identities that were in it
GROUP_GONE = ("permissions", "user_set")


def group_save(*, group: Group, created: bool,
               permissions: Iterable[Permission] | None = None) -> Group:
    """Create or edit a group as a whole (its name, its permissions when given)."""
    related = {"permissions": permissions} if permissions is not None else {}
    save_recorded(group, created=created, related=related, clean=True)
    return group


def group_delete(*, group: Group) -> None:
    """Delete a group: its members lose what it gave them; its grants (tenants, namespaces,
    subtrees) are withdrawn first, each recorded; the tombstone keeps who its members were
    and its permissions."""
    with transaction.atomic(), audited():
        reach.grants_withdraw(group)
        delete_recorded(group, related=GROUP_GONE)


def application_update(*, application: Application) -> Application:
    """Save an OAuth2 application edited as a whole (redirect URIs, grant type, secret, …);
    the secret is stored hashed and recorded masked."""
    save_recorded(application, created=False, clean=False)
    return application


def application_delete(*, application: Application) -> None:
    """Delete an OAuth2 application: its tokens are revoked first (each recorded, as a
    revocation from the console is), then the application, with its tombstone. The service
    account it belonged to stays (delete that identity to end its HTTP Basic access too)."""
    with transaction.atomic(), audited():
        for token in AccessToken.objects.filter(application=application).order_by("pk"):
            access_token_revoke(token=token)
        delete_recorded(application)


@dataclass(frozen=True)
class ApiClientCredentials:
    """What a new API client needs to know; the secrets are shown once and stored hashed."""

    identity: Identity
    application: Application
    username: str
    password: str
    client_id: str
    client_secret: str

    def as_dict(self) -> dict[str, str]:
        return {
            "username": self.username,
            "password": self.password,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
        }


def permission_resolve(spec: str) -> Permission:
    """A permission named `app_label.codename` or by a bare codename (e.g. AUTHORISATION_VIEW)."""
    qs = Permission.objects.select_related("content_type")
    if "." in spec:
        app_label, codename = spec.split(".", 1)
        qs = qs.filter(content_type__app_label=app_label, codename=codename)
    else:
        qs = qs.filter(codename=spec)
    found = list(qs[:2])
    if not found:
        raise ValidationError(f"Unknown permission {spec!r}.")
    if len(found) > 1:
        raise ValidationError(f"Permission {spec!r} is ambiguous; write it as app_label.codename.")
    return found[0]


def _label(permission: Permission) -> str:
    return f"{permission.content_type.app_label}.{permission.codename}"


def api_client_create(
    *,
    name: str,
    permissions: Sequence[str] = (),
    all_permissions: bool = False,
    tenant_keys: Sequence[str] = (),
    confined: Collection[Realm] = (),
) -> ApiClientCredentials:
    """A service account and its OAuth2 confidential client (client-credentials grant).

    The client reaches the tenants named, or the default tenant when none are named. A realm
    in `confined` (the caller grants it objects one by one: namespaces, subtrees; tenants
    whenever `tenant_keys` are named) never gets its global reach permission, not even with
    `all_permissions`: a scope the operator names confines. Naming that global permission
    explicitly as well is a contradiction, refused.
    """
    if not name or len(name) > 150:
        raise ValidationError("An API client needs a name of 1 to 150 characters.")
    if Identity.objects.filter(username=name).exists():
        raise ValidationError(f"An identity named {name!r} already exists.")
    withheld = {realm.permission: realm for realm in confined}
    if tenant_keys:
        withheld[TENANTS.permission] = TENANTS
    explicit = [permission_resolve(p) for p in permissions]
    for permission in explicit:
        realm = withheld.get(_label(permission))
        if realm is not None:
            raise ValidationError(
                f"{_label(permission)} reaches every {realm.name}; it cannot be combined with "
                f"a scope that names {realm.name}s.")
    perms = explicit
    if all_permissions:
        perms = [p for p in Permission.objects.select_related("content_type")
                 if _label(p) not in withheld]
    password = secrets.token_urlsafe(32)
    client_secret = secrets.token_urlsafe(48)
    with transaction.atomic(), audited():
        # a tenant named that does not exist yet is created, as --namespace creates namespaces
        tenants = [tenant_ensure(key=key)[0] for key in tenant_keys] or [tenant_default()]
        identity = Identity(username=name, kind=Identity.Kind.SERVICE)
        identity.set_password(password)
        identity.save()
        identity.user_permissions.set(perms)
        application = Application(
            name=name,
            user=identity,
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
            client_secret=client_secret,
        )
        application.save()
        record(
            action=Action.CREATE,
            instance=identity,
            after={
                **snapshot(identity),
                "permissions": sorted(_label(p) for p in perms),
                "tenants": [t.key for t in tenants],
            },
        )
        record(action=Action.CREATE, instance=application)
        for tenant in tenants:
            reach.grant(identity, TENANTS, tenant)
    return ApiClientCredentials(
        identity=identity,
        application=application,
        username=name,
        password=password,
        client_id=application.client_id,
        client_secret=client_secret,
    )


def access_token_revoke(*, token: AccessToken) -> None:
    """Revoke a bearer token (it stops authenticating at once) and record who did it."""
    with transaction.atomic():
        record_delete(token, action=Action.REVOKE)
        token.revoke()
