"""The delivery worker as operators run it: `manage.py deliver_events` processes, several at
once, one killed with SIGKILL midway through a stream of changes, one stopped with SIGTERM.

The receiver runs in this process; the workers and the writers (`import_orgs`) are processes of
their own on a database this test shares with them (tests.servers)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection

from tests import servers
from tests.events.receiver import Receiver, receiving

pytestmark = pytest.mark.django_db(transaction=True)
ENV = {"WEBHOOK_ALLOW_PRIVATE": "1", "WEBHOOK_LEASE_SECONDS": "3"}


class Shared:
    """The database the processes use, read from here."""

    def __init__(self, url: str):
        self.url = url

    def rows(self, sql: str, *params) -> list[tuple]:
        if self.url.startswith("sqlite"):
            with sqlite3.connect(self.url.removeprefix("sqlite:///"), timeout=30) as db:
                return db.execute(sql.replace("%s", "?"), params).fetchall()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def manage(self, *args: str) -> str:
        env = {**servers.server_env(self.url), **ENV}
        return subprocess.run([sys.executable, "manage.py", *args], cwd=servers.ROOT,
                              env=env, check=True, capture_output=True, text=True,
                              timeout=300).stdout

    def statuses(self) -> dict[str, int]:
        return dict(self.rows("SELECT status, count(*) FROM events_delivery GROUP BY status"))

    def worker_of(self, event_id: str) -> str:
        (workers,) = self.rows(
            "SELECT t.worker_ids FROM events_delivery d JOIN django_tasks_database_dbtaskresult t"
            " ON t.id = d.task_id WHERE d.record_id = %s", int(event_id.removeprefix("chg_")))[0]
        return (json.loads(workers) if isinstance(workers, str) else workers)[-1]


@pytest.fixture(scope="module")
def migrated(tmp_path_factory) -> Path | None:
    """On SQLite, one migrated database file for the module (copied by each test)."""
    if connection.vendor == "postgresql":
        return None
    folder = tmp_path_factory.mktemp("migrated")
    servers.shared_database(folder)
    return folder / "shared.sqlite3"


@pytest.fixture
def shared(tmp_path, migrated) -> Shared:
    if migrated is None:
        return Shared(servers.shared_database(tmp_path))
    shutil.copyfile(migrated, tmp_path / "shared.sqlite3")
    return Shared(f"sqlite:///{tmp_path / 'shared.sqlite3'}")


@contextmanager
def workers(shared: Shared, tmp: Path, *names: str) -> Iterator[dict[str, subprocess.Popen]]:
    env = {**servers.server_env(shared.url), **ENV}
    started = {}
    for name in names:
        log = open(tmp / f"worker-{name}.log", "w")  # noqa: SIM115 (kept open for the process)
        started[name] = subprocess.Popen(
            [sys.executable, "manage.py", "deliver_events", "--interval", "0.2",
             "--worker-id", name], cwd=servers.ROOT, env=env, stdout=log, stderr=log)
    try:
        yield started
    finally:
        for process in started.values():
            servers.stop(process)


def subscribe(shared: Shared, receiver: Receiver) -> None:
    made = json.loads(shared.manage("create_webhook", "hook", "--url", receiver.url, "--types",
                                    "tessera.organization.*", "--json"))
    receiver.secret = made["secret"]


def import_orgs(shared: Shared, tmp: Path, prefix: str, count: int) -> None:
    rows = tmp / f"{prefix}.csv"
    rows.write_text("path,friendlyName\n" + "".join(
        f"{prefix}{i},{prefix} {i}\n" for i in range(count)))
    shared.manage("import_orgs", str(rows))


def wait(condition, timeout: float, what: str) -> float:
    start = time.monotonic()
    while not condition():
        assert time.monotonic() - start < timeout, what
        time.sleep(0.05)
    return time.monotonic() - start


def test_a_worker_killed_midway_loses_nothing_and_two_workers_never_send_twice(shared,
                                                                               tmp_path):
    released = threading.Event()
    held: list[str] = []

    def hold(event_id: str, seen: int):
        if len(held) == 0 and seen == 0 and len(receiver_ids()) >= 10:
            held.append(event_id)
            return released
        return None

    with receiving(hold=hold) as receiver:
        receiver_ids = receiver.ids
        subscribe(shared, receiver)
        with workers(shared, tmp_path, "A", "B") as running:
            import_orgs(shared, tmp_path, "first", 40)
            wait(lambda: held, 60, "no delivery was held")
            victim = shared.worker_of(held[0])
            running[victim].send_signal(signal.SIGKILL)
            running[victim].wait(10)
            killed_at = time.monotonic()
            released.set()  # its answer goes to a dead socket
            import_orgs(shared, tmp_path, "second", 40)  # the stream goes on
            wait(lambda: receiver.ids().count(held[0]) == 2, 60,
                 "the held delivery was not taken up again")
            taken_up = time.monotonic() - killed_at
            wait(lambda: shared.statuses() == {"delivered": 80}, 60,
                 f"not every change delivered: {shared.statuses()}")
    ids = receiver.ids()
    assert len(set(ids)) == 80
    assert {i: ids.count(i) for i in set(ids) if ids.count(i) > 1} == {held[0]: 2}
    assert taken_up < 60
    assert all(r.verified for r in receiver.got)
    assert running[victim].returncode == -signal.SIGKILL


def test_sigterm_finishes_the_delivery_in_hand_then_stops(shared, tmp_path):
    released = threading.Event()
    with receiving(hold=lambda event_id, seen: released) as receiver:
        subscribe(shared, receiver)
        import_orgs(shared, tmp_path, "org", 5)
        with workers(shared, tmp_path, "A") as running:
            wait(lambda: receiver.got, 60, "nothing was delivered")
            running["A"].send_signal(signal.SIGTERM)
            time.sleep(0.5)
            assert running["A"].poll() is None  # still finishing the attempt in hand
            released.set()
            assert running["A"].wait(20) == 0
    assert len(receiver.got) == 1
    assert shared.statuses() == {"delivered": 1, "queued": 4}
    (delivered,) = shared.rows("SELECT record_id FROM events_delivery WHERE status = %s",
                               "delivered")
    assert f"chg_{delivered[0]}" == receiver.got[0].id


def test_deliver_events_once_delivers_what_is_due_and_exits(shared, tmp_path):
    with receiving() as receiver:
        subscribe(shared, receiver)
        import_orgs(shared, tmp_path, "org", 3)
        done = json.loads(shared.manage("deliver_events", "--once", "--json"))
        assert done["relayed"] >= 3
        assert shared.statuses() == {"delivered": 3}
        assert len(receiver.got) == 3 and all(r.verified for r in receiver.got)
    assert os.environ.get("WEBHOOK_LEASE_SECONDS") is None  # the processes' setting only


WRITER = """
from audit import context as scope
from identities.services.tenants import tenant_create, tenant_update
with scope.for_command("writer"):
    tenant = tenant_create(key="busy", name="0")
    for n in range(1, 150):
        tenant_update(tenant=tenant, name=str(n))  # reads, then writes
"""


def test_writes_beside_a_busy_worker_wait_for_the_lock_rather_than_fail(shared, tmp_path):
    """On SQLite (make run) the server and the worker write to one file: a write that reads
    first waits for the worker's lock instead of failing with "database is locked"."""
    if not shared.url.startswith("sqlite"):
        pytest.skip("SQLite's lock (PostgreSQL locks rows)")
    with receiving() as receiver:
        subscribe(shared, receiver)
        shared.manage("create_webhook", "all", "--url", receiver.url, "--json")
        with workers(shared, tmp_path, "A", "B"):
            shared.manage("shell", "-c", WRITER)  # check=True: fails on any error
            wait(lambda: shared.statuses().get("delivered", 0) >= 150, 60,
                 f"not delivered: {shared.statuses()}")
