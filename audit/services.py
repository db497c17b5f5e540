"""The audit services: every write calls `record` (or `record_bulk`) in its own transaction."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import chain

from django.apps import apps
from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from audit import context as scope
from audit.copytext import copy_fields, copy_values
from audit.models import AuditContext, ChangeRecord
from audit.states import (
    contains_mask,
    encoded,
    masked,
    raw_state,
    related_state,
    secrets_changed,
    snapshot,
    to_json,
)

# `after=GONE`: the object no longer exists after the change (recorded as null).
GONE: dict = {}


@dataclass(frozen=True)
class Change:
    """One entry for `record_bulk`."""

    action: str
    object_type: str
    object_id: str
    before: dict | None = None
    after: dict | None = None
    object_repr: str = ""
    # `after` already masked and serialised by `encoded` (a bulk import prepares the states
    # of its new rows in its reading process); used instead of `after` when given
    after_encoded: str | None = None


def object_type_of(instance_or_model: models.Model | type[models.Model]) -> str:
    return instance_or_model._meta.label_lower


def _default_tenant():
    tenant_model = apps.get_model("identities", "Tenant")
    tenant, _ = tenant_model.objects.get_or_create(
        key=settings.TESSERA_DEFAULT_TENANT_KEY,
        defaults={"name": settings.TESSERA_DEFAULT_TENANT_NAME},
    )
    return tenant


def actor_fields() -> dict:
    """The actor columns of a change record (and where the write came from), from the current
    scope."""
    current = scope.current()
    actor = current.actor if getattr(current.actor, "is_authenticated", False) else None
    return {
        "actor": actor,
        "actor_repr": actor.get_username() if actor else current.origin,
        "client_id": current.client_id,
        "origin": current.origin,
    }


def audit_context_create(
    *,
    tenant: models.Model | None = None,
    created_by: str | None = None,
    authorized_app_id: str | None = None,
    person_ids: Sequence[int] | None = None,
    internal_ids: Sequence[str] | None = None,
    implicit: bool = False,
) -> AuditContext:
    """Open a new audit context; `created_by` defaults to the tenant's name (spec 002)."""
    tenant = tenant or _default_tenant()
    actor = actor_fields()
    with transaction.atomic():
        context = AuditContext.objects.create(
            tenant=tenant,
            created_by=created_by or tenant.name,
            authorized_app_id=authorized_app_id or "",
            person_ids=list(person_ids or []),
            internal_ids=[str(i) for i in internal_ids or []],
            implicit=implicit,
            client=actor["actor"],
            client_repr=actor["client_id"] or actor["actor_repr"],
            correlation_id=scope.correlation_id(),
        )
        if not implicit:
            record(action=ChangeRecord.Action.CREATE, instance=context, context=context)
    return context


def current_or_implicit_context(context: AuditContext | None = None) -> AuditContext:
    """The context a write runs under: the one given, the one bound to the scope, or a new one."""
    if context is not None:
        return context
    bound = scope.current().audit_context
    if bound is not None:
        return bound
    return audit_context_create(created_by=f"tessera:{scope.current().origin}", implicit=True)


@contextmanager
def audited(context: AuditContext | None = None) -> Iterator[AuditContext]:
    """Run a block of writes under one audit context: the one given, the scope's, or one
    implicit context made for the block (so a service's records share a context)."""
    context = current_or_implicit_context(context)
    with scope.bind(audit_context=context):
        yield context


def record(
    *,
    action: str,
    instance: models.Model | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    before: dict | None = None,
    after: dict | None = None,
    object_repr: str | None = None,
    context: AuditContext | None = None,
) -> ChangeRecord | None:
    """Append one change record. With `instance` and no `after`, the instance's state is taken
    as the after-state (for creates and updates).

    An update whose after-state is the instance's own snapshot and equals `before` changed
    nothing: no record is written (None). The services skip unchanged writes themselves
    (`raw_state`); this is the second line. It cannot judge a state that holds a masked
    secret (the secret may be what changed) nor one the caller builds (it may leave out
    what changed): those are written."""
    derived = after is None
    if instance is not None:
        object_type = object_type or object_type_of(instance)
        object_id = object_id or str(instance.pk)
        object_repr = object_repr if object_repr is not None else str(instance)[:255]
        if after is None and action != ChangeRecord.Action.DELETE:
            after = snapshot(instance)
    if not object_type or object_id is None:
        raise ValueError("record() needs an instance or an object_type and object_id")
    stored_before = to_json(masked(before)) if before is not None else None
    stored_after = to_json(masked(after)) if after is not None and after is not GONE else None
    if (action == ChangeRecord.Action.UPDATE and derived and instance is not None
            and stored_before == stored_after and not contains_mask(stored_after)):
        return None
    return ChangeRecord.objects.create(
        context=current_or_implicit_context(context),
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        object_repr=(object_repr or "")[:255],
        before=stored_before,
        after=stored_after,
        correlation_id=scope.correlation_id(),
        **actor_fields(),
    )


