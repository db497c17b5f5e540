"""The change feed's pages: every change record once, in transaction order, resumable.

Records are read in the order of their transaction's id, then their own (`xid`, `id`), and on
PostgreSQL only those of transactions older than every transaction still running
(`pg_snapshot_xmin(pg_current_snapshot())`, taken by the page's own statement). A transaction
still open may hold records with smaller ids than records already committed (ids are taken at
insert, transactions commit in another order): those wait until it ends, so a cursor past
a page never passes over a record that appears later: no gap, and no repeat. On SQLite writers
take turns, every `xid` is 0 and the order is the ids', which is the commit order.

The cursor is opaque to clients: `xid-id` of the page's last record.

After a prune (audit.retention.prune) a cursor before the last dropped record may have missed
records that are gone: `check_kept` raises PrunedCursorError for it (the client must re-sync
and read from the beginning, which starts at the oldest kept record). `page` itself reads on
from any cursor: a reader of its own (the webhooks' relay) is kept ahead of the prune by the
prune's guard (audit.retention.prune.refuse_needed_months) instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from django.db import connections, models
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from audit.models import ChangeRecord, Retention

# `xid-id`, each under 10^18 (a bigint's range, with room): opaque to clients all the same
CURSOR_PATTERN = r"^(0|[1-9][0-9]{0,17})-(0|[1-9][0-9]{0,17})$"
_CURSOR = re.compile(CURSOR_PATTERN)
MAX_LIMIT = 1000


class CursorError(ValueError):
    """A cursor this feed did not give."""


class PrunedCursorError(Exception):
    """A cursor before the kept change log: records after it were pruned."""

    def __init__(self, cutoff: datetime):
        super().__init__(f"the change log before {cutoff:%Y-%m-%d} was pruned")
        self.cutoff = cutoff


@dataclass(frozen=True, order=True)
class Cursor:
    xid: int = 0
    id: int = 0

    def token(self) -> str:
        return f"{self.xid}-{self.id}"

    @classmethod
    def parse(cls, token: str | None) -> Cursor:
        """The cursor of a token (none: the beginning); CursorError for anything else."""
        if not token:
            return cls()
        found = _CURSOR.fullmatch(token)
        if found is None:
            raise CursorError("not a cursor of this feed")
        return cls(int(found[1]), int(found[2]))


@dataclass(frozen=True)
class Page:
    records: list[ChangeRecord]
    next: Cursor


def after_cursor(records: QuerySet, cursor: Cursor) -> QuerySet:
    table = records.model._meta.db_table
    return records.filter(RawSQL(f'("{table}"."xid", "{table}"."id") > (%s, %s)',
                                 (cursor.xid, cursor.id), output_field=models.BooleanField()))


def settled(records: QuerySet) -> QuerySet:
    """Only the records of transactions that have ended (PostgreSQL; all, elsewhere)."""
    if connections[records.db].vendor != "postgresql":
        return records
    return records.filter(xid__lt=RawSQL(
        "pg_snapshot_xmin(pg_current_snapshot())::text::bigint", (),
        output_field=models.BigIntegerField()))


def check_kept(cursor: Cursor) -> None:
    """PrunedCursorError when records after `cursor` were pruned (the beginning is always kept)."""
    if cursor == Cursor():
        return
    pruned = Retention.objects.order_by("-horizon_xid", "-horizon_id").values_list(
        "horizon_xid", "horizon_id", "cutoff").first()
    if pruned is not None and cursor < Cursor(pruned[0], pruned[1]):
        raise PrunedCursorError(pruned[2])


def page(cursor: Cursor, limit: int, records: QuerySet | None = None) -> Page:
    """Up to `limit` records after `cursor` (of `records`, all by default), and the cursor to
    resume from (the same one when there is nothing new)."""
    records = ChangeRecord.objects.all() if records is None else records
    found = list(settled(after_cursor(records, cursor)).order_by("xid", "id")[:limit])
    return Page(found, Cursor(found[-1].xid, found[-1].pk) if found else cursor)
