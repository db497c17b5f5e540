"""Retention of the change log (audit.retention): monthly partitions on PostgreSQL (made ahead,
a default one behind them, rows in their month, the append-only trigger on every partition,
the migration that moved the rows), and `prune_changes`: export, then drop whole months."""

from __future__ import annotations

import io
import json
import threading
import time
from datetime import UTC, date, datetime

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext

from audit.events import as_dict
from audit.models import ChangeRecord, Retention
from audit.retention.partitions import (
    DEFAULT,
    MONTHS_AHEAD,
    ensure_partitions,
    month_of,
    month_partitions,
    next_month,
    partition_name,
)
from audit.services import audit_context_create, record
from tests.audit.test_events_and_feed import dsn

POSTGRES = connection.vendor == "postgresql"
only_postgres = pytest.mark.skipif(not POSTGRES, reason="SQLite keeps one plain table")


def at(year: int, month: int, day: int = 5) -> datetime:
    return datetime(year, month, day, 12, tzinfo=UTC)


def written(when: datetime, name: str) -> ChangeRecord:
    change = ChangeRecord(context=audit_context_create(), action="create",
                          object_type="tests.thing", object_id=name, after={"name": name},
                          created_at=when)
    change.save()
    return change


def partition_of(change: ChangeRecord) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text FROM audit_changerecord WHERE id = %s",
                       [change.pk])
        return cursor.fetchone()[0]


def exists(table: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [table])
        return cursor.fetchone()[0]


def prune(*args: str) -> str:
    out = io.StringIO()
    call_command("prune_changes", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def past():
    """Records in January, February and March 2025 (3, 2, 1) and one now, their months'
    partitions made as `ensure_partitions` makes them."""
    ensure_partitions(date(2025, 1, 1))
    return {month: [written(at(2025, month, day), f"m{month}-{day}") for day in days]
            for month, days in ((1, (3, 9, 20)), (2, (1, 28)), (3, (2,)))} | {
        "now": [record(action="create", object_type="tests.thing", object_id="now")]}


# --- partitions -----------------------------------------------------------------------------

@only_postgres
@pytest.mark.django_db
def test_every_month_has_a_partition_ahead_and_rows_land_in_their_month(past):
    this = month_of(datetime.now(UTC))
    ahead = this
    for _ in range(MONTHS_AHEAD):
        ahead = next_month(ahead)
    months = month_partitions()
    assert this in months and ahead in months and date(2025, 2, 1) in months
    assert exists(DEFAULT)
    for month in (1, 2, 3):
        assert {partition_of(c) for c in past[month]} == {partition_name(date(2025, month, 1))}
    assert partition_of(past["now"][0]) == partition_name(this)
    # a month nobody made a partition for: the write lands in the default partition
    ancient = written(at(2001, 1), "ancient")
    assert partition_of(ancient) == DEFAULT
    assert ensure_partitions(date(2001, 1, 1))["blocked"] == [date(2001, 1, 1)]
    assert ensure_partitions()["made"] == []  # idempotent


@only_postgres
@pytest.mark.django_db
def test_every_partition_refuses_update_and_delete_and_has_every_index(past):
    written(at(2001, 1), "in the default partition")
    for table in ("audit_changerecord", partition_name(date(2025, 1, 1)), DEFAULT):
        for sql in (f"UPDATE {table} SET object_id = 'x'", f"DELETE FROM {table}"):
            with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), \
                    connection.cursor() as cursor:
                cursor.execute(sql)
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = %s",
                       [partition_name(date(2025, 2, 1))])
        indexes = sorted(row[0].split(" USING ")[1] for row in cursor.fetchall())
    assert indexes == ["btree (actor_id) WHERE (actor_id IS NOT NULL)", "btree (context_id)",
                       "btree (correlation_id)", "btree (created_at)", "btree (id, created_at)",
                       "btree (xid, id)", "hash (object_id)"]


@only_postgres
@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_every_row_into_its_month():
    executor = MigrationExecutor(connection)
    executor.migrate([("audit", "0007_retention")])  # one plain table again
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE relname = 'audit_changerecord'")
        assert cursor.fetchone()[0] == "r"
        context = audit_context_create().pk
        for n, when in enumerate((at(2024, 11), at(2024, 12), at(2024, 12, 30), at(2025, 2))):
            cursor.execute("INSERT INTO audit_changerecord (context_id, action, object_type, "
                           "object_id, object_repr, actor_repr, client_id, correlation_id, "
                           "created_at, after) VALUES (%s, 'create', 'tests.thing', %s, '', "
                           "'', '', '', %s, '{}')", [context, f"old{n}", when])
        cursor.execute("SELECT id, xid, created_at, object_id FROM audit_changerecord "
                       "WHERE object_id LIKE 'old%%'")
        before = sorted(cursor.fetchall())
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes("audit"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, xid, created_at, object_id FROM audit_changerecord "
                       "WHERE object_id LIKE 'old%%'")
        assert sorted(cursor.fetchall()) == before
    moved = {row[3]: partition_of(ChangeRecord.objects.get(pk=row[0])) for row in before}
    assert moved == {"old0": "audit_changerecord_p2024_11", "old1": "audit_changerecord_p2024_12",
                     "old2": "audit_changerecord_p2024_12", "old3": "audit_changerecord_p2025_02"}
    assert date(2025, 1, 1) in month_partitions()  # every month between, and ahead
    assert record(action="create", object_type="tests.thing", object_id="new").pk > before[-1][0]


