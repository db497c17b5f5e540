"""The change log as CSV, streamed: for an operator's spreadsheet, from the admin's filtered
change-record list."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator

from django.db.models import QuerySet

from audit.models import ChangeRecord

COLUMNS = ("id", "created_at", "action", "object_type", "object_id", "object_repr", "actor",
           "client_id", "context", "correlation_id", "before", "after")
# A cell a spreadsheet would run as a formula (CSV injection): written with a leading quote.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_rows(changes: QuerySet[ChangeRecord], *, chunk: int = 2000) -> Iterator[str]:
    """The header, then one CSV line a record, read in chunks (memory stays flat)."""
    writer = csv.writer(_Echo())
    yield writer.writerow(COLUMNS)
    for change in changes.iterator(chunk_size=chunk):
        yield writer.writerow(_safe(_cells(change)))


def _cells(change: ChangeRecord) -> list:
    return [change.pk, change.created_at.isoformat(), change.action, change.object_type,
            change.object_id, change.object_repr, change.actor_repr, change.client_id,
            change.context_id, change.correlation_id, _json(change.before), _json(change.after)]


def _json(state) -> str:
    return "" if state is None else json.dumps(state, sort_keys=True)


def _safe(cells: Iterable) -> list:
    return [f"'{cell}" if isinstance(cell, str) and cell.startswith(FORMULA_STARTS) else cell
            for cell in cells]