def record_delete(instance: models.Model, *, action: str = ChangeRecord.Action.DELETE,
                  context: AuditContext | None = None) -> ChangeRecord:
    """The tombstone of a row about to be deleted: its last state as `before`. Call it before
    `delete()`, while the row still has its primary key."""
    return record(action=action, instance=instance, before=snapshot(instance), after=GONE,
                  context=context)


def state_of(instance: models.Model, related: Sequence[str] = ()) -> dict:
    """What a change record holds of a row: its `snapshot`, and the many-to-many fields named
    in `related` as sorted labels (`related_state`)."""
    return {**snapshot(instance), **related_state(instance, related)}


def save_recorded(instance: models.Model, *, created: bool,
                  related: Mapping[str, Iterable[models.Model]] | None = None,
                  clean: bool = False) -> bool:
    """Save a row edited as a whole (an admin form) with its many-to-many values, and record
    one change holding the real before and after, many-to-many included; unchanged, nothing
    is written (False). The building block of the services of rows no finer service writes
    field by field (catalogs, auth groups, OAuth2 applications, an identity's permissions):
    the owning app's service calls it."""
    related = {name: list(rows) for name, rows in (related or {}).items()}
    names = tuple(related)
    with transaction.atomic(), audited():
        before = None
        concrete_changed = True
        if not created:
            current = type(instance)._default_manager.select_for_update().get(pk=instance.pk)
            concrete_changed = raw_state(current) != raw_state(instance)
            if not concrete_changed and all(
                    set(getattr(current, name).values_list("pk", flat=True))
                    == {row.pk for row in rows} for name, rows in related.items()):
                return False
            before = state_of(current, names)
        if clean:
            instance.full_clean()
        if concrete_changed:
            instance.save()
        for name, rows in related.items():
            getattr(instance, name).set(rows)
        after = state_of(instance, names)
        if not created:
            after.update(secrets_changed(raw_state(current), instance))
        record(action=ChangeRecord.Action.CREATE if created else ChangeRecord.Action.UPDATE,
               instance=instance, before=before, after=after)
    return True


def delete_recorded(instance: models.Model, *, related: Sequence[str] = ()) -> None:
    """Delete a row with its tombstone: its last state, the many-to-many fields named in
    `related` included."""
    with transaction.atomic(), audited():
        record(action=ChangeRecord.Action.DELETE, instance=instance,
               before=state_of(instance, related), after=GONE)
        instance.delete()


def record_bulk(
    changes: Iterable[Change],
    *,
    context: AuditContext | None = None,
    batch_size: int = 2000,
    copy: bool = False,
    prepared: Sequence[str] = (),
) -> int:
    """Append many change records with a fixed number of INSERTs per `batch_size` rows;
    with `copy` (bulk imports), raw rows with each JSON state serialised once: on PostgreSQL
    one COPY whatever the number, elsewhere one executemany per `batch_size` rows.
    `prepared`: more changes, already encoded by `change_copy_fields` (with `copy`; read
    back into values elsewhere than PostgreSQL)."""
    if prepared and not copy:
        raise ValueError("prepared change records are COPY rows, for a `copy` write")
    context = current_or_implicit_context(context)
    actor = actor_fields()
    cid = scope.correlation_id()
    if copy:
        if connection.vendor == "postgresql":
            return _copy_records(changes, prepared, context, actor, cid)
        return _executemany_records(changes, prepared, context, actor, cid, batch_size)
    count = 0
    batch: list[ChangeRecord] = []
    for change in changes:
        batch.append(
            ChangeRecord(
                context=context,
                action=change.action,
                object_type=change.object_type,
                object_id=str(change.object_id),
                object_repr=change.object_repr[:255],
                before=to_json(masked(change.before)) if change.before is not None else None,
                after=_after_value(change),
                correlation_id=cid,
                **actor,
            )
        )
        if len(batch) >= batch_size:
            ChangeRecord.objects.bulk_create(batch)
            count += len(batch)
            batch = []
    if batch:
        ChangeRecord.objects.bulk_create(batch)
        count += len(batch)
    return count


