"""The drills of bench/cluster.py, each under the workload of bench/cluster_load.py: an app node
killed (`kill -9`, master and workers) and started again by `scripts/cluster.sh up`; the replica
stopped for 5 s and started; the replica's replay paused for 10 s. Each answers its failed
requests, those later than 2 s after the fault, what it did when (seconds from the fault) and
the share of reads the replica served meanwhile. Whatever fails, the cluster is left as found
(node started, replica started, replay resumed)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg

from bench.cluster_load import (
    Client,
    Load,
    World,
    failures,
    log_offsets,
    replica_share,
    served_by,
    stale,
)

BEFORE, AFTER = 2.0, 3.0  # seconds of load before the fault and after the recovery


@dataclass
class Context:
    base: str
    clients: list[Client]
    world: World
    logs: list[Path]
    status: dict
    cluster: Callable[..., str]
    directory: Path


def under_load(context: Context, phase: str, action: Callable[[], dict]) -> dict:
    """`action` under the workload: it sleeps BEFORE, makes its fault, recovers, and answers
    {"at": {event: perf_counter time}, …} with "fault" and "recovered" among the events; the
    figures follow, times in seconds from the fault."""
    offsets = log_offsets(context.logs)
    load = Load(context.base, context.clients, context.world, phase)
    load.start()
    try:
        done = action()
        time.sleep(AFTER)
    finally:
        load.stop()
    time.sleep(0.3)
    at = done.pop("at")
    fault, recovered = at["fault"], at["recovered"]
    during = [r for r in load.records if fault <= r.t0 <= recovered]
    return {
        **failures(load.records, fault),
        "requests": len(load.records),
        "at": {name: round(t - fault, 2) for name, t in at.items()},
        **done,
        "stale_during": stale(during),
        "replica_share_during": replica_share(during, served_by(offsets, context.world.run))
        ["all"],
    }


def descendants(pid: int) -> list[int]:
    """The processes under `pid` (a /proc walk: a gunicorn master's workers)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        children = [child for child, ppid in parents.items() if ppid == parent]
        found.extend(children)
        frontier.extend(children)
    return found


def kill_node(context: Context) -> dict:
    node = context.status["nodes"][0]
    master = int(node["pid"])

    def action() -> dict:
        time.sleep(BEFORE)
        victims = [master, *descendants(master)]
        fault = time.perf_counter()
        for pid in victims:
            with contextlib.suppress(ProcessLookupError):  # a worker that just exited
                os.kill(pid, signal.SIGKILL)
        time.sleep(3)
        up_started = time.perf_counter()
        done = subprocess.run(_script("up"), capture_output=True, text=True, timeout=300)
        recovered = time.perf_counter()
        pid = _node_pid(context, node["url"])
        return {"at": {"fault": fault, "up_started": up_started, "recovered": recovered},
                "killed": f"{node['url']}: {len(victims)} processes",
                "up_seconds": round(recovered - up_started, 1),
                "up_ok": done.returncode == 0 and pid not in (None, master),
                "new_pid": pid, "up_error": (done.stdout + done.stderr)[-500:]
                if done.returncode else ""}

    return under_load(context, "kill", action)


def _script(*args: str) -> list[str]:
    return [str(Path(__file__).resolve().parent.parent / "scripts" / "cluster.sh"), *args]


def _node_pid(context: Context, url: str) -> int | None:
    status = json.loads(context.cluster("status", "--json"))
    return next((n["pid"] for n in status["nodes"] if n["url"] == url), None)


def as_postgres(*command: str) -> list[str]:
    """`command` run as the postgres user when we are root (PostgreSQL refuses root)."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else list(command)


def pg_ctl() -> str:
    if os.environ.get("PGBIN"):
        return f"{os.environ['PGBIN']}/pg_ctl"

    def version(path: Path) -> list[int]:
        return [int(p) for p in re.findall(r"\d+", path.parent.name)]

    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=version)
    if not found:
        raise SystemExit("no pg_ctl under /usr/lib/postgresql (set PGBIN)")
    return str(found[-1])


def replica_stopped(context: Context, seconds: float = 5.0) -> dict:
    data = context.directory / "pg" / "replica"
    port = urllib.parse.urlsplit(context.status["replica"]).port
    start = as_postgres(pg_ctl(), "-D", str(data), "-l", str(context.directory / "log" /
                        "replica.log"), "-o", f"-p {port} -k {context.directory / 'run'}",
                        "-w", "start")

    def action() -> dict:
        time.sleep(BEFORE)
        fault = time.perf_counter()
        try:
            subprocess.run(as_postgres(pg_ctl(), "-D", str(data), "-m", "fast", "-w", "stop"),
                           check=True, capture_output=True, timeout=60)
            stopped = time.perf_counter()
            time.sleep(seconds)
        finally:
            started = time.perf_counter()
            subprocess.run(start, check=True, capture_output=True, timeout=60)
        recovered = time.perf_counter()
        return {"at": {"fault": fault, "stopped": stopped, "start": started,
                       "recovered": recovered}}

    result = under_load(context, "stop", action)
    result["streaming_again"] = wait_streaming(context.status["replica"])
    return result


def replay_paused(context: Context, seconds: float = 10.0) -> dict:
    with psycopg.connect(context.status["replica"], autocommit=True) as db:
        def action() -> dict:
            time.sleep(BEFORE)
            fault = time.perf_counter()
            try:
                db.execute("SELECT pg_wal_replay_pause()")
                time.sleep(seconds)
                behind = db.execute(
                    "SELECT pg_get_wal_replay_pause_state(), pg_wal_lsn_diff("
                    "pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())").fetchone()
            finally:
                db.execute("SELECT pg_wal_replay_resume()")
            return {"at": {"fault": fault, "recovered": time.perf_counter()},
                    "state_before_resume": behind[0],
                    "wal_behind_bytes": int(behind[1] or 0)}

        return under_load(context, "pause", action)


def replica_state(dsn: str) -> dict:
    """In recovery, streaming, and how far behind (seconds since the last replayed commit)."""
    try:
        with psycopg.connect(dsn, autocommit=True, connect_timeout=5) as db:
            row = db.execute(
                "SELECT pg_is_in_recovery(), (SELECT status FROM pg_stat_wal_receiver), "
                "pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())"
            ).fetchone()
    except psycopg.Error as error:
        return {"error": str(error).strip()}
    return {"in_recovery": row[0], "receiver": row[1], "replay_behind_bytes": int(row[2] or 0)}


def wait_streaming(dsn: str, timeout: float = 15) -> float | None:
    """Seconds until the replica streams again (None: not within `timeout`)."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if replica_state(dsn).get("receiver") == "streaming":
            return round(time.perf_counter() - started, 1)
        time.sleep(0.2)
    return None
