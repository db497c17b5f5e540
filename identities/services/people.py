"""Writes of persons: an identity created, saved, given a password or deleted (the console, the
commands, other contexts' profiles), and the DFS identity calls (spec 003): create an identity
with its membership of the client's tenant, change its attributes by `Update<Field>` flags, set
or change its password.

Each runs in one transaction under the audit context given (a client's `AuditContextId`) or an
implicit one, and leaves a change record of every row it changes; an unchanged write writes
nothing. Refusals are `UnprocessableError`s naming the field (422 on the additiv surfaces).
"""


from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import password_validation
from django.contrib.auth.hashers import check_password, is_password_usable
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import IntegrityError, transaction
from oauth2_provider.models import Application

from audit.models import AuditContext, ChangeRecord
from audit.services import audited, record, record_delete, save_recorded
from audit.states import MASK, SECRET_CHANGED, raw_state, secrets_changed, snapshot
from core.patterns import USERNAME, USERNAME_MAX_LENGTH, matches
from foundation import reach
from identities.errors import UnprocessableError
from identities.models import (
    BankBranch,
    Identity,
    IdentityProvider,
    IdentityRole,
    Salutation,
    Tenant,
)
from identities.queries import identity_role_default, usernames_taken
from identities.services.hooks import identities_deleting
from identities.services.tenants import UNSET, member_upsert

Action = ChangeRecord.Action


# wire name → model field, for the references a body names by id
REFERENCES: dict[str, tuple[str, type]] = {
    "SalutationId": ("salutation_id", Salutation),
    "BankBranchId": ("bank_branch_id", BankBranch),
    "IdentityRoleId": ("identity_role_id", IdentityRole),
}
# the identity's own attributes an update may change (model field → wire name)
ATTRIBUTES: dict[str, str] = {
    "first_name": "FirstName", "last_name": "LastName", "email": "Email",
    "description": "Description", "phone": "Phone", "fax": "Fax", "mobile": "Mobile",
    "url": "Url", "external_id": "ExternalId", "username": "UserName",
    "salutation_id": "SalutationId", "bank_branch_id": "BankBranchId",
    "identity_role_id": "IdentityRoleId", "is_active": "IsSignInEnabled",
}
REFERENCES_FIELDS = {field: wire for wire, (field, _) in REFERENCES.items()}
ATTRIBUTES_TEXT = {"first_name", "last_name", "email", "description", "phone", "fax",
                   "mobile", "url"}
LOCAL_PROVIDER = 1  # the seeded provider "Tessera" (identities 0007)
_email = EmailValidator()


@dataclass(frozen=True)
class PasswordChange:
    """`SetNewPassword` / `ChangePassword` of an update; `old` is checked when `verify`."""

    password: str | None
    confirm: str | None
    old: str | None = None
    verify: bool = False


def identity_create(
    *,
    tenant: Tenant,
    username: str | None,
    identity_role_id: int | None,
    attributes: Mapping[str, Any],
    password: str | None = None,
    context: AuditContext | None = None,
) -> Identity:
    """A person (`POST /v1.0/identities`) and its member of `tenant` with `identity_role_id`
    (None or 0: the default role, `queries.identity_role_default`); `attributes` are model
    fields of ATTRIBUTES (text None = empty). Sign-in enabled."""
    if not identity_role_id:
        default = identity_role_default()
        identity_role_id = default.pk if default else None
    values = {name: _cleared(name, value) for name, value in attributes.items()}
    identity = Identity(kind=Identity.Kind.PERSON, is_active=True, **values)
    identity.username = _username(username, identity=None)
    identity.identity_role_id = identity_role_id
    _references_check(identity, ["salutation_id", "bank_branch_id", "identity_role_id"])
    _email_check(identity.email)
    _external_id_check(identity.external_id, identity=None)
    if IdentityProvider.objects.filter(pk=LOCAL_PROVIDER).exists():
        identity.identity_provider_id = LOCAL_PROVIDER
    if password is None:
        identity.set_unusable_password()
    else:
        _password_check(password, identity, field="Password")
        identity.set_password(password)
    try:
        with transaction.atomic(), audited(context):
            identity.save(force_insert=True)
            record(action=Action.CREATE, instance=identity)
            member_upsert(tenant=tenant, identity=identity, role_id=identity_role_id,
                          is_enabled=True)
    except IntegrityError:
        _taken_meanwhile(identity, None)
        raise
    return identity


def identity_update(
    *,
    identity: Identity,
    changes: Mapping[str, Any],
    tenant: Tenant | None,
    tenant_access: bool | object = UNSET,
    password: PasswordChange | None = None,
    context: AuditContext | None = None,
) -> Identity:
    """Apply the flagged changes of `PATCH /v1.0/identities/{id}`: `changes` holds only the
    fields whose flag is true (model fields of ATTRIBUTES; None clears). The role and
    `tenant_access` also apply to the member of `tenant` (the client's default tenant),
    made when missing."""
    try:
        return _update(identity=identity, changes=changes, tenant=tenant,
                       tenant_access=tenant_access, password=password, context=context)
    except IntegrityError:
        _taken_meanwhile(Identity(pk=identity.pk, **{
            k: v for k, v in changes.items() if k in ("username", "external_id")}), identity)
        raise


