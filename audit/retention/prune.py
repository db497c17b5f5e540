"""Pruning the change log: whole months before a cutoff are exported, then dropped.

The cutoff is the first day of the month of the date asked for (both databases): only months
entirely before it go, the month holding the date stays. Each dropped record is written to the
export file as its CloudEvent (audit.events, the feed's and the webhooks' shape), one JSON
object a line (NDJSON), in feed order; the file is fsynced before anything is dropped.

PostgreSQL, in one transaction: the months' partitions are locked SHARE (nothing may write
into them meanwhile; writers of the current month go on), read and exported, then DETACHed
(plain, not CONCURRENTLY: CONCURRENTLY runs outside a transaction and is refused while a
default partition exists) and DROPped, and the prune recorded (audit.Retention), the feed's
horizon. DETACH takes ACCESS EXCLUSIVE on the change log for the time of a catalogue change,
waiting at most 200 ms at a time for it (partitions.with_lock_retries), so a concurrent write
waits about that much at worst. No row is ever DELETEd (the append-only trigger would refuse;
DROP TABLE is not DELETE and fires no row trigger). Records before the cutoff in the default
partition (months that never had a partition) are kept, and said so.

SQLite: the same export, then one DELETE of the rows before the cutoff.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import BinaryIO

from django.db import connection, models, transaction
from django.db.models.functions import TruncMonth

from audit.events import as_json
from audit.feed import Cursor
from audit.models import ChangeRecord, Retention
from audit.retention import partitions
from audit.retention.partitions import month_of, next_month, start_of


class PruneError(ValueError):
    """A prune refused before anything changed."""


@dataclass
class Pruned:
    cutoff: date
    months: dict[date, int] = field(default_factory=dict)  # month -> records dropped
    horizon: Cursor = field(default_factory=Cursor)
    export: str = ""
    kept_in_default: int = 0

    @property
    def records(self) -> int:
        return sum(self.months.values())


def cutoff_of(before: date, today: date | None = None) -> date:
    """The first day of `before`'s month; PruneError for a date in the future."""
    today = today or datetime.now(UTC).date()
    if before > today:
        raise PruneError(f"{before} is in the future: only the past can be pruned")
    return month_of(before)


# Who may still need records before a moment (the webhooks: events.webhooks.retention), each
# a callable given the moment and answering why, or None; registered by the app that needs.
NEEDS: list[Callable[[datetime], str | None]] = []


def refuse_needed_months(months: list[date]) -> None:
    """Refuse months something still needs (undelivered webhook deliveries, records the
    webhooks' relay has not read yet: audit.feed.page reads on from any cursor): PruneError
    saying why. Called before anything is exported or dropped."""
    if not months:
        return
    until = start_of(next_month(max(months)))
    reasons = [reason for need in NEEDS if (reason := need(until))]
    if reasons:
        raise PruneError("; ".join(reasons))


def check_export_path(path: Path) -> None:
    if path.exists():
        raise PruneError(f"{path} exists: the export never overwrites a file")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise PruneError(f"{path} cannot be written: {parent} is not a writable folder")


def prune(before: date, export: Path | None = None) -> Pruned:
    """Export (to `export`, when given) and drop the change log's whole months before
    `before`'s month; the months dropped with their record counts."""
    cutoff = cutoff_of(before)
    if export is not None:
        check_export_path(export)
    partitions.ensure_partitions()
    result = Pruned(cutoff, export=str(export or ""))
    out = None
    try:
        with transaction.atomic():
            months = _months_before(cutoff)
            refuse_needed_months(months)
            out = open(export, "xb") if export is not None else None  # noqa: SIM115
            _read(months, out, result)
            if out is not None:
                _sync(out, export)
            if partitions.is_partitioned():
                result.kept_in_default = _kept_in_default(cutoff)
                _detach_and_drop(months)
            else:
                _delete_before(cutoff)
            if months:
                _record(result)
    except BaseException:
        if out is not None:
            out.close()
            export.unlink(missing_ok=True)  # nothing was dropped: no half a prune left
        raise
    if out is not None:
        out.close()
    return result


def _months_before(cutoff: date) -> list[date]:
    if partitions.is_partitioned():
        return [month for month in partitions.month_partitions() if month < cutoff]
    return sorted({month_of(month) for month in ChangeRecord.objects.filter(
        created_at__lt=start_of(cutoff)).annotate(month=TruncMonth("created_at", tzinfo=UTC))
        .order_by().values_list("month", flat=True).distinct()})


def _of_month(month: date) -> models.QuerySet:
    return ChangeRecord.objects.filter(created_at__gte=start_of(month),
                                       created_at__lt=start_of(next_month(month)))


def _read(months: Iterable[date], out: BinaryIO | None, result: Pruned) -> None:
    """Count (and export) each month's records, and find the last one's feed position."""
    for month in months:
        if partitions.is_partitioned():
            with connection.cursor() as cursor:  # nothing writes into it until it is gone
                cursor.execute(f"LOCK TABLE {partitions.partition_name(month)} IN SHARE MODE")
        records = _of_month(month)
        if out is None:
            count = records.count()
            last = records.order_by("-xid", "-id").values_list("xid", "id").first()
        else:
            count, last = 0, None
            for record in records.order_by("xid", "id").iterator(chunk_size=2000):
                out.write(as_json(record) + b"\n")
                count, last = count + 1, (record.xid, record.pk)
        result.months[month] = count
        if last is not None:
            result.horizon = max(result.horizon, Cursor(*last))
    previous = Retention.objects.order_by("-horizon_xid", "-horizon_id").first()
    if previous is not None:
        result.horizon = max(result.horizon, Cursor(previous.horizon_xid, previous.horizon_id))


def _sync(out: BinaryIO, path: Path) -> None:
    out.flush()
    os.fsync(out.fileno())
    folder = os.open(path.resolve().parent, os.O_RDONLY)
    try:
        os.fsync(folder)  # the file's name too
    finally:
        os.close(folder)


def _kept_in_default(cutoff: date) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {partitions.DEFAULT} WHERE created_at < %s",
                       [start_of(cutoff)])
        return cursor.fetchone()[0]


def _detach_and_drop(months: list[date]) -> None:
    names = [partitions.partition_name(month) for month in months]

    def detach() -> None:
        with connection.cursor() as cursor:
            for name in names:
                cursor.execute(f"ALTER TABLE {partitions.TABLE} DETACH PARTITION {name}")

    if names:
        with connection.cursor() as cursor:  # a table with deferred checks pending can't go
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        partitions.with_lock_retries(connection, detach)
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {', '.join(names)}")


def _delete_before(cutoff: date) -> None:
    """SQLite: one DELETE, past the models' append-only guard (their queryset refuses it)."""
    records = ChangeRecord.objects.filter(created_at__lt=start_of(cutoff))
    models.QuerySet._raw_delete(records, records.db)


def _record(result: Pruned) -> None:
    Retention.objects.create(
        cutoff=start_of(result.cutoff), months=[f"{m:%Y-%m}" for m in result.months],
        records=result.records, horizon_xid=result.horizon.xid, horizon_id=result.horizon.id,
        export=result.export)
