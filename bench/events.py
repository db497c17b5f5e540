"""Benchmark of the change events (docs/events.md): webhook delivery, the change feed, and what
events cost a write. Not a test: prints its figures, exits 0.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_events .venv/bin/python bench/events.py
    DATABASE_URL=sqlite:////tmp/bench_events.sqlite3 .venv/bin/python bench/events.py --scale 0.05

The database is migrated and emptied first. Everything runs on this machine: the receiver is a
threaded http.server in this process on 127.0.0.1, the `deliver_events` workers and a
gunicorn are processes this bench starts and stops; only loopback traffic. Figures:

  1. commit → delivery latency, p50/p95/max: a writer renames tenants through
     identities.services.tenants.tenant_update (a transaction each) at --rate writes/s for
     --seconds, while --workers `deliver_events --interval S` processes deliver every event to
     the receiver; latency = the receiver's arrival time - the time right after the write's
     commit (both on this process's monotonic clock), and the part of it until the relay made
     the delivery; on PostgreSQL it includes the feed's wait for every older transaction of the
     cluster, in any database (audit.feed), so a busy shared server shows in it;
  2. a 100,000-row import (`import_orgs`, times --scale) delivered: the import's time, how long the
     relay took to turn its records into deliveries (from the import's end to the newest
     delivery's creation), and deliveries/s from the import's end until the receiver has every
     one; beside it the workers' count, their CPU per delivery, the machine's CPU count and
     how busy it was;
  3. the change feed: GET /api/events/v1/changes?limit=1000 paged through every record (over
     100,000) through a gunicorn (2 sync workers, DEBUG=0), vs. the same pages read in process
     by audit.feed.page alone, pages/s and their ratio (and the pages with their CloudEvents
     built in process, to show where the time goes);
  4. the extra cost of events on a write (target <= 10 %): 2,000 single-row writes
     (tenant_update) and an import_orgs of 20,000 rows (both times --scale), timed with the
     change log as it is and without the feed's index and xid's default, alternated for
     --rounds rounds: the median ratios of the wall time and of the CPU time (this process's
     and its PostgreSQL backend's, steadier on a shared machine); see bench/events_cost.py.

Options: --scale F (the import's and part 4's sizes times F), --workers N (2), --interval S (0.2),
--rate R (50), --seconds S (20), --rounds N (part 4, 6), --skip-latency, --skip-import,
--skip-feed, --skip-cost. The feed needs the import's records: with --skip-import it pages
through whatever the log holds. At scale 1 the run takes about 20 minutes on 2 CPUs, most of
it part 2's deliveries (about 100 a second there); --scale 0.3 keeps it near 10.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "0")
os.environ["WEBHOOK_ALLOW_PRIVATE"] = "1"  # the receiver is on 127.0.0.1

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from bench import events_cost, events_workers  # noqa: E402
from bench.common import bearer_headers, gunicorn, ms, pct, request  # noqa: E402
from bench.events_receiver import Receiver, receiving  # noqa: E402

IMPORT_ROWS = 100_000
COST_WRITES = 2_000
COST_ROWS = 20_000
TENANTS = 100
FEED_LIMIT = 1000


def options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--interval", type=float, default=0.2)
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--rounds", type=int, default=6)
    for part in ("latency", "import", "feed", "cost"):
        parser.add_argument(f"--skip-{part}", action="store_true")
    return parser.parse_args()


def setting(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SHOW {name}")
        return cursor.fetchone()[0]


def subscribe(receiver: Receiver) -> None:
    """One subscription to every event, made by `create_webhook` (its secret to the receiver)."""
    out = StringIO()
    call_command("create_webhook", "bench", "--url", receiver.url, "--json", stdout=out)
    receiver.secret = json.loads(out.getvalue())["secret"]


# --- 1. commit → delivery latency ---------------------------------------------------------------


def latency(receiver: Receiver, workers: events_workers.Workers, tenants: list,
            args: argparse.Namespace) -> None:
    from identities.services.tenants import tenant_update

    tenant_update(tenant=tenants[0], name="warm-up")  # the workers are up once it arrives
    if receiver.wait_for(receiver.count() + 1, 120) is None:
        workers.check()
        raise SystemExit("the warm-up write was not delivered within 120 s")
    total, before = int(args.rate * args.seconds), receiver.count()
    committed: dict[str, float] = {}
    offset = time.time() - time.monotonic()  # the wall clock the workers date deliveries by
    start = time.monotonic()
    for i in range(total):
        pause = start + i / args.rate - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        name = f"latency {i}"
        tenant_update(tenant=tenants[i % len(tenants)], name=name)
        committed[name] = time.monotonic()  # the service's transaction has committed
    wrote = time.monotonic() - start
    receiver.wait_for(before + total, 120)
    workers.check()
    waits = [receiver.named[name] - at for name, at in committed.items() if name in receiver.named]
    relayed = relay_lags(committed, offset)
    print(f"\n1. commit → delivery latency ({args.workers} deliver_events workers, --interval "
          f"{args.interval}; tenant_update over {len(tenants)} tenants, one transaction each)")
    print(f"   {total:,} writes in {wrote:.1f} s = {total / wrote:.1f} writes/s (asked "
          f"{args.rate:g}); {len(waits):,} delivered")
    if waits:
        print(f"   latency p50 {ms(pct(waits, .5), 0)}, p95 {ms(pct(waits, .95), 0)}, "
              f"max {ms(max(waits), 0)}")
    if relayed:
        print(f"   of which commit → its delivery made by the relay: p50 "
              f"{ms(pct(relayed, .5), 0)}, p95 {ms(pct(relayed, .95), 0)}")
    if len(waits) < total:
        print(f"   NOT DELIVERED within 120 s of the last write: {total - len(waits):,}")


def relay_lags(committed: dict[str, float], offset: float) -> list[float]:
    """Seconds from each write's commit to its delivery's creation (by the relay, in a
    worker: Delivery.created_at, on the wall clock)."""
    from audit.models import ChangeRecord
    from events.models import Delivery

    records = dict(ChangeRecord.objects.filter(
        object_type="identities.tenant", after__name__in=list(committed)).values_list(
        "pk", "after__name"))
    made = Delivery.objects.filter(record_id__in=list(records)).values_list(
        "record_id", "created_at")
    return [at.timestamp() - offset - committed[records[pk]] for pk, at in made]


# --- 2. an import's deliveries ------------------------------------------------------------------


def import_deliveries(receiver: Receiver, workers: events_workers.Workers, rows: int,
                      args: argparse.Namespace, directory: Path) -> None:
    from django.db.models import Count

    from events.models import Delivery

    path = directory / "import.csv"
    path.write_text("path,friendlyName\n" + "".join(f"i{i},Import {i}\n" for i in range(rows)))
    before = receiver.count()
    started = time.monotonic()
    call_command("import_orgs", str(path), stdout=StringIO(), stderr=StringIO())
    ended, ended_wall = time.monotonic(), time.time()
    path.unlink()
    receiving_cpu = time.process_time()
    with workers.spending() as spent:
        done = receiver.wait_for(before + rows, max(600, rows / 10), progress=60, since=before)
    receiving_cpu = time.process_time() - receiving_cpu
    workers.check()
    received = receiver.count() - before
    made = Delivery.objects.filter(event_type="tessera.organization.created")
    newest = max(made.values_list("created_at", flat=True), default=None)
    relay = newest.timestamp() - ended_wall if newest else float("nan")
    statuses = dict(made.order_by().values_list("status").annotate(n=Count("id")))
    print(f"\n2. an import's deliveries (import_orgs of {rows:,} rows)")
    print(f"   import: {ended - started:.1f} s = {rows / (ended - started):,.0f} rows/s")
    print(f"   relay: {made.count():,} deliveries made {relay:.1f} s after the import's end "
          f"= {rows / relay:,.0f} records/s")
    elapsed = (done or time.monotonic()) - ended
    cpu = spent[0]
    busy = f", the machine {cpu.busy:.0%} busy" if cpu.busy is not None else ""
    print(f"   delivered: {received:,} in {elapsed:.1f} s from the import's end = "
          f"{received / elapsed:,.1f} deliveries/s with {args.workers} workers on "
          f"{os.cpu_count()} CPUs (workers' CPU {cpu.workers * 1000 / max(received, 1):.1f} ms "
          f"a delivery, the receiver's {receiving_cpu * 1000 / max(received, 1):.1f} ms{busy})")
    print(f"   statuses: {statuses}; repeated POSTs {receiver.repeats()}, unverified "
          f"{receiver.unverified}")
    if done is None:
        print(f"   NOT ALL DELIVERED: {rows - received:,} missing when the bench gave up")
    idle_round()


def statements_per_delivery(receiver: Receiver, tenants: list, count: int = 50) -> None:
    """The statements of one delivery (relayed, then attempted by the queue's worker in this
    process, as `deliver_events` does), counted over `count` writes of as many tenants."""
    from django.test.utils import CaptureQueriesContext

    from events.models import Delivery
    from events.webhooks.relay import relay
    from events.webhooks.worker import Loop
    from identities.services.tenants import tenant_update

    before, made = receiver.count(), Delivery.objects.count()
    for i in range(count):
        tenant_update(tenant=tenants[i % len(tenants)], name=f"statements {i}")
    deadline = time.monotonic() + 60
    while Delivery.objects.count() < made + count and time.monotonic() < deadline:
        relay()  # the feed waits for every older transaction of the cluster to end
        time.sleep(0.05)
    with CaptureQueriesContext(connection) as queries:
        Loop(worker_id="bench-in-process")._attempts()
    assert receiver.count() - before == count, (receiver.count() - before, count)
    sql = [q["sql"] for q in queries.captured_queries]
    commits, block = 0, False
    for statement in sql:  # a transaction block's COMMIT, or a write outside one (autocommit)
        verb = statement.split(None, 1)[0].upper()
        block = verb == "BEGIN" or (block and verb not in ("COMMIT", "ROLLBACK"))
        commits += verb == "COMMIT" or (not block and verb in ("INSERT", "UPDATE", "DELETE"))
    print(f"   a delivery's attempt takes {len(sql) / count:.1f} statements (BEGIN and COMMIT "
          f"included) and {commits / count:.1f} commits (counted in process over {count})")


def idle_round() -> None:
    """What an idle worker's round costs once the queue holds the import's finished tasks: its
    recovery check and its relay (best of 5, in process), run every --interval by each."""
    from django_tasks_db.models import DBTaskResult

    from events.webhooks.recovery import recover
    from events.webhooks.relay import relay

    timed = {}
    for name, call in (("recover()", recover), ("relay()", relay)):
        runs = []
        for _ in range(5):
            started = time.perf_counter()
            call()
            runs.append(time.perf_counter() - started)
        timed[name] = min(runs)
    print(f"   an idle worker's round with {DBTaskResult.objects.count():,} task rows kept (an "
          f"hour's): {', '.join(f'{k} {ms(v, 1)}' for k, v in timed.items())}")


# --- 3. the change feed --------------------------------------------------------------------------


def feed() -> None:
    from audit.events import as_dict
    from audit.feed import Cursor, page
    from identities.services.clients import api_client_create

    creds = api_client_create(name="bench-feed", all_permissions=True)
    with gunicorn() as port:
        headers = bearer_headers(port, creds)
        for _ in range(4):  # both workers warm
            request(port, "GET", "/api/events/v1/changes?limit=1", None, headers)
        pages, events, after = 0, 0, ""
        started = time.perf_counter()
        while True:
            status, body = request(port, "GET", f"/api/events/v1/changes?limit={FEED_LIMIT}"
                                   f"{'&after=' + after if after else ''}", None, headers)
            assert status == 200, body[:500]
            answer = json.loads(body)
            pages, events, after = pages + 1, events + len(answer["events"]), answer["next"]
            if len(answer["events"]) < FEED_LIMIT:
                break
        http = time.perf_counter() - started

    def in_process(build: bool) -> tuple[float, int]:
        cursor, count = Cursor(), 0
        started = time.perf_counter()
        for _ in range(pages):
            found = page(cursor, FEED_LIMIT)
            if build:
                [as_dict(record) for record in found.records]
            cursor, count = found.next, count + len(found.records)
        return time.perf_counter() - started, count

    alone, read = in_process(False)
    built, _ = in_process(True)
    assert read == events, (read, events)
    print(f"\n3. the change feed: {events:,} events in {pages} pages of up to {FEED_LIMIT}")
    print(f"   HTTP GET /api/events/v1/changes (gunicorn, 2 sync workers, a new connection a "
          f"request): {http:.1f} s = {pages / http:.2f} pages/s = {events / http:,.0f} events/s")
    print(f"   in process, audit.feed.page alone: {alone:.2f} s = {pages / alone:.1f} pages/s; "
          f"HTTP / page alone = {http / alone:.1f}x the time")
    print(f"   in process, page + CloudEvents (audit.events.as_dict): {built:.2f} s = "
          f"{pages / built:.2f} pages/s ({(built - alone) / http:.0%} of the HTTP time is "
          f"building the events)")


# --- the run -------------------------------------------------------------------------------------


def main() -> None:
    args = options()
    took: dict[str, float] = {}
    mark = time.monotonic()

    def lap(name: str) -> None:
        nonlocal mark
        took[name], mark = took.get(name, 0) + time.monotonic() - mark, time.monotonic()

    from identities.services.tenants import tenant_ensure

    db = connection.settings_dict
    settings_shown = "".join(f"; {name} {setting(name)}" for name in (
        "autovacuum", "synchronous_commit") if connection.vendor == "postgresql")
    print(f"events benchmark on {connection.vendor} ({db.get('NAME')}), {os.cpu_count()} CPUs, "
          f"scale {args.scale:g}{settings_shown}")
    call_command("migrate", verbosity=0)
    events_cost.restore()  # a run that died in part 4 may have left the baseline's schema
    call_command("flush", interactive=False, verbosity=0)
    tenants = [tenant_ensure(key=f"t{i}")[0] for i in range(TENANTS)]
    directory = Path(tempfile.mkdtemp(prefix="bench_events_"))
    rows = round(IMPORT_ROWS * args.scale)
    lap("setup")
    if not (args.skip_latency and args.skip_import):
        with receiving() as receiver:
            subscribe(receiver)
            with events_workers.running(args.workers, args.interval) as workers:
                if not args.skip_latency:
                    latency(receiver, workers, tenants, args)
                    lap("1")
                if not args.skip_import:
                    import_deliveries(receiver, workers, rows, args, directory)
            statements_per_delivery(receiver, tenants)  # the workers stopped
            lap("1" if args.skip_import else "2")
    if not args.skip_feed:
        feed()
        lap("3")
    if not args.skip_cost:
        print(f"\n4. the extra cost of events on a write: the change log as it is vs. without "
              f"{events_cost.without()}")
        events_cost.measure(tenants, writes=round(COST_WRITES * args.scale),
                            rows=round(COST_ROWS * args.scale), rounds=args.rounds,
                            directory=directory)
        lap("4")
    directory.rmdir()
    parts = ", ".join(f"{k}: {v:.0f} s" for k, v in took.items())
    print(f"\nran {sum(took.values()):.0f} s ({parts})")


if __name__ == "__main__":
    main()