def _update(*, identity: Identity, changes: Mapping[str, Any], tenant: Tenant | None,
            tenant_access: bool | object, password: PasswordChange | None,
            context: AuditContext | None) -> Identity:
    with transaction.atomic(), audited(context):
        current = Identity.objects.select_for_update().get(pk=identity.pk)
        before_raw, before = raw_state(current), snapshot(current)
        for name, value in changes.items():
            setattr(current, name, _cleared(name, value))
        if "username" in changes:
            current.username = _username(changes["username"], identity=current)
        _references_check(current, [n for n in REFERENCES_FIELDS if n in changes])
        if "email" in changes:
            _email_check(current.email)
        if "external_id" in changes:
            _external_id_check(current.external_id, identity=current)
        if password is not None:
            _password_apply(current, password)
        if raw_state(current) != before_raw:
            current.save()
            record(action=Action.UPDATE, instance=current, before=before,
                   after={**snapshot(current), **secrets_changed(before_raw, current)})
        member_changes = {}
        if "identity_role_id" in changes:
            member_changes["role_id"] = changes["identity_role_id"]
        if tenant_access is not UNSET:
            member_changes["is_enabled"] = tenant_access
        if member_changes:
            if tenant is None:
                raise UnprocessableError("IsTenantAccessEnabled",
                                         "The client has no default tenant.")
            member_upsert(tenant=tenant, identity=current, **member_changes)
    return current


def _cleared(name: str, value: Any) -> Any:
    """A flagged field sent as null: empty text, no reference (booleans are never null)."""
    if value is None and name in ATTRIBUTES_TEXT:
        return ""
    if name == "external_id" and value == "":
        return None
    return value


def _taken_meanwhile(wanted: Identity, owner: Identity | None) -> None:
    """A unique index refused the write although the pre-checks passed: a concurrent write
    took the name or id first. Name the field (422) rather than answer 409."""
    if wanted.username:
        _username(wanted.username, identity=owner)
    _external_id_check(wanted.external_id, identity=owner)


USERNAME_RULE = f"1-{USERNAME_MAX_LENGTH} of A-Z a-z 0-9 . @ + _ -"


def username_valid(value: str) -> bool:
    """The one user name rule (core.patterns.USERNAME): what the API's `UserName` accepts, the
    identities import and the external links (identities.services.external) too."""
    return 0 < len(value) <= USERNAME_MAX_LENGTH and matches(USERNAME, value)


def username_check(value: str) -> None:
    """`UnprocessableError` (`UserName: 1-150 of …`) unless `value` is a valid user name."""
    if not username_valid(value):
        raise UnprocessableError("UserName", USERNAME_RULE)


def _username(value: str | None, *, identity: Identity | None) -> str:
    if not value:
        raise UnprocessableError("UserName", "An identity needs a user name.")
    if usernames_taken({value: identity.pk if identity else None}):
        raise UnprocessableError("UserName", f"The user name {value!r} is already taken.")
    return value


def _external_id_check(value: str | None, *, identity: Identity | None) -> None:
    if value in (None, ""):
        return
    taken = Identity.objects.filter(external_id=value)
    if identity is not None:
        taken = taken.exclude(pk=identity.pk)
    if taken.exists():
        raise UnprocessableError("ExternalId", f"The external id {value!r} is already taken.")


def _references_check(identity: Identity, fields: list[str]) -> None:
    for field in fields:
        wire = REFERENCES_FIELDS[field]
        model = REFERENCES[wire][1]
        value = getattr(identity, field)
        if value is not None and not model.objects.filter(pk=value).exists():
            raise UnprocessableError(wire, f"No {model._meta.verbose_name} has the id {value}.")


def _email_check(value: str) -> None:
    if not value:
        return
    try:
        _email(value)
    except ValidationError:
        raise UnprocessableError("Email", "Not a valid email address.") from None


def _password_check(password: str, identity: Identity, *, field: str) -> None:
    try:
        password_validation.validate_password(password, user=identity)
    except ValidationError as error:
        raise UnprocessableError(field, " ".join(error.messages)) from None


def _password_apply(identity: Identity, change: PasswordChange) -> None:
    """Check and set a new password (the row is saved by the caller)."""
    if change.verify and not (
            change.old is not None and is_password_usable(identity.password)
            and check_password(change.old, identity.password)):
        raise UnprocessableError("OldPassword", "The old password is wrong.")
    if not change.password:
        raise UnprocessableError("Password", "A new password is required.")
    if change.password != change.confirm:
        raise UnprocessableError("ConfirmPassword", "The passwords do not match.")
    _password_check(change.password, identity, field="Password")
    if is_password_usable(identity.password) and check_password(change.password,
                                                                  identity.password):
        return  # the password it already has: the hash is kept
    identity.set_password(change.password)


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
    from identities.services.clients import application_delete  # it builds on this module

    with transaction.atomic(), audited():
        for application in Application.objects.filter(user=identity).order_by("pk"):
            application_delete(application=application)
        reach.grants_withdraw(identity)
        identities_deleting(Identity.objects.filter(pk=identity.pk).values("pk"))
        record_delete(identity)
        identity.delete()
