"""Real servers in subprocesses, for tests that need one (gunicorn with the shipped
gunicorn.conf.py, or runserver), and the database such a process and the test both see.

A server in a subprocess, not pytest-django's live-server thread: Python 3.11.7 can fail a
process that builds ASTs in two threads at once (CPython gh-106905, "AST constructor
recursion depth mismatch"), which a server thread importing modules beside the test's own
thread did.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_env(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO"))}
    env.update(DATABASE_URL=database_url, DEBUG="1", PYTHONUNBUFFERED="1")
    if env.pop("DATABASE_REPLICA_URL", None) and database_url.startswith("postgres"):
        env["DATABASE_REPLICA_URL"] = database_url  # the suite's replica mirrors its database
    return env


def manage(database_url: str, *args: str, **kwargs) -> subprocess.CompletedProcess:
    """`manage.py ARGS` in a process of its own, against `database_url`."""
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, check=True,
                          env=server_env(database_url), capture_output=True, text=True,
                          timeout=300, **kwargs)


def shared_database(tmp: Path) -> str:
    """A DATABASE_URL a subprocess and this test both use: on PostgreSQL the test database
    itself (what the test commits, the process sees), on SQLite a file of its own, migrated
    (the test's database is in memory)."""
    if connection.vendor == "postgresql":
        db = settings.DATABASES["default"]
        return (f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/"
                f"{db['NAME']}")
    url = f"sqlite:///{tmp / 'shared.sqlite3'}"
    manage(url, "migrate", "--noinput")
    return url


def wait_until_listening(process: subprocess.Popen, port: int, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited: {log.read_text()[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"the server did not listen in time: {log.read_text()[-2000:]}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def children_of(pid: int) -> list[int]:
    """The processes whose parent is `pid` (read from /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


class Server:
    def __init__(self, process: subprocess.Popen, port: int, logs: Path):
        self.process, self.port, self.logs = process, port, logs

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def request(self, method: str, target: str, body: bytes | None = None,
                headers: dict | None = None) -> tuple[http.client.HTTPResponse, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.request(method, target, body=body, headers=headers or {})
        response = conn.getresponse()
        content = response.read()
        conn.close()
        return response, content

    def worker_pids(self) -> list[int]:
        """The master's children (gunicorn's workers)."""
        return children_of(self.process.pid)


@contextmanager
def gunicorn(tmp: Path, database_url: str) -> Iterator[Server]:
    """gunicorn with the shipped gunicorn.conf.py, one worker, logs in `tmp`."""
    port = free_port()
    log = tmp / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(BIN / "gunicorn"), "config.wsgi", "-c", "gunicorn.conf.py",
             "--bind", f"127.0.0.1:{port}", "--workers", "1", "--no-control-socket",
             "--access-logfile", str(tmp / "access.log"), "--error-logfile", str(log)],
            cwd=ROOT, env=server_env(database_url), stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_until_listening(process, port, log)
        yield Server(process, port, tmp)
    finally:
        stop(process)


@contextmanager
def runserver(tmp: Path, database_url: str) -> Iterator[Server]:
    port = free_port()
    log = tmp / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", "--skip-checks",
             f"127.0.0.1:{port}"],
            cwd=ROOT, env=server_env(database_url), stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_until_listening(process, port, log)
        yield Server(process, port, tmp)
    finally:
        stop(process)
