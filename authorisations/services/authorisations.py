"""Every write of an authorisation: one function per use case, one transaction each, each
leaving change records under one audit context.

Writes of an authorisation keep the state they replace as an `AuthorisationVersion`
(`superseded_at` = the new `modified`), which is what `asOf` reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from audit import context as audit_context
from audit.models import ChangeRecord
from audit.services import Change, audited, object_type_of, record, record_bulk
from audit.states import snapshot
from authorisations.errors import ConflictError
from authorisations.models import (
    NAMESPACES,
    Authorisation,
    AuthorisationState,
    AuthorisationVersion,
    Namespace,
    natural_key,
)
from authorisations.queries.references import Resolver, hold
from authorisations.services.catalog import reserved_check
from authorisations.validation import window_check
from core.errors import ForbiddenError
from foundation import reach

Action = ChangeRecord.Action
STATE_FIELDS = [f.attname for f in AuthorisationState._meta.concrete_fields]


# --- authorisations -----------------------------------------------------------------------------

def version_of(state: Authorisation, superseded_at: datetime) -> AuthorisationVersion:
    values = {name: getattr(state, name) for name in STATE_FIELDS}
    return AuthorisationVersion(authorisation_id=state.pk, superseded_at=superseded_at, **values)


def default_valid_to(namespace: Namespace, valid_from: datetime) -> datetime | None:
    """validFrom plus the namespace's default validity; none when that passes the year 9999."""
    if namespace.default_validity:
        try:
            return valid_from + namespace.default_validity
        except OverflowError:
            return None
    return None


def creator_now() -> str:
    """Who creates now, as an authorisation's `creator` keeps it: the OAuth2 client id, else
    the acting identity's username, else the origin (`command:import_authorisations`)."""
    scope = audit_context.current()
    if scope.client_id:
        return scope.client_id
    if scope.actor is not None:
        return scope.actor.get_username()
    return scope.origin


def authorisation_values(*, namespace: Namespace, data: dict[str, Any], refs: dict[str, Any],
                         now: datetime, creator: str | None = None) -> dict[str, Any]:
    """The column values of a new authorisation from cleaned data and resolved references
    (without a model object: the import builds many); `natural_key` included; `creator`
    defaults to `creator_now()`."""
    valid_from = data.get("valid_from") or now
    valid_to = (data["valid_to"] if "valid_to" in data
                else default_valid_to(namespace, valid_from))
    window_check(valid_from, valid_to)
    type_id = refs["type"].pk
    source = refs.get("source")
    subject_type, subject_value = data["subject_type"], data["subject_value"]
    object_type, object_value = data["object_type"], data["object_value"]
    return {
        "namespace_id": namespace.pk, "type_id": type_id,
        "source_id": source.pk if source is not None else None,
        "subject_type": subject_type, "subject_value": subject_value,
        "object_type": object_type, "object_value": object_value,
        "valid_from": valid_from, "valid_to": valid_to, "created": now, "modified": now,
        "author": data.get("author"),
        "creator": creator if creator is not None else creator_now(),
        "natural_key": natural_key(namespace.pk, type_id, subject_type, subject_value,
                                   object_type, object_value, valid_from, valid_to),
    }


def authorisation_build(*, namespace: Namespace, data: dict[str, Any], refs: dict[str, Any],
                        now: datetime) -> Authorisation:
    """An unsaved authorisation from cleaned data and resolved references."""
    values = authorisation_values(namespace=namespace, data=data, refs=refs, now=now)
    del values["namespace_id"], values["type_id"], values["source_id"]
    return Authorisation(namespace=namespace, type=refs["type"], source=refs.get("source"),
                         **values)


def authorisation_create(*, namespace: Namespace, data: dict[str, Any]) -> Authorisation:
    """Create from data cleaned by `validation.clean_authorisation`."""
    reserved_check(namespace)
    resolver = Resolver()
    resolver.load([(namespace, data)])
    refs = resolver.resolve(namespace, data)
    with transaction.atomic(), audited():
        hold(namespace, refs)  # still live, and kept so until this commits
        authorisation = authorisation_build(namespace=namespace, data=data, refs=refs,
                                            now=timezone.now())
        authorisation.save(force_insert=True)
        record(action=Action.CREATE, instance=authorisation)
    return authorisation


def _locked_live(authorisation: Authorisation) -> Authorisation:
    # the authorisation's row only: the namespace is read, not locked (every change in a
    # namespace would otherwise queue behind each other, and wait across namespace writes)
    current = (Authorisation.objects.alive().select_for_update(of=("self",))
               .select_related("namespace").get(pk=authorisation.pk))
    reserved_check(current.namespace)
    return current


def authorisation_change_check(current: Authorisation, *, namespace_code: str | None,
                               changes: bool) -> None:
    """The rules every change of an authorisation keeps (the API's, the admin's and the
    import's): a deleted one is gone, none moves to another namespace, revocation is final."""
    if current.deleted_at is not None:
        raise ConflictError(f"The authorisation {current.pk} was deleted.")
    if current.revoked and changes:
        raise ConflictError("A revoked authorisation cannot be changed.")
    if namespace_code is not None and namespace_code != current.namespace.code:
        raise ValidationError({"nsCode": ["An authorisation cannot move to another "
                                          "namespace."]})


