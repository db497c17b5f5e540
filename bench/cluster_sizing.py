"""The sizing part of bench/cluster.py: what one app node costs, per request and per vCPU.

It starts one gunicorn of this checkout with a single sync worker, as scripts/cluster.sh runs
its nodes (DEBUG=0, PgBouncer's DSN with DB_TRANSACTION_POOLING=1, the replica as
DATABASE_REPLICA_URL), and saturates it with a few client threads (a connection per request: a
sync worker closes each one), first with access checks only (by clients that have not written
for longer than REPLICA_PIN_SECONDS, so the replica serves them), then with writes only (an
authorisation created, then revoked). For each phase it takes the CPU seconds (utime + stime,
and those of reaped children, from /proc) of the node (master and worker), of each PostgreSQL
server (its postmaster and every process under it), of PgBouncer and of the bench itself, and
samples once a second the database connections: the node's own sockets to PgBouncer, the
replica, the primary and Redis; the client backends on the primary and the replica; PgBouncer's
SHOW POOLS when its admin console lets the postgres user in. Requests per app CPU second are the
requests a second one fully busy vCPU serves; the node's CPU and run-queue seconds over wall
time say how long its worker computed, waited for a core, and waited on the rest (the
databases, Redis), hence how many workers fill a vCPU. Every API request reads its bearer
token on the primary (identities/api/authentication.py), so checks cost the primary too.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg

from bench.cluster_load import (
    API,
    AUTH_TYPE,
    NAMESPACE,
    OBJECTS,
    Client,
    World,
    call,
    log_offsets,
    served_by,
)
from bench.common import free_port, pct, stop, wait_up

ROOT = Path(__file__).resolve().parent.parent
TICK = os.sysconf("SC_CLK_TCK")
WARMUP = 1.5


@dataclass
class Node:
    url: str
    process: subprocess.Popen
    access_log: Path


@contextmanager
def app_node(directory: Path, workers: int, database: dict[str, str]) -> Iterator[Node]:
    """A gunicorn of this checkout (DEBUG=0, `workers` sync workers) on a free port, with the
    cluster's secret key and the `database` environment; access and error logs in a temporary
    folder, gone after."""
    port = free_port()
    keep_out = {"DATABASE_URL", "DATABASE_REPLICA_URL", "DB_PREPARED_STATEMENTS",
                "DB_TRANSACTION_POOLING", "DJANGO_SETTINGS_MODULE"}
    env = {k: v for k, v in os.environ.items() if k not in keep_out}
    env.update(DEBUG="0", ALLOWED_HOSTS="127.0.0.1,localhost", SECURE_SSL_REDIRECT="0",
               SESSION_COOKIE_SECURE="0", CSRF_COOKIE_SECURE="0", NUM_PROXIES="1",
               REDIS_URL=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
               SECRET_KEY=os.environ.get("SECRET_KEY")
               or (directory / "secret_key").read_text().strip(), **database)
    logs = tempfile.TemporaryDirectory(prefix="bench-cluster-")
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "-c", "gunicorn.conf.py", "--bind",
         f"127.0.0.1:{port}", "--workers", str(workers), "--access-logfile",
         f"{logs.name}/access.log", "--error-logfile", f"{logs.name}/error.log"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_up(port)
        yield Node(f"http://127.0.0.1:{port}", server, Path(logs.name, "access.log"))
    except BaseException:
        sys.stderr.write(Path(logs.name, "error.log").read_text(errors="replace")[-3000:])
        raise
    finally:
        stop(server)
        logs.cleanup()


# --- CPU seconds and sockets, from /proc -------------------------------------------------------

def _processes() -> dict[int, tuple[int, int]]:
    """pid: (ppid, CPU ticks of the process and of its reaped children)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            found[int(entry.name)] = (int(fields[1]), sum(int(f) for f in fields[11:15]))
    return found


def tree(processes: dict[int, tuple[int, int]], root: int) -> list[int]:
    """`root` and every process under it."""
    found, frontier = [root], [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, (ppid, _) in processes.items() if ppid == parent]
        found.extend(children)
        frontier.extend(children)
    return [pid for pid in found if pid in processes]


def cpu(roots: dict[str, int | None]) -> dict[str, float | None]:
    """CPU seconds so far of each named process tree, and of this bench ("bench"). A child's
    seconds stay counted once it exits: its parent's cutime/cstime take them over."""
    processes = _processes()
    out: dict[str, float | None] = {
        name: None if root is None or root not in processes
        else sum(processes[pid][1] for pid in tree(processes, root)) / TICK
        for name, root in roots.items()}
    times = os.times()
    out["bench"] = times.user + times.system
    return out


def run_queue(pids: list[int]) -> float:
    """Seconds the processes `pids` have waited for a core so far (/proc/PID/schedstat)."""
    total = 0
    for pid in pids:
        try:
            total += int(Path(f"/proc/{pid}/schedstat").read_text().split()[1])
        except (OSError, ValueError, IndexError):
            continue
    return total / 1e9


