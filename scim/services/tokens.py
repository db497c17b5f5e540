"""SCIM tokens: one per identity-provider connection, confined to one organization's subtree.

The token is a random 256-bit secret shown once; only its SHA-256 checksum is stored. Each
token acts as a service account of its own, made with it: that account is the actor of every
change the token makes (the change log and the change events name it), it has no password, no
OAuth2 application and no permission, so it authenticates on no other surface, and revoking
the token switches it off too.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from audit.models import ChangeRecord
from audit.services import audited, record
from audit.states import snapshot
from core.errors import InvalidInputError
from identities.models import Identity
from identities.queries import usernames_taken
from identities.services.people import identity_save
from orgs.models import Organization
from scim.models import TOKEN_PREFIX, ScimToken, token_checksum

Action = ChangeRecord.Action
NAME_MAX = 100
LAST_USE_EVERY = timedelta(minutes=1)  # how fresh `last_used_at` is kept (one write a minute)
_NOT_IN_USERNAMES = re.compile(r"[^A-Za-z0-9.@+_-]+")


@dataclass(frozen=True)
class IssuedToken:
    token: ScimToken
    secret: str  # shown once; only its checksum is stored


def token_state(token: ScimToken) -> dict:
    return {**snapshot(token), "organization_path": token.organization.path,
            "actor": token.identity.username}


def _account_name(organization: Organization, name: str) -> str:
    """The service account's username: `scim.<org path>.<token name>` in the characters a
    username may hold, made unique with a number when taken."""
    base = _NOT_IN_USERNAMES.sub("-", f"scim.{organization.path.replace('/', '.')}.{name}")
    base = base[:140]
    candidate, number = base, 1
    while usernames_taken({candidate: None}):
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def token_create(*, organization: Organization, name: str = "") -> IssuedToken:
    """A new token of `organization` (a normal organization: users live there), and the
    service account it acts as."""
    name = (name or "default").strip()
    if not name or len(name) > NAME_MAX or "\x00" in name:
        raise InvalidInputError(f"A token's name is 1 to {NAME_MAX} characters.")
    if organization.virtual:
        raise InvalidInputError(f"Organization {organization.path!r} is virtual: a SCIM "
                                "token provisions users, who live in normal organizations.")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic(), audited():
        identity = Identity(username=_account_name(organization, name),
                            kind=Identity.Kind.SERVICE, first_name="SCIM",
                            last_name=f"{organization.path}: {name}"[:150])
        identity.set_unusable_password()
        identity_save(identity=identity, created=True)
        token = ScimToken.objects.create(name=name, organization=organization,
                                         identity=identity, token_checksum=token_checksum(secret))
        record(action=Action.CREATE, instance=token, after=token_state(token))
    return IssuedToken(token, secret)


def token_revoke(*, token: ScimToken) -> bool:
    """Revoke a token: it authenticates no more, from its next request on, and its service
    account is switched off. False when it was revoked already (nothing written)."""
    with transaction.atomic(), audited():
        token = ScimToken.objects.select_for_update().select_related(
            "identity", "organization").get(pk=token.pk)
        if token.revoked_at is not None:
            return False
        before = token_state(token)
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record(action=Action.REVOKE, instance=token, before=before, after=token_state(token))
        token.identity.is_active = False
        identity_save(identity=token.identity, created=False)
    return True


def token_used(*, token: ScimToken) -> None:
    """Note the token's use, at most once a minute (one conditional UPDATE). Not a change of
    the token, so not recorded: a use is not an event."""
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USE_EVERY:
        return
    ScimToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(last_used_at=now)
    token.last_used_at = now