def authorisation_update(*, authorisation: Authorisation, data: dict[str, Any],
                         replace: bool = False) -> Authorisation:
    """PATCH (`replace=False`: only the fields given) or PUT (`replace=True`: an omitted
    authSource or validTo becomes none; an omitted validFrom stays)."""
    with transaction.atomic(), audited():
        current = _locked_live(authorisation)
        authorisation_change_check(current, namespace_code=data.get("ns_code"), changes=True)
        if replace:
            data = {"source_code": None, "valid_to": None, "author": None, **data}
        resolver = Resolver()
        resolver.load([(current.namespace, data)])
        refs = resolver.resolve(current.namespace, data)
        hold(current.namespace, refs)
        before_state = Authorisation(**{n: getattr(current, n) for n in STATE_FIELDS},
                                     id=current.pk)
        for key in ("subject_type", "subject_value", "object_type", "object_value",
                    "valid_from", "valid_to", "author"):
            if key in data and not (key == "valid_from" and data[key] is None):
                setattr(current, key, data[key])
        if "type" in refs:
            current.type = refs["type"]
        if "source" in refs:
            current.source = refs["source"]
        window_check(current.valid_from, current.valid_to)
        before = snapshot(before_state)
        current.natural_key = current.compute_natural_key()
        if snapshot(current) == before:
            return current  # nothing changed: no new version, no change record
        return _save_change(current, before_state, before, Action.UPDATE)


def _save_change(current: Authorisation, before_state: Authorisation, before: dict,
                 action: str) -> Authorisation:
    now = timezone.now()
    current.modified = now
    current.save()
    version_of(before_state, now).save(force_insert=True)
    record(action=action, instance=current, before=before)
    return current


def authorisation_revoke(*, authorisation: Authorisation, details: str | None) -> Authorisation:
    """Revocation is final: it ends the authorisation now and keeps why."""
    with transaction.atomic(), audited():
        current = _locked_live(authorisation)
        if current.revoked:
            raise ConflictError("The authorisation is already revoked.")
        before_state = Authorisation(**{n: getattr(current, n) for n in STATE_FIELDS},
                                     id=current.pk)
        before = snapshot(before_state)
        current.revoked, current.revoked_at = True, timezone.now()
        current.revocation_details = details
        return _save_change(current, before_state, before, Action.REVOKE)


def authorisation_delete(*, authorisation: Authorisation) -> None:
    """Soft delete: gone for clients, kept (with its change record) for auditors."""
    with transaction.atomic(), audited():
        current = _locked_live(authorisation)
        before_state = Authorisation(**{n: getattr(current, n) for n in STATE_FIELDS},
                                     id=current.pk)
        before = snapshot(before_state)
        now = timezone.now()
        current.deleted_at = current.modified = now
        current.save(update_fields=["deleted_at", "modified"])
        version_of(before_state, now).save(force_insert=True)
        record(action=Action.DELETE, instance=current, before=before, after=snapshot(current))


def authorisations_revoke_for_subject(*, subject_type: str, subject_value: str, type_code: str,
                                      details: str, by: Any = None) -> int:
    """Revoke every live, unrevoked, unexpired authorisation of a type (in any namespace)
    whose subject matches; audited in bulk; answers how many were revoked.

    `by` is the client asking (None: an internal caller). It must be allowed to revoke every
    one of them (`may_revoke`), or none is revoked: ForbiddenError. All or nothing, since a
    caller told "done" would not look for the ones left."""
    now = timezone.now()
    with transaction.atomic(), audited():
        rows = list(Authorisation.objects.alive().select_for_update().filter(
            Q(valid_to__isnull=True) | Q(valid_to__gt=now),
            subject_type=subject_type, subject_value=subject_value, type__code=type_code,
            revoked=False,
        ).order_by("pk"))
        if by is not None and not may_revoke(by, rows):
            raise ForbiddenError("The client may not revoke all of these authorisations; "
                                 "none was revoked.")
        return revoke_many(rows, details=details, now=now)


def may_revoke(identity: Any, rows: Sequence[Authorisation]) -> bool:
    """May `identity` revoke each of these authorisations: the permission the API's revoke
    needs (AUTHORISATION_MODIFY) and each one's namespace in its reach (one query)."""
    if not rows:
        return True
    if not identity.has_perm("authorisations.AUTHORISATION_MODIFY"):
        return False
    wanted = {row.namespace_id for row in rows}
    reached = reach.of(identity, NAMESPACES).objects().filter(pk__in=wanted)
    return set(reached.values_list("pk", flat=True)) == wanted


def authorisations_revoke(*, ids: Sequence[Any], details: str | None) -> int:
    """Revoke the live, unrevoked authorisations among `ids` (the admin's bulk action)."""
    with transaction.atomic(), audited():
        rows = list(Authorisation.objects.alive().select_for_update()
                    .filter(pk__in=ids, revoked=False).select_related("namespace"))
        for row in rows:
            reserved_check(row.namespace)
        return revoke_many(rows, details=details, now=timezone.now())


def revoke_many(rows: list[Authorisation], *, details: str | None, now: datetime) -> int:
    """Revoke loaded rows with a fixed number of queries (bulk update, versions, records)."""
    if not rows:
        return 0
    versions, changes = [], []
    for row in rows:
        versions.append(version_of(row, now))
        before = snapshot(row)
        row.revoked, row.revoked_at, row.revocation_details, row.modified = (
            True, now, details, now)
        changes.append(Change(action=Action.REVOKE, object_type=object_type_of(row),
                              object_id=str(row.pk), before=before, after=snapshot(row),
                              object_repr=str(row)))
    Authorisation.objects.bulk_update(
        rows, ["revoked", "revoked_at", "revocation_details", "modified"], batch_size=1000)
    AuthorisationVersion.objects.bulk_create(versions, batch_size=1000)
    record_bulk(changes)
    return len(rows)