def pid_file(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _remote_ports() -> dict[str, int]:
    """Socket inode: remote port, of the established TCP connections."""
    found = {}
    for name in ("tcp", "tcp6"):
        try:
            lines = Path("/proc/net", name).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == "01":
                found[fields[9]] = int(fields[2].rsplit(":", 1)[1], 16)
    return found


def sockets(pids: list[int], ports: dict[str, int]) -> dict[str, int]:
    """How many connections the processes `pids` hold to each named port."""
    remote, by_port = _remote_ports(), Counter()
    for pid in pids:
        try:
            links = [os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir()]
        except OSError:
            continue
        for link in links:
            if link.startswith("socket:["):
                by_port[remote.get(link[8:-1])] += 1
    return {name: by_port[port] for name, port in ports.items()}


# --- connections the databases see ------------------------------------------------------------

BACKENDS = ("SELECT count(*), count(*) FILTER (WHERE state = 'active') FROM pg_stat_activity "
            "WHERE backend_type = 'client backend' AND datname = 'tessera' "
            "AND pid <> pg_backend_pid()")


def pgbouncer_pools(dsn: str) -> dict | str:
    """SHOW POOLS of PgBouncer's admin console for the tessera pool (psql as the postgres
    user), or why not."""
    url = urllib.parse.urlsplit(dsn)
    try:
        done = subprocess.run(
            ["psql", "-h", url.hostname, "-p", str(url.port), "-U", url.username or "postgres",
             "-d", "pgbouncer", "-AF", "|", "-P", "footer=off", "-c", "SHOW POOLS"],
            capture_output=True, text=True, timeout=5, env={**os.environ, "PGCONNECT_TIMEOUT": "3"})
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"psql: {error}"
    if done.returncode:
        return done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "psql failed"
    header, *rows = [line.split("|") for line in done.stdout.splitlines()]
    for row in rows:
        pool = dict(zip(header, row, strict=False))
        if pool.get("database") == "tessera":
            return {key: int(pool[key]) for key in
                    ("cl_active", "cl_waiting", "sv_active", "sv_idle", "sv_used") if key in pool}
    return "no tessera pool in SHOW POOLS"


class Sampler:
    """Once a second while a phase runs: the node's sockets, the databases' client backends and
    PgBouncer's pools; `maxima` keeps the highest of each."""

    def __init__(self, node_pids: list[int], ports: dict[str, int], dbs: dict[str, object],
                 pgbouncer: str | None):
        self.node_pids, self.ports, self.dbs, self.pgbouncer = node_pids, ports, dbs, pgbouncer
        self.maxima: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _keep(self, name: str, value: int) -> None:
        self.maxima[name] = max(value, self.maxima.get(name, 0))

    def sample(self) -> None:
        for name, count in sockets(self.node_pids, self.ports).items():
            self._keep(f"node_to_{name}", count)
        for name, db in self.dbs.items():
            total, active = db.execute(BACKENDS).fetchone()
            self._keep(f"{name}_backends", total)
            self._keep(f"{name}_active", active)
        if self.pgbouncer:
            pools = pgbouncer_pools(self.pgbouncer)
            for key, value in (pools.items() if isinstance(pools, dict) else ()):
                self._keep(f"pgbouncer_{key}", value)

    def _run(self) -> None:
        while not self._stop.wait(1.0):
            self.sample()

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *_) -> None:
        self._stop.set()
        self._thread.join()


# --- the load ---------------------------------------------------------------------------------

def _hammer(url: str, kind: str, number: int, client: Client, world: World,
            stop: threading.Event, into: list[tuple]) -> None:
    """Client thread `number`: checks of the seeded authorisations, or a create then its revoke,
    until `stop`; each request appended as (t0, t1, status, cid)."""
    rng, seq, mine = random.Random(f"{world.run}{kind}{number}"), 0, []

    def send(method: str, path: str, body: object = None) -> tuple[int, bytes]:
        nonlocal seq
        seq += 1
        cid = f"bc{world.run}-size-{kind}-{number}-{seq}"
        t0 = time.perf_counter()
        status, answer, _ = call(url, method, path, token=client.token, body=body,
                                 headers={"X-Correlation-ID": cid})
        mine.append((t0, time.perf_counter(), status, cid))
        return status, answer

    while not stop.is_set():
        if kind == "checks":
            _, subject, obj = rng.choice(world.seeds)
            send("GET", f"{API}/authorisation/check?" + urllib.parse.urlencode(
                {"subject": subject, "object": obj, "authType": AUTH_TYPE}))
            continue
        subject = f"bc{world.run}-size-{number}-{seq}"
        status, answer = send("POST", f"{API}/authorisation", {
            "nsCode": NAMESPACE, "authType": AUTH_TYPE,
            "subject": {"type": "string", "value": subject},
            "object": {"type": "string", "value": f"bc{world.run}-o{rng.randrange(OBJECTS)}"}})
        if status == 201:
            send("POST", f"{API}/authorisation/{json.loads(answer)['id']}/revoke", {})
    into.extend(mine)