# --- prune_changes ----------------------------------------------------------------------------

@pytest.mark.django_db
def test_prune_exports_the_whole_months_then_drops_them(past, tmp_path):
    export = tmp_path / "changes.ndjson"
    with CaptureQueriesContext(connection) as queries:
        out = prune("--before", "2025-03-15", "--export", str(export))
    assert "before 2025-03-01" in out and "2025-01: 3 records" in out
    assert "2025-02: 2 records" in out and "5 records dropped" in out
    dropped = past[1] + past[2]
    lines = export.read_bytes().splitlines()
    assert [json.loads(line) for line in lines] == [as_dict(c) for c in dropped]
    assert not ChangeRecord.objects.filter(pk__in=[c.pk for c in dropped]).exists()
    assert ChangeRecord.objects.filter(pk__in=[past[3][0].pk, past["now"][0].pk]).count() == 2
    pruned = Retention.objects.get()
    assert (pruned.records, pruned.months) == (5, ["2025-01", "2025-02"])
    assert pruned.horizon_id == dropped[-1].pk
    statements = [q["sql"].lstrip().upper() for q in queries]
    assert not [s for s in statements if s.startswith("DELETE")] or not POSTGRES
    if POSTGRES:  # whole partitions go: no row is deleted (the trigger would refuse it)
        assert [s for s in statements if "DETACH PARTITION" in s]
        assert not exists(partition_name(date(2025, 1, 1)))
        assert exists(partition_name(date(2025, 3, 1)))
    again = json.loads(prune("--before", "2025-03-15", "--json"))
    assert again["months"] == [] and again["records"] == 0


@pytest.mark.django_db
def test_refused_input_changes_nothing(past, tmp_path):
    taken = tmp_path / "taken.ndjson"
    taken.write_text("mine\n")
    future = f"{datetime.now(UTC).year + 1}-01-01"
    for args, message in ((["--before", "2025-3-1"], "not a date"),
                          (["--before", "20250301"], "not a date"),
                          (["--before", "yesterday"], "not a date"),
                          (["--before", future], "in the future"),
                          (["--before", "2025-03-01", "--export", str(taken)], "exists"),
                          (["--before", "2025-03-01", "--export",
                            str(tmp_path / "no" / "x.ndjson")], "cannot be written")):
        count = ChangeRecord.objects.count()
        with pytest.raises(CommandError, match=message):
            prune(*args)
        assert ChangeRecord.objects.count() == count
    assert taken.read_text() == "mine\n"
    assert not (tmp_path / "no").exists() and not Retention.objects.exists()
    if POSTGRES:
        assert exists(partition_name(date(2025, 1, 1)))


@only_postgres
@pytest.mark.django_db(transaction=True)
def test_writers_are_not_held_up_by_a_prune(tmp_path):
    """A writer records a change every 10 ms through the ORM, on its own connection, while
    the prune exports and drops a month of 20,000 records; another connection holds a
    transaction that wrote to the change log open for a while, so DETACH has to wait for it:
    it waits in short tries, and the writer goes on in between."""
    ensure_partitions(date(2024, 6, 1))
    context = audit_context_create()
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO audit_changerecord (context_id, action, object_type, "
                       "object_id, object_repr, actor_repr, client_id, correlation_id, "
                       "created_at) SELECT %s, 'create', 'tests.thing', n::text, '', '', '', "
                       "'', %s FROM generate_series(1, 20000) n", [context.pk, at(2024, 6)])
    waits: list[float] = []
    stop = threading.Event()

    def writer() -> None:
        from django.db import connection as own

        while not stop.is_set():
            started = time.monotonic()
            record(action="create", object_type="tests.thing", object_id="during")
            waits.append(time.monotonic() - started)
            time.sleep(0.01)
        own.close()

    thread = threading.Thread(target=writer)
    thread.start()
    with psycopg.connect(dsn()) as holder:
        holder.execute("INSERT INTO audit_changerecord (context_id, action, object_type, "
                       "object_id, object_repr, actor_repr, client_id, correlation_id, "
                       "created_at) VALUES (%s, 'create', 'tests.thing', 'held', '', '', '', "
                       "'', now())", [context.pk])
        threading.Timer(1.0, holder.commit).start()
        started = time.monotonic()
        out = prune("--before", "2024-07-01", "--export", str(tmp_path / "june.ndjson"))
        took = time.monotonic() - started
    stop.set()
    thread.join()
    assert "2024-06: 20000 records" in out
    assert took >= 1.0  # it did wait for the open transaction
    assert len(waits) >= 5 and max(waits) < 0.75, (max(waits), len(waits))
    assert ChangeRecord.objects.filter(object_id="during").count() == len(waits)
