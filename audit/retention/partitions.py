"""The change log's monthly partitions (PostgreSQL).

`audit_changerecord` is partitioned by RANGE on `created_at`, one partition a calendar month
(UTC), `audit_changerecord_pYYYY_MM`, and a DEFAULT partition, `audit_changerecord_default`.
The default partition is what guarantees that no write ever fails for lack of a partition: a
record of a month nobody made a partition for lands there. `ensure_partitions` makes the
months ahead (the current month and `MONTHS_AHEAD` after it); the migration, every `migrate`
(post_migrate) and every `prune_changes` call it, so the default partition stays empty in
practice. A month whose rows are already in the default partition cannot get its own
partition (PostgreSQL refuses); it is skipped and reported, and its rows stay readable there.

A new partition is made with `CREATE TABLE … (LIKE …)` then `ATTACH PARTITION`: ATTACH takes
only SHARE UPDATE EXCLUSIVE on the parent, so writers and readers go on; the default partition
is locked ACCESS EXCLUSIVE while it is checked for rows of the month (it is empty). Lock waits
are bounded (`with_lock_retries`): a DDL statement waiting for a lock queues every later
statement on that table behind it, so it gives up after a short wait and tries again.
SQLite keeps one plain table: everything here does nothing there.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import UTC, date, datetime

from django.db import OperationalError, connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

TABLE = "audit_changerecord"
DEFAULT = f"{TABLE}_default"
MONTHS_AHEAD = 6
_NAME = re.compile(rf"^{TABLE}_p(\d{{4}})_(\d{{2}})$")
LOCK_NOT_AVAILABLE = "55P03"


class LockBusyError(RuntimeError):
    """A lock the change log's DDL needs stayed taken through every try."""


def month_of(moment: date | datetime) -> date:
    return date(moment.year, moment.month, 1)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def months_between(first: date, last: date) -> list[date]:
    """Every month from `first`'s to `last`'s, both included."""
    months, month = [], month_of(first)
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months


def partition_name(month: date) -> str:
    return f"{TABLE}_p{month.year:04d}_{month.month:02d}"


def bound(month: date) -> str:
    """The partition bound of a month's first instant, as a SQL literal (UTC)."""
    return f"'{month.isoformat()} 00:00:00+00'"


def start_of(month: date) -> datetime:
    return datetime(month.year, month.month, 1, tzinfo=UTC)


def is_partitioned(conn: BaseDatabaseWrapper = connection) -> bool:
    if conn.vendor != "postgresql":
        return False
    with conn.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [TABLE])
        row = cursor.fetchone()
    return row is not None and row[0] == "p"


def month_partitions(conn: BaseDatabaseWrapper = connection) -> dict[date, str]:
    """The change log's monthly partitions by month (PostgreSQL; none elsewhere)."""
    if not is_partitioned(conn):
        return {}
    with conn.cursor() as cursor:
        cursor.execute("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = "
                       "i.inhrelid WHERE i.inhparent = %s::regclass", [TABLE])
        names = [row[0] for row in cursor.fetchall()]
    found = {}
    for name in names:
        if match := _NAME.match(name):
            found[date(int(match[1]), int(match[2]), 1)] = name
    return dict(sorted(found.items()))


def with_lock_retries(conn: BaseDatabaseWrapper, step: Callable[[], None], *,
                      timeout_ms: int = 200, attempts: int = 100, pause: float = 0.05) -> int:
    """Run `step` (DDL) in a savepoint with a short lock_timeout, again after a pause while
    its lock is taken; the attempts it took. Inside a transaction (the timeout is LOCAL)."""
    with conn.cursor() as cursor:
        cursor.execute("SELECT current_setting('lock_timeout')")
        (previous,) = cursor.fetchone()
        for attempt in range(1, attempts + 1):
            try:
                with transaction.atomic(using=conn.alias):
                    cursor.execute("SELECT set_config('lock_timeout', %s, true)",
                                   [f"{timeout_ms}ms"])
                    step()
                    cursor.execute("SELECT set_config('lock_timeout', %s, true)", [previous])
                    return attempt
            except OperationalError as error:
                if getattr(error.__cause__, "sqlstate", None) != LOCK_NOT_AVAILABLE:
                    raise
            time.sleep(pause)
    raise LockBusyError(f"the change log stayed locked through {attempts} tries")


def ensure_partitions(start: date | None = None, *, ahead: int = MONTHS_AHEAD,
                      conn: BaseDatabaseWrapper = connection) -> dict[str, list[date]]:
    """Make the monthly partitions from `start`'s month (the current one by default) to
    `ahead` months after the current one, and the default partition, where missing.

    Answers {"made": [...], "blocked": [...]}: the months made, and those left out because
    the default partition already holds rows of theirs. Idempotent; PostgreSQL only."""
    made: list[date] = []
    blocked: list[date] = []
    if not is_partitioned(conn):
        return {"made": made, "blocked": blocked}
    today = month_of(datetime.now(UTC))
    last = today
    for _ in range(ahead):
        last = next_month(last)
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [TABLE])
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [DEFAULT])
        if not cursor.fetchone()[0]:
            _attach(conn, DEFAULT, "DEFAULT")
        existing = month_partitions(conn)
        for month in months_between(min(start or today, today), last):
            if month in existing:
                continue
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {DEFAULT} WHERE created_at >= "
                           f"{bound(month)} AND created_at < {bound(next_month(month))})")
            if cursor.fetchone()[0]:
                blocked.append(month)
                continue
            _attach(conn, partition_name(month),
                    f"FOR VALUES FROM ({bound(month)}) TO ({bound(next_month(month))})")
            made.append(month)
    return {"made": made, "blocked": blocked}


def _attach(conn: BaseDatabaseWrapper, name: str, bounds: str) -> None:
    """A new empty table shaped as the change log, attached as its partition: its indexes,
    primary key, foreign key and append-only trigger come from the parent."""
    with conn.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {name} (LIKE {TABLE} INCLUDING DEFAULTS "
                       f"INCLUDING CONSTRAINTS INCLUDING STORAGE)")

        def attach() -> None:
            cursor.execute(f"ALTER TABLE {TABLE} ATTACH PARTITION {name} {bounds}")

        with_lock_retries(conn, attach)