def phase(node: Node, kind: str, clients: list[Client], world: World, seconds: float,
          roots: dict[str, int | None], node_pids: list[int], sample: Sampler) -> dict:
    """`len(clients)` threads saturate the node with `kind` for `seconds` (after WARMUP):
    throughput, latency, and the CPU seconds and connections it cost."""
    offsets = log_offsets([node.access_log])
    stop, done = threading.Event(), []
    threads = [threading.Thread(target=_hammer, args=(node.url, kind, i, c, world, stop, done),
                                daemon=True) for i, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    time.sleep(WARMUP)
    before, queued, start = cpu(roots), run_queue(node_pids), time.perf_counter()
    with sample:
        time.sleep(seconds)
    after, queued, end = cpu(roots), run_queue(node_pids) - queued, time.perf_counter()
    stop.set()
    for thread in threads:
        thread.join()
    wall = end - start
    window = [r for r in done if start <= r[1] <= end]
    ok = [r for r in window if 200 <= r[2] < 300]
    used = {name: None if after[name] is None or before[name] is None
            else round(after[name] - before[name], 3) for name in after}
    app = used["app"] or 0.0
    times = sorted(r[1] - r[0] for r in ok)
    out = {
        "requests": len(ok), "failed": len(window) - len(ok), "seconds": round(wall, 2),
        "rps": round(len(ok) / wall, 1),
        "p50_ms": round(pct(times, .5) * 1000, 1) if times else None,
        "p99_ms": round(pct(times, .99) * 1000, 1) if times else None,
        "cpu_seconds": used,
        "app_cpu_per_1000": round(app / len(ok) * 1000, 2) if ok else None,
        "per_vcpu": round(len(ok) / app, 1) if app else None,
        # of the node's wall time: computing, waiting for a core, waiting for the rest
        # (the databases, Redis, its clients)
        "node_time": {"cpu": round(app / wall, 3), "run_queue": round(queued / wall, 3),
                      "waits": round(max(0.0, 1 - (app + queued) / wall), 3)},
        "db_cpu_per_1000": {name: round(used[name] / len(ok) * 1000, 2)
                            if ok and used[name] is not None else None
                            for name in ("primary", "replica", "pgbouncer")},
        "connections": dict(sample.maxima),
    }
    time.sleep(0.3)  # the last lines reach the access log
    atoms = served_by(offsets, world.run)
    ok_cids = {r[3] for r in ok}
    out["served_by"] = dict(Counter(atoms.get(cid) or "unknown" for cid in ok_cids)
                            .most_common())
    return out


def run(status: dict, directory: Path, clients: list[Client], world: World, seconds: float,
        threads: int, quiet_since: float) -> dict:
    """The sizing figures. The checkers are the clients that only read (the writers when there
    are none); `quiet_since` is when they last wrote (their tokens: a pin)."""
    pin = float(os.environ.get("REPLICA_PIN_SECONDS", 5)) + 1
    readers = [c for c in clients if not c.writer] or clients
    writers = [c for c in clients if c.writer] or clients
    ports = {name: urllib.parse.urlsplit(status[name]).port
             for name in ("pgbouncer", "replica", "primary")}
    ports["redis"] = urllib.parse.urlsplit(
        os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")).port or 6379
    pools = pgbouncer_pools(status["pgbouncer"])
    out = {"machine": {"cpus": os.cpu_count(), "load_average": [round(x, 2) for x in
                                                                os.getloadavg()]},
           "workers": 1, "threads": threads, "seconds": seconds,
           "pgbouncer_admin": "reachable" if isinstance(pools, dict) else pools}
    with psycopg.connect(status["primary"], autocommit=True) as primary, \
            psycopg.connect(status["replica"], autocommit=True) as replica:
        dbs = {"primary": primary, "replica": replica}
        out["backends_before"] = {name: db.execute(BACKENDS).fetchone()[0]
                                  for name, db in dbs.items()}
        with app_node(directory, 1, {"DATABASE_URL": status["pgbouncer"],
                                     "DATABASE_REPLICA_URL": status["replica"],
                                     "DB_TRANSACTION_POOLING": "1"}) as node:
            master = node.process.pid
            roots = {"app": master,
                     "primary": pid_file(directory / "pg" / "primary" / "postmaster.pid"),
                     "replica": pid_file(directory / "pg" / "replica" / "postmaster.pid"),
                     "pgbouncer": pid_file(directory / "pgbouncer" / "pgbouncer.pid")}
            node_pids = tree(_processes(), master)
            out["node"] = {"url": node.url, "processes": len(node_pids)}
            time.sleep(max(0.0, quiet_since + pin - time.perf_counter()))
            for kind, who in (("checks", readers), ("writes", writers)):
                chosen = [who[i % len(who)] for i in range(threads)]
                sample = Sampler(node_pids, ports, dbs, status["pgbouncer"]
                                 if isinstance(pools, dict) else None)
                out[kind] = phase(node, kind, chosen, world, seconds, roots, node_pids, sample)
    return out
