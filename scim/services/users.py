"""SCIM Users written through the CustomerID services: a SCIM User is the organization's
CustomerID user and the person behind it (`scim.mapping`), so every write here is
`orgs.services`' own (the same rules, change records and events), plus the person's SCIM
profile (what has no CustomerID field), recorded beside it. One transaction and one audit
context a call, so one a request.

A replace or PATCH reads the user under its row locks, checks `If-Match` against what it
reads, and applies the PATCH to that state: two PATCHes of one user never lose each other's
changes.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from scim2_models import Context, PatchOp

from audit.models import ChangeRecord
from audit.services import GONE, audited, record
from audit.states import snapshot
from orgs.models import Organization, OrgUser
from orgs.services import user_create, user_delete, user_update
from scim.errors import VersionMismatchError
from scim.mapping import fields_of, kept, resource_of
from scim.models import ScimProfile
from scim.resources import POLICY, UserResource

Action = ChangeRecord.Action
REQUEST = Context.RESOURCE_REPLACEMENT_REQUEST


def scim_user_create(*, organization: Organization, resource: dict[str, Any]) -> OrgUser:
    """A new CustomerID user of `organization` (its name and identity id a new UUID: the
    SCIM id) from a validated resource (a SCIM dump), and its SCIM profile."""
    with transaction.atomic(), audited():
        user = user_create(organization=organization,
                           data=fields_of(resource, active_now=None))
        _profile_write(user, resource)
        return _reread(user)


def scim_user_replace(*, user: OrgUser, resource: dict[str, Any],
                      if_match: str | None = None) -> OrgUser:
    """PUT: the resource replaces the user (what it leaves out is cleared; an absent `active`
    or `password` leaves sign-in and the password as they are)."""
    with transaction.atomic(), audited():
        user = _locked(user, if_match)
        return _replace(user, resource)


def scim_user_patch(*, user: OrgUser, patch: PatchOp, if_match: str | None = None) -> OrgUser:
    """PATCH: the operations applied (scim2-models, under the Entra-tolerant policy) to the
    user as it is now, and the result written as a replace."""
    with transaction.atomic(), audited():
        user = _locked(user, if_match)
        current = UserResource.model_validate(resource_of(user, location=""))
        had_active = current.active is not None
        if not patch.patch(current, POLICY):
            return user
        return _replace(user, current.model_dump(scim_ctx=REQUEST),
                        active_removed=had_active and current.active is None)


def scim_user_delete(*, user: OrgUser, if_match: str | None = None) -> None:
    """DELETE: the user goes as CustomerID's removal removes it (its identity too unless
    something else holds it), its SCIM profile first, with its own tombstone."""
    with transaction.atomic(), audited():
        user = _locked(user, if_match)
        profile = getattr(user.identity, "scim_profile", None)
        if profile is not None:
            record(action=Action.DELETE, instance=profile, before=snapshot(profile), after=GONE)
            ScimProfile.objects.filter(pk=profile.pk).delete()
        user_delete(user=user)


def version_matches(user: OrgUser, if_match: str | None) -> bool:
    """Whether `If-Match` (None: not sent) admits the user's current version: `*`, or one of
    the listed tags (weak or strong, compared by their opaque part)."""
    if if_match is None or if_match.strip() == "*":
        return True
    current = _opaque(resource_of(user, location="")["meta"]["version"])
    return any(_opaque(tag) == current for tag in if_match.split(","))


def _opaque(tag: str) -> str:
    tag = tag.strip()
    return tag[2:] if tag.startswith("W/") else tag


def _locked(user: OrgUser, if_match: str | None) -> OrgUser:
    """The user read again once its rows (profile and identity) are locked: the lock first,
    then a statement of its own for the read, so that under READ COMMITTED it sees every
    write committed before the lock was had (a read joined into the locking statement would
    answer the SCIM profile as it was when that statement began)."""
    list(OrgUser.objects.select_for_update(of=("self", "identity")).select_related(
        "identity").filter(pk=user.pk).only("identity_id", "identity__id"))
    user = _reread(user)
    if not version_matches(user, if_match):
        raise VersionMismatchError(
            "If-Match: the user has changed since that version was read; read it again.")
    return user


def _replace(user: OrgUser, resource: dict[str, Any], *,
             active_removed: bool = False) -> OrgUser:
    user_update(user=user, data=fields_of(resource, active_now=user.identity.is_active,
                                          active_removed=active_removed))
    _profile_write(user, resource)
    return _reread(user)


def _profile_write(user: OrgUser, resource: dict[str, Any]) -> None:
    """The person's SCIM profile as the resource says (created, changed, or left alone when
    nothing changed), with its change record."""
    external_id = resource.get("externalId") or None
    document = kept(resource)
    profile = ScimProfile.objects.filter(identity_id=user.pk).first()
    if profile is None:
        profile = ScimProfile.objects.create(identity_id=user.pk, external_id=external_id,
                                             resource=document)
        record(action=Action.CREATE, instance=profile, object_repr=_repr(user))
        return
    if profile.external_id == external_id and profile.resource == document:
        return
    before = snapshot(profile)
    profile.external_id, profile.resource = external_id, document
    profile.save()
    record(action=Action.UPDATE, instance=profile, before=before, object_repr=_repr(user))


def _repr(user: OrgUser) -> str:
    return f"SCIM profile of {user.organization.path}/{user.name}"


def _reread(user: OrgUser) -> OrgUser:
    """The user as a read answers it (the services changed rows behind the instances)."""
    return (OrgUser.objects.select_related("identity__scim_profile", "organization")
            .get(pk=user.pk))