# a raw change record: the change's own columns, then those every record of a write shares
OWN_COLUMNS = ("action", "object_type", "object_id", "object_repr", "before", "after")
SHARED_COLUMNS = ("context_id", "actor_id", "actor_repr", "client_id", "correlation_id",
                  "created_at", "origin")
COPY_COLUMNS = OWN_COLUMNS + SHARED_COLUMNS


# one encoder for every state of a bulk write; compact (what jsonb stores is the same, and
# the server parses fewer bytes)
def _after_text(change: Change) -> str | None:
    return change.after_encoded if change.after_encoded is not None else encoded(change.after)


def _after_value(change: Change):
    if change.after_encoded is not None:
        return json.loads(change.after_encoded)
    return to_json(masked(change.after)) if change.after is not None else None


def _own_values(change: Change) -> tuple:
    return (change.action, change.object_type, str(change.object_id),
            change.object_repr[:255], encoded(change.before), _after_text(change))


def change_copy_fields(action: str, object_type: str, object_id: str, object_repr: str, *,
                       after_encoded: str | None, before_encoded: str | None = None) -> str:
    """A change's own columns (OWN_COLUMNS) as COPY text, for `record_bulk(prepared=...)`:
    a bulk import encodes the records of its new rows in its reading process."""
    return copy_fields((action, object_type, object_id, object_repr[:255], before_encoded,
                        after_encoded))


COPY_CHUNK = 500  # rows encoded before they are sent: the server works while the rest are


def _copy_records(changes: Iterable[Change], prepared: Sequence[str], context: AuditContext,
                  actor: dict, cid: str) -> int:
    """record_bulk on PostgreSQL: one COPY of rows built as text; the shared columns are
    encoded once and end every row. Rows are sent in chunks as they are encoded, so the
    server inserts while the states are still being serialised."""
    actor_id = actor["actor"].pk if actor["actor"] else None
    shared = "\t" + copy_fields((context.pk, actor_id, actor["actor_repr"], actor["client_id"],
                                 cid, timezone.now().isoformat(), actor["origin"])) + "\n"
    count = 0
    with connection.cursor() as cursor, cursor.cursor.copy(
            f"COPY {ChangeRecord._meta.db_table} ({', '.join(COPY_COLUMNS)}) FROM STDIN"
    ) as copy:
        if prepared:
            copy.write(shared.join(prepared) + shared)
            count += len(prepared)
        chunk: list[str] = []
        for change in changes:
            chunk.append(copy_fields(_own_values(change)))
            if len(chunk) == COPY_CHUNK:
                copy.write(shared.join(chunk) + shared)
                count += len(chunk)
                chunk = []
        if chunk:
            copy.write(shared.join(chunk) + shared)
            count += len(chunk)
    return count


def _executemany_records(changes: Iterable[Change], prepared: Sequence[str],
                         context: AuditContext, actor: dict, cid: str, batch_size: int) -> int:
    """record_bulk elsewhere (SQLite): one executemany per `batch_size` rows, each JSON state
    serialised once, the constant columns adapted once; prepared COPY rows read back."""
    ops = connection.ops
    table = ops.quote_name(ChangeRecord._meta.db_table)
    columns = ", ".join(ops.quote_name(c) for c in COPY_COLUMNS)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(COPY_COLUMNS))})"
    actor_id = actor["actor"].pk if actor["actor"] else None
    if isinstance(actor_id, uuid.UUID) and not connection.features.has_native_uuid_field:
        actor_id = actor_id.hex  # as UUIDField stores it
    now = ops.adapt_datetimefield_value(timezone.now())
    shared = (context.pk, actor_id, actor["actor_repr"], actor["client_id"], cid, now,
              actor["origin"])
    count = 0
    batch: list[tuple] = []
    own = chain(map(copy_values, prepared), map(_own_values, changes))
    with connection.cursor() as cursor:
        for values in own:
            batch.append((*values, *shared))
            if len(batch) >= batch_size:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count
