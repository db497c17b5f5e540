"""Bulk services of authorisations: many created or changed at once (the import).

They keep the services' rules (`authorisations.services.authorisations` checks each change
first) and leave the services' change records (the state `snapshot` gives, the same actions:
create, update, revoke), with the versions `asOf` reads, in a fixed number of statements per batch.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from operator import attrgetter
from typing import Any, NamedTuple

from audit.copytext import copy_fields, copy_values
from audit.models import ChangeRecord
from audit.services import Change, change_copy_fields, record_bulk
from audit.states import encoded_snapshot, snapshot
from authorisations.models import Authorisation, AuthorisationVersion
from authorisations.services.authorisations import version_of
from foundation.bulk.run import picked
from foundation.bulk.write import copy_text, insert_rows

Action = ChangeRecord.Action
OBJECT_TYPE = "authorisations.authorisation"
COLUMNS = tuple(f.attname for f in Authorisation._meta.concrete_fields)
# what an import row may change of an existing authorisation (the rest is its identity)
CHANGEABLE = ("type_id", "source_id", "subject_type", "subject_value", "object_type",
              "object_value", "valid_from", "valid_to", "author", "revoked", "revoked_at",
              "revocation_details")


_VALUES = attrgetter(*COLUMNS)  # a row's values, in COLUMNS order, at C speed


class NewRow:
    """A new authorisation's column values: the import builds one per new row, where a model
    object each cost more than the rest of the row's work (parsing, validation, digest)."""

    __slots__ = COLUMNS

    def __init__(self, values: dict[str, Any]) -> None:
        self.revoked, self.revoked_at, self.revocation_details = False, None, None
        self.deleted_at, self.author, self.creator = None, None, ""
        for name, value in values.items():
            setattr(self, name, value)

    @property
    def pk(self) -> uuid.UUID:
        return self.id

    @classmethod
    def from_copy_text(cls, line: str) -> NewRow:
        """The row `copy_fields` encoded, read back."""
        return cls({name: _READ[name](value) if value is not None else None
                    for name, value in zip(COLUMNS, copy_values(line), strict=True)})


def _boolean(text: str) -> bool:
    return text == "t"


def _reader(name: str):
    field = Authorisation._meta.get_field(name.removesuffix("_id") if name != "id" else name)
    target = field.target_field if field.is_relation else field
    kind = target.get_internal_type()
    return {"UUIDField": uuid.UUID, "DateTimeField": datetime.fromisoformat,
            "BooleanField": _boolean, "BigAutoField": int, "AutoField": int,
            "IntegerField": int, "BigIntegerField": int}.get(kind, str)


_READ = {name: _reader(name) for name in COLUMNS}


class NewAuthorisations(NamedTuple):
    """A batch's rows as new authorisations, prepared in an import's reading process: each
    row's line and natural key (what the importing process matches on), the instant they
    were made at, and their rows and change records: COPY text on PostgreSQL (row i of each
    text is the batch's row i), else the rows and their encoded states."""

    lines: tuple[int, ...]
    keys: tuple[str, ...]
    now: datetime
    rows: str | tuple[NewRow, ...]
    changes: str | tuple[str, ...]
    refused: tuple[tuple[int, str], ...] = ()  # rows the services refuse at `now`, and why
    type_ids: frozenset = frozenset()  # the types and sources the rows use
    source_ids: frozenset = frozenset()

    def candidates(self, lines: Sequence[int]) -> dict[int, NewRow]:
        """The rows on `lines` as the new authorisations they were prepared as (the rows of
        a file that match existing ones compare their values through them)."""
        if not lines:
            return {}
        rows, _ = self.of(lines)
        if isinstance(self.rows, str):
            rows = [NewRow.from_copy_text(text) for text in rows]
        return dict(zip(lines, rows, strict=True))

    def of(self, lines: Sequence[int]) -> tuple[list, list]:
        """The rows and changes of the rows on `lines` (a subset of the batch, in order)."""
        rows = self.rows.split("\n") if isinstance(self.rows, str) else self.rows
        changes = self.changes.split("\n") if isinstance(self.changes, str) else self.changes
        return picked(self.lines, lines, rows, changes)


def _state(row: NewRow) -> str:
    return encoded_snapshot(row, model=Authorisation)


def _repr(row: NewRow) -> str:
    return f"{row.subject_value} ← {row.object_value}"


def authorisations_prepare(lines: Sequence[int], rows: Sequence[NewRow], now: datetime,
                           refused: Sequence[tuple[int, str]] = (), *,
                           as_copy: bool) -> NewAuthorisations:
    """New rows and their change records, encoded ahead (pure: no database)."""
    keys = tuple(row.natural_key for row in rows)
    items = (frozenset(row.type_id for row in rows),
             frozenset(row.source_id for row in rows if row.source_id is not None))
    if not as_copy:
        return NewAuthorisations(tuple(lines), keys, now, tuple(rows),
                                 tuple(_state(row) for row in rows), tuple(refused), *items)
    return NewAuthorisations(
        tuple(lines), keys, now, "\n".join(copy_fields(_VALUES(row)) for row in rows),
        "\n".join(change_copy_fields(Action.CREATE.value, OBJECT_TYPE, str(row.id), _repr(row),
                                      after_encoded=_state(row)) for row in rows),
        tuple(refused), *items)


def authorisations_create(prepared: NewAuthorisations, lines: Sequence[int]) -> None:
    """The prepared new authorisations on `lines`: one COPY of the rows (executemany
    elsewhere), then their change records."""
    if not lines:
        return
    rows, changes = prepared.of(lines)
    if isinstance(prepared.rows, str):
        copy_text(Authorisation._meta.db_table, COLUMNS, "\n".join(rows) + "\n")
        record_bulk((), copy=True, prepared=changes)
        return
    insert_rows(Authorisation._meta.db_table, COLUMNS, list(map(_VALUES, rows)))
    record_bulk((Change(Action.CREATE, OBJECT_TYPE, str(row.id), None, None, _repr(row),
                        after_encoded=state) for row, state in zip(rows, changes, strict=True)),
                copy=True)


def authorisations_change(changed: list[tuple[Authorisation, Authorisation]],
                          now: datetime) -> None:
    """Authorisations changed in memory (after), each with its state before: saved with
    their versions; a newly revoked one is recorded as a revocation."""
    if not changed:
        return
    for _, after in changed:
        after.natural_key = after.compute_natural_key()
        after.modified = now
    Authorisation.objects.bulk_update([after for _, after in changed],
                                      [*CHANGEABLE, "natural_key", "modified"], batch_size=1000)
    AuthorisationVersion.objects.bulk_create([version_of(before, now) for before, _ in changed],
                                             batch_size=2000)
    record_bulk((Change(action=Action.REVOKE if after.revoked and not before.revoked
                        else Action.UPDATE, object_type=OBJECT_TYPE, object_id=str(after.pk),
                        before=snapshot(before), after=snapshot(after), object_repr=str(after))
                 for before, after in changed), copy=True)
