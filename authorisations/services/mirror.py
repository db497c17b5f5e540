"""Authorisations that mirror another context's data, in a reserved namespace.

The accounts context mirrors each resolved Ainua account-user binding as an authorisation
(subject: the user's identity, object: the account), in the same transaction as the binding,
so that the onePortal check, `asOf` and the change history answer for it. Only these
functions write a reserved namespace; the API, the admin and the import refuse to
(`services.reserved_check`). Each writes many rows in a fixed number of statements, with the
services' change records and versions.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import NamedTuple

from django.db import transaction
from django.utils import timezone

from audit.models import ChangeRecord
from audit.services import Change, audited, object_type_of, record_bulk
from audit.states import snapshot
from authorisations.models import (
    RESERVED_NAMESPACES,
    Authorisation,
    AuthorisationType,
    AuthorisationVersion,
    Namespace,
)
from authorisations.services import bulk
from authorisations.services.authorisations import authorisation_values, creator_now, version_of
from foundation.bulk.write import insert_rows, update_rows

Action = ChangeRecord.Action
CHUNK = 10_000  # rows a statement (an Ainua map holds at most 10,000 entries)
VERSION_COLUMNS = tuple(f.attname for f in AuthorisationVersion._meta.concrete_fields
                        if not f.primary_key)


class Mirror(NamedTuple):
    """The reserved namespace and the authorisation type of a mirror."""

    namespace: Namespace
    type: AuthorisationType


class Party(NamedTuple):
    """A mirrored authorisation's subject (a user: an identity's id) and object."""

    subject_value: str
    object_type: str
    object_value: str


def mirror_ensure(*, namespace_code: str, namespace_name: str, type_code: str,
                  type_name: str) -> Mirror:
    """The reserved namespace and type, created (and recorded) the first time."""
    if namespace_code not in RESERVED_NAMESPACES:
        raise ValueError(f"{namespace_code} is not a reserved namespace")
    with transaction.atomic(), audited():
        namespace = Namespace.objects.filter(code=namespace_code).first()
        if namespace is None:
            namespace = Namespace(code=namespace_code, name=namespace_name)
            namespace.save()
            _record_create(namespace)
        kind = AuthorisationType.objects.alive().filter(namespace=namespace,
                                                        code=type_code).first()
        if kind is None:
            now = timezone.now()
            kind = AuthorisationType(namespace=namespace, code=type_code, name=type_name,
                                     created=now, modified=now)
            kind.save(force_insert=True)
            _record_create(kind)
    return Mirror(namespace, kind)


def _record_create(instance) -> None:
    record_bulk([Change(Action.CREATE, object_type_of(instance), str(instance.pk),
                        after=snapshot(instance), object_repr=str(instance))])


def mirrors_create(*, mirror: Mirror, parties: Sequence[Party]) -> list[uuid.UUID]:
    """One active authorisation per party, created now (one insert and one change-record
    write per chunk); answers their ids in the parties' order."""
    if not parties:
        return []
    now = timezone.now()
    creator = creator_now()
    rows = []
    for party in parties:
        values = authorisation_values(
            namespace=mirror.namespace,
            data={"subject_type": "user", "subject_value": party.subject_value,
                  "object_type": party.object_type, "object_value": party.object_value},
            refs={"type": mirror.type}, now=now, creator=creator)
        row = bulk.NewRow(values)
        row.id = uuid.uuid4()
        rows.append(row)
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start:start + CHUNK]
        lines = list(range(len(chunk)))
        prepared = bulk.authorisations_prepare(lines, chunk, now, as_copy=False)
        bulk.authorisations_create(prepared, lines)
    return [row.id for row in rows]


def mirrors_delete(*, ids: Sequence[uuid.UUID]) -> int:
    """Soft-delete the live mirrored authorisations among `ids`, as `authorisation_delete`
    does (a version each, a delete record each), in a fixed number of statements a chunk."""
    count = 0
    ids = list(ids)
    now = timezone.now()
    for start in range(0, len(ids), CHUNK):
        rows = list(Authorisation.objects.alive().filter(
            pk__in=ids[start:start + CHUNK],
            namespace__code__in=RESERVED_NAMESPACES).order_by("pk"))
        if not rows:
            continue
        versions, changes = [], []
        for row in rows:
            versions.append(version_of(row, now))
            before = snapshot(row)
            row.deleted_at = row.modified = now
            changes.append(Change(Action.DELETE, object_type_of(row), str(row.pk),
                                  before=before, after=snapshot(row), object_repr=str(row)))
        update_rows(Authorisation._meta.db_table, "id", ("deleted_at", "modified"),
                    [(now, now, row.pk) for row in rows])
        insert_rows(AuthorisationVersion._meta.db_table, VERSION_COLUMNS,
                    [tuple(getattr(v, c) for c in VERSION_COLUMNS) for v in versions])
        record_bulk(changes, copy=True, batch_size=CHUNK)
        count += len(rows)
    return count
