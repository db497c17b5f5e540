"""Benchmark of prune_changes (audit.retention) on PostgreSQL: one month of the change log,
exported and dropped while a writer keeps recording changes. Not a test: prints its figures,
exits 0.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_prune .venv/bin/python bench/prune.py

Options:
    --records N     records in the month pruned (default 1,000,000)
    --interval S    the writer's pause between two changes (default 0.01 s)
    --no-export     drop without exporting

The database is migrated first. The month is the one 25 months back; the records are made by
the server (INSERT … SELECT, in transactions of 100,000), with states of about 300 bytes, then
the month is vacuumed (an old month, as it would be). A writer, in a process of its own (so
the exporter's Python does not slow it down), records a change through the ORM
(audit.services.record) every `interval` from a second before the prune to a second after
it. Figures: the prune's wall time, the export's size, and the writer's waits (each write's
wall time): the longest during the prune (and when it came), p50/p99 during the prune, and
the longest before it, for comparison. An earlier run's month is pruned first.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from audit.retention.partitions import ensure_partitions, month_of, partition_name  # noqa: E402
from audit.services import audit_context_create, record  # noqa: E402
from bench.common import ms, pct  # noqa: E402

CHUNK = 100_000
STATE = ("jsonb_build_object('uid', 'user-' || n, 'name', 'Some Person ' || n, 'email', "
         "'person' || n || '@example.org', 'organization', 'acme/sales/emea', 'roles', "
         "jsonb_build_array('reader', 'writer'), 'tenant', 'default', 'active', true)")


def month_back(months: int) -> datetime:
    now = datetime.now(UTC)
    index = now.year * 12 + now.month - 1 - months
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


def fill(start: datetime, records: int) -> None:
    context = audit_context_create().pk
    for first in range(0, records, CHUNK):
        count = min(CHUNK, records - first)
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO audit_changerecord (context_id, action, object_type, object_id, "
                "object_repr, actor_repr, client_id, correlation_id, origin, created_at, before,"
                f" after) SELECT %s, 'update', 'orgs.orguser', n::text, 'user-' || n, 'erp', "
                f"'erp-client', md5(n::text), 'api', %s + (n * interval '2 seconds'), {STATE}, "
                f"{STATE} FROM generate_series(%s, %s) n",
                [context, start, first + 1, first + count])
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {partition_name(month_of(start))}")


def writer(interval: float, stop, results) -> None:
    """Records a change every `interval` until `stop`; sends (when it began, how long)."""
    writes = []
    while not stop.is_set():
        began = time.monotonic()  # CLOCK_MONOTONIC: the same clock in both processes
        record(action="create", object_type="bench.thing", object_id="during")
        writes.append((began, time.monotonic() - began))
        time.sleep(interval)
    results.put(writes)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--interval", type=float, default=0.01)
    parser.add_argument("--no-export", action="store_true")
    options = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("bench/prune.py measures PostgreSQL's partitions: set DATABASE_URL")
    call_command("migrate", verbosity=0)
    start = month_back(25)
    day = month_back(24).date()
    call_command("prune_changes", "--before", day.isoformat(), stdout=StringIO())  # a rerun
    ensure_partitions(start.date())
    began = time.monotonic()
    fill(start, options.records)
    print(f"{options.records:,} records in {start:%Y-%m}: made in "
          f"{time.monotonic() - began:.1f} s")

    spawn = multiprocessing.get_context("spawn")
    stop, results = spawn.Event(), spawn.Queue()
    process = spawn.Process(target=writer, args=(options.interval, stop, results))
    process.start()
    time.sleep(3)  # the writer's start (Django's setup) and a second of writes
    with tempfile.TemporaryDirectory() as folder:
        export = Path(folder, "pruned.ndjson")
        args = ["--before", day.isoformat()] + ([] if options.no_export else
                                                ["--export", str(export)])
        pruning = time.monotonic()
        out = StringIO()
        call_command("prune_changes", *args, stdout=out)
        done = time.monotonic()
        size = export.stat().st_size if export.exists() else 0
    time.sleep(1)
    stop.set()
    writes = results.get()
    process.join()

    print(out.getvalue().strip())
    print(f"prune: {done - pruning:.1f} s"
          + (f", export {size / 2**20:.0f} MiB" if size else " (no export)"))
    overlapping = [(began, took) for began, took in writes
                   if pruning <= began + took and began <= done]
    during = [took for _, took in overlapping]
    before = [took for began, took in writes if began + took < pruning]
    print(f"writer: {len(writes)} changes recorded, {len(during)} during the prune")
    print(f"  during the prune: longest {ms(max(during))}, p50 {ms(pct(during, 0.5))}, "
          f"p99 {ms(pct(during, 0.99))}")
    if overlapping:
        began, took = max(overlapping, key=lambda write: write[1])
        print(f"  the longest began {began - pruning:.2f} s into the prune "
              f"({done - began - took:.2f} s before its end)")
    print(f"  before it: longest {ms(max(before))}, p50 {ms(pct(before, 0.5))}")


if __name__ == "__main__":
    main()
