"""Writes about identities, API clients and tenants. Each runs in a transaction and is audited."""

from __future__ import annotations

import secrets
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import check_password, is_password_usable
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from oauth2_provider.models import AccessToken, Application

from audit.models import ChangeRecord
from audit.services import audited, record, record_delete, save_recorded
from audit.states import MASK, SECRET_CHANGED, snapshot
from identities import reach
from identities.hooks import identities_deleting
from identities.models import TENANTS, Identity, Member, Tenant
from identities.reach import Realm
from identities.restrictions import restrictions_forget_member

Action = ChangeRecord.Action


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


def tenant_default() -> Tenant:
    return tenant_by_key(settings.TESSERA_DEFAULT_TENANT_KEY)


def tenant_by_key(key: str) -> Tenant:
    try:
        return Tenant.objects.get(key=key)
    except Tenant.DoesNotExist:
        raise ValidationError(f"Unknown tenant {key!r}.") from None


def tenant_ensure(*, key: str, name: str | None = None) -> tuple[Tenant, bool]:
    """The tenant `key`, created when missing (named `name`, else its key); an existing one
    takes `name` when given. Idempotent. True when it was created."""
    existing = Tenant.objects.filter(key=key).first()
    if existing is None:
        return tenant_create(key=key, name=name or key), True
    if name:
        tenant_update(tenant=existing, name=name)
    return existing, False


def tenant_create(*, key: str, name: str) -> Tenant:
    tenant = Tenant(key=key, name=name)
    tenant.full_clean()
    with transaction.atomic():
        tenant.save()
        record(action=Action.CREATE, instance=tenant)
    return tenant


def tenant_update(*, tenant: Tenant, name: str) -> Tenant:
    with transaction.atomic():
        current = Tenant.objects.select_for_update().get(pk=tenant.pk)
        before = snapshot(current)
        tenant.name = name
        tenant.full_clean()
        if current.name == name:
            return tenant  # nothing changed
        tenant.save(update_fields=["name"])
        record(action=Action.UPDATE, instance=tenant, before=before)
    return tenant


def access_token_revoke(*, token: AccessToken) -> None:
    """Revoke a bearer token (it stops authenticating at once) and record who did it."""
    with transaction.atomic():
        record_delete(token, action=Action.REVOKE)
        token.revoke()


def person_create(
    *,
    username: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    password: str | None = None,
    superuser: bool = False,
) -> Identity:
    """A person; with `superuser`, an operator who may use the admin. No password: unusable."""
    identity = Identity(
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        kind=Identity.Kind.PERSON,
        is_staff=superuser,
        is_superuser=superuser,
    )
    identity.set_password(password)
    identity.full_clean(exclude=["password"])
    with transaction.atomic():
        identity.save()
        record(action=Action.CREATE, instance=identity)
    return identity


def identity_save(*, identity: Identity, created: bool,
                  groups: Iterable[Group] | None = None,
                  user_permissions: Iterable[Permission] | None = None) -> Identity:
    """Save an identity edited as a whole (the admin's form) with its groups and permissions
    when given, recording before and after (those included); unchanged, nothing is written."""
    related = {name: rows for name, rows in (("groups", groups),
                                              ("user_permissions", user_permissions))
               if rows is not None}
    save_recorded(identity, created=created, related=related)
    return identity


def person_save(*, identity: Identity) -> Identity:
    """Save a person's identity row for a profile service of another context (a CustomerID
    user): that service records the change, its state holding the identity's fields."""
    identity.save()
    return identity


def identity_set_password(*, identity: Identity, password: str | None) -> Identity:
    """Set (or, with None, disable) an identity's password; the log says only that it changed.
    The password it already has (or disabling a disabled one) changes nothing: the hash is
    kept and nothing is written."""
    if password is None and not is_password_usable(identity.password):
        return identity
    if password is not None and is_password_usable(identity.password) and check_password(
            password, identity.password):
        return identity
    with transaction.atomic():
        identity.set_password(password)
        identity.save(update_fields=["password"])
        record(action=Action.UPDATE, instance=identity,
               before={"password": MASK},
               after={"password": SECRET_CHANGED if password else None})
    return identity


def identity_delete(*, identity: Identity) -> None:
    """Delete an identity for good; the change log keeps its last state as a tombstone. An API
    client's OAuth2 applications go first, each through `application_delete` (its tokens
    revoked and recorded, its tombstone written), and its grants are withdrawn, each
    recorded: neither by the database's cascade."""
    from identities.access_writes import application_delete  # it builds on this module

    with transaction.atomic(), audited():
        for application in Application.objects.filter(user=identity).order_by("pk"):
            application_delete(application=application)
        reach.grants_withdraw(identity)
        identities_deleting(Identity.objects.filter(pk=identity.pk).values("pk"))
        record_delete(identity)
        identity.delete()


def member_add(*, tenant: Tenant, identity: Identity) -> Member:
    with transaction.atomic():
        member, created = Member.objects.get_or_create(tenant=tenant, identity=identity)
        if created:
            record(action=Action.CREATE, instance=member)
    return member


def member_remove(*, member: Member) -> None:
    with transaction.atomic():
        restrictions_forget_member(member)
        record_delete(member)
        member.delete()
