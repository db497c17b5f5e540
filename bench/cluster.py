"""Benchmark and drills of the production topology (docs/deployment.md); prints its figures.

    scripts/cluster.sh up            # first: the cluster this bench measures (CLUSTER_* respected)
    .venv/bin/python bench/cluster.py [--seconds 20] [--clients 8] [--drills abc] [--parts mds]
                                      [--sizing-seconds 15] [--sizing-threads 4] [--json]

It reads `scripts/cluster.sh status --json` (same CLUSTER_* environment), makes its own API
clients with `scripts/cluster.sh manage create_api_client` (namespace `benchcluster`, every
permission) and runs the mixed workload of bench/cluster_load.py (about 10% writes, each read
back by its writer, half with its Tessera-Consistency token) for `--seconds`:

1. through the proxy (nginx, two nodes, PgBouncer, the replica);
2. through one gunicorn (2 workers) this bench starts on a free port, straight to the primary
   (no PgBouncer, no replica, prepared statements on), stopped after: the ratio proxy/direct of
   p50, p99 and throughput is what the topology costs (the proxy run has 4 workers to this one's
   2, on the same 2 cores as the bench itself);
3. the share of reads the replica served, from the `db=` atom of the nodes' access-log lines
   of the proxy run, joined to the bench's requests by correlation id ("unknown" where a line
   has none), by kind of read; and the stale read-backs: a check that does not answer the
   authorisation just created, or a read by id that does not answer it revoked (or 404);
4. three drills under the same load, each with its failed requests (non-2xx or no answer) and
   those later than 2 s after the fault: a. `kill -9` of an app node (master and workers), then
   `scripts/cluster.sh up`, which starts it again; b. the replica stopped (`pg_ctl stop -m
   fast`) for 5 s, then started; c. the replica's replay paused (`pg_wal_replay_pause()`) for
   10 s, with the stale read-backs made meanwhile;
5. sizing (bench/cluster_sizing.py): one node of a single sync worker, as the cluster runs its
   nodes, saturated by `--sizing-threads` clients with checks only, then writes only, for
   `--sizing-seconds` each: requests a second, the CPU seconds of the node, of each PostgreSQL
   server and of PgBouncer per 1000 requests, hence requests a second per vCPU of an app node,
   and the database connections the node held.

`--parts` picks among m (1-3), d (4) and s (5). The direct run goes first: it outlasts
REPLICA_PIN_SECONDS, so the readers' token requests and the seeding pin no one by the proxy
run. The machine's cores are shared by the nodes, the databases and the bench's clients: single
figures are noisy, the ratios of one run are the point. Runs in about 3 minutes with the
defaults. Leaves the cluster up (and its rows: the clients and authorisations carry the run id
in their names). Only loopback traffic.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import cluster_drills as drills  # noqa: E402
from bench import cluster_sizing as sizing  # noqa: E402
from bench.cluster_load import (  # noqa: E402
    NAMESPACE,
    Client,
    Load,
    World,
    fetch_token,
    latency,
    log_offsets,
    prepare,
    replica_share,
    served_by,
    stale,
)

SCRIPT = ROOT / "scripts" / "cluster.sh"


def cluster(*args: str, timeout: int = 300) -> str:
    done = subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, timeout=timeout)
    if done.returncode:
        raise SystemExit(f"scripts/cluster.sh {' '.join(args)} failed:\n"
                         f"{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return done.stdout


def cluster_dir() -> Path:
    return Path(os.environ.get("CLUSTER_DIR") or ROOT / ".cluster")


def make_clients(count: int, run: str) -> list[Client]:
    """`count` API clients (the first half writes), made in parallel by create_api_client."""
    def make(i: int) -> Client:
        out = cluster("manage", "create_api_client", f"bench-{run}-{i}", "--all-perms",
                      "--namespace", NAMESPACE, "--json")
        data = json.loads(out.strip().splitlines()[-1])
        return Client(i, data["client_id"], data["client_secret"], writer=i < count // 2)

    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(make, range(count)))


def measure(base: str, clients: list[Client], world: World, phase: str, seconds: float,
            logs: list[Path]) -> dict:
    offsets = log_offsets(logs)
    load = Load(base, clients, world, phase, warmup=1.5)
    started = load.start()
    time.sleep(seconds)
    ended = load.stop()
    out = {"latency": latency(load.records, ended - started), "stale": stale(load.records)}
    if logs:
        time.sleep(0.3)  # the last lines reach the log files
        out["replica_share"] = replica_share(load.records, served_by(offsets, world.run))
    return out


@contextmanager
def direct_node(primary: str):
    """A gunicorn of this checkout (2 workers, DEBUG=0) on a free port, its database the
    primary itself; yields its URL."""
    with sizing.app_node(cluster_dir(), 2, {"DATABASE_URL": primary}) as node:
        yield node.url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=20, help="each workload run (20)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent API clients (8)")
    parser.add_argument("--drills", default="abc",
                        help="which drills: a (node killed), b (replica stopped), c (replay "
                        "paused); '' for none (abc)")
    parser.add_argument("--parts", default="mds",
                        help="which parts: m (mixed workload, proxy and direct), d (the drills "
                        "of --drills), s (sizing of one node) (mds)")
    parser.add_argument("--sizing-seconds", type=float, default=15,
                        help="each sizing phase, checks then writes (15)")
    parser.add_argument("--sizing-threads", type=int, default=4,
                        help="client threads saturating the sizing node (4)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead")
    args = parser.parse_args()
    if args.clients < 2:
        parser.error("--clients: at least 2 (half write, half only read)")
    if set(args.parts) - set("mds"):
        parser.error("--parts: letters among m, d, s")

    status = json.loads(cluster("status", "--json"))
    down = [n["url"] for n in status["nodes"] if not n["pid"]]
    if down:
        raise SystemExit(f"nodes down: {', '.join(down)} (scripts/cluster.sh up first)")
    run = secrets.token_hex(3)
    started = time.perf_counter()
    clients = make_clients(args.clients, run)
    base = status["http"]
    for client in clients:
        fetch_token(base, client)
    tokens_at = time.perf_counter()  # a token is a write: it pins its client for a while
    world = prepare(base, clients, run)
    logs = [cluster_dir() / "log" / f"node-{n['url'].rsplit(':', 1)[1]}.log"
            for n in status["nodes"]]
    report = {"run": run, "proxy": base, "nodes": [n["url"] for n in status["nodes"]],
              "clients": args.clients, "writers": sum(c.writer for c in clients),
              "seconds": args.seconds, "replica": drills.replica_state(status["replica"]),
              "parts": args.parts}
    if "m" in args.parts:
        # direct first: it outlasts REPLICA_PIN_SECONDS, so the readers' token requests and the
        # seeding no longer pin anyone when the proxy run starts
        with direct_node(status["primary"]) as url:
            report["direct"] = measure(url, clients, world, "direct", args.seconds, [])
        report["via_proxy"] = measure(base, clients, world, "proxy", args.seconds, logs)
        proxy, direct = report["via_proxy"]["latency"], report["direct"]["latency"]
        report["ratio"] = {key: round(proxy[key] / direct[key], 2) if direct[key] else None
                           for key in ("p50_ms", "p99_ms", "rps")}
    context = drills.Context(base, clients, world, logs, status, cluster, cluster_dir())
    report["drills"] = {name: run(context) for letter, name, run in (
        ("a", "kill_node", drills.kill_node), ("b", "replica_stopped", drills.replica_stopped),
        ("c", "replay_paused", drills.replay_paused))
        if letter in args.drills and "d" in args.parts}
    if "s" in args.parts:
        # last: the drills may have restarted the replica (its postmaster is read then)
        report["sizing"] = sizing.run(status, cluster_dir(), clients, world,
                                      args.sizing_seconds, args.sizing_threads, tokens_at)
    report["total_seconds"] = round(time.perf_counter() - started, 1)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        from bench.cluster_report import render

        print(render(report))


if __name__ == "__main__":
    main()
