"""What events add to a write (bench/events.py, 4.): the same writes timed with the change log
as it is and with the event-specific additions taken away, the configurations alternated.

The change log is the outbox: a write's only addition for the events is what its change record
carries for the feed, the writing transaction's id (`xid`, a column default) and the feed's
index (`change_feed_idx`, on (xid, id)). The baseline drops the index and sets the column's
default to 0 (SQLite has no other default: there only the index goes); both come back after
each baseline run, and at the end whatever happens (try/finally). The webhook relay runs in
the workers, after the commit, and is no part of a write.
"""

from __future__ import annotations

import contextlib
import statistics
import time
from io import StringIO
from pathlib import Path

from django.core.management import call_command
from django.db import DatabaseError, connection

from bench.events_workers import cpu_seconds

TABLE = "audit_changerecord"
INDEX = "change_feed_idx"
XID_DEFAULT = "(pg_current_xact_id()::text::bigint)"  # migration 0006's


def without() -> str:
    extra = " and xid's default (0 instead)" if connection.vendor == "postgresql" else ""
    return f"the feed's index ({INDEX}){extra}"


def _execute(*statements: str) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def has_index() -> bool:
    with connection.cursor() as cursor:
        return INDEX in {c for c, info in connection.introspection.get_constraints(
            cursor, TABLE).items() if info["index"]}


def restore() -> None:
    """The change log as migration 0006 leaves it (idempotent: also after a run that died)."""
    if connection.vendor == "postgresql":
        _execute(f"ALTER TABLE {TABLE} ALTER COLUMN xid SET DEFAULT {XID_DEFAULT}")
    if not has_index():
        _execute(f"CREATE INDEX {INDEX} ON {TABLE} (xid, id)")


def strip() -> None:
    """The baseline: no feed index, and xid a constant (0)."""
    _execute(f"DROP INDEX {INDEX}")
    if connection.vendor == "postgresql":
        _execute(f"ALTER TABLE {TABLE} ALTER COLUMN xid SET DEFAULT 0")


def settle() -> None:
    """Start each timed run from a checkpoint (PostgreSQL; skipped when not permitted)."""
    if connection.vendor != "postgresql":
        return
    with contextlib.suppress(DatabaseError):  # not permitted: measure anyway
        _execute("CHECKPOINT")


def backend_pid() -> int | None:
    """The PostgreSQL backend serving this process's connection (None elsewhere)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def timed(call) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of `call()`: the CPU of this process and of its database
    backend (PostgreSQL, Linux /proc), the work done whatever else the machine runs."""
    pid = backend_pid()
    cpu = time.process_time() + (cpu_seconds(pid) if pid else 0)
    started = time.perf_counter()
    call()
    wall = time.perf_counter() - started
    assert backend_pid() == pid  # the same connection throughout
    return wall, time.process_time() + (cpu_seconds(pid) if pid else 0) - cpu


def single_writes(tenants: list, count: int, tag: str) -> None:
    """`count` renames through identities.services.tenants.tenant_update, each its own
    transaction (and implicit audit context), over the tenants in turn."""
    from identities.services.tenants import tenant_update

    for i in range(count):
        tenant_update(tenant=tenants[i % len(tenants)], name=f"cost {tag} {i}")


def bulk_import(directory: Path, rows: int, tag: str) -> tuple[float, float]:
    """`timed` import_orgs of `rows` new top-level organizations (one transaction)."""
    path = directory / f"cost-{tag}.csv"
    path.write_text("path,friendlyName\n" + "".join(
        f"c{tag}-{i},Cost {tag} {i}\n" for i in range(rows)))
    try:
        return timed(lambda: call_command("import_orgs", str(path), stdout=StringIO(),
                                          stderr=StringIO()))
    finally:
        path.unlink()


def measure(tenants: list, *, writes: int, rows: int, rounds: int, directory: Path) -> None:
    """Alternate the two configurations for `rounds` rounds (events first in even rounds,
    the baseline first in odd ones: a drift as the tables grow falls on both) and print each
    workload's median ratios, of the wall time and of the CPU time."""
    runs: dict[tuple[str, str], list[tuple[float, float]]] = {
        (config, workload): [] for config in ("events", "baseline")
        for workload in ("writes", "import")}
    try:
        for n in range(rounds):
            order = ("events", "baseline") if n % 2 == 0 else ("baseline", "events")
            for config in order:
                if config == "baseline":
                    strip()
                try:
                    tag = f"{n}{config[0]}"
                    settle()
                    runs[config, "writes"].append(timed(
                        lambda tag=tag: single_writes(tenants, writes, tag)))
                    settle()
                    runs[config, "import"].append(bulk_import(directory, rows, tag))
                finally:
                    restore()
    finally:
        restore()
    assert has_index()
    backend = " and its PostgreSQL backend's" if connection.vendor == "postgresql" else ""
    print(f"   {rounds} rounds, the configurations alternated (ABBA); each round: {writes:,} "
          f"single-row writes (tenant_update, a transaction each), then import_orgs of "
          f"{rows:,} rows; CPU = this process's{backend}")
    for workload, count, unit in (("writes", writes, "writes/s"), ("import", rows, "rows/s")):
        events, baseline = runs["events", workload], runs["baseline", workload]
        for what, k in (("wall", 0), ("CPU", 1)):
            ratios = [e[k] / b[k] for e, b in zip(events, baseline, strict=True)]
            with_, without = (statistics.median(r[k] for r in rs) for rs in (events, baseline))
            rate = f" ({count / with_:,.0f} vs {count / without:,.0f} {unit})" if k == 0 else ""
            print(f"   {workload:6} {what:4}: with events {with_:.2f} s, without {without:.2f} s"
                  f"{rate}; median ratio {statistics.median(ratios):.3f} (rounds: "
                  f"{', '.join(f'{r:.3f}' for r in ratios)}; target <= 1.10)")
    print("   the webhook relay adds nothing to a write: it runs in the deliver_events workers, "
          "after the commit, reading the change log (the outbox)")
