"""bench/cluster.py's report as text (its --json prints the same figures as one object)."""

from __future__ import annotations


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} ms"


def _pc(value: float | None) -> str:
    return "unknown" if value is None else f"{value * 100:.0f}%"


def _row(name: str, figures: dict) -> str:
    lat = figures["latency"]
    return (f"  {name:<22}{lat['requests']:>8}{lat['rps']:>9.1f}{_ms(lat['p50_ms']):>11}"
            f"{_ms(lat['p95_ms']):>11}{_ms(lat['p99_ms']):>11}{lat['failed']:>8}"
            f"{lat['write_share'] * 100:>8.1f}%")


def _share(share: dict) -> str:
    if share["replica"] is None:
        return f"unknown ({share['reads']} reads)"
    because = ", ".join(f"{why.removeprefix('primary:') or why} {n}"
                        for why, n in share["primary_because"].items())
    return (f"{_pc(share['replica'])} of {share['known']}"
            + (f" (primary: {because})" if because else ""))


def _stale(figures: dict) -> str:
    token, plain, none = (figures[k] for k in ("back:token", "back:plain", "back:none"))
    text = (f"with token {token['stale']} of {token['reads']}, "
            f"without {plain['stale']} of {plain['reads']}")
    if none["reads"]:
        text += f", token wanted but the write answered none {none['stale']} of {none['reads']}"
    return text


def _failed(drill: dict) -> str:
    text = (f"failed {drill['failed']} of {drill['requests']}, "
            f"later than 2 s: {drill['failed_late']}")
    if drill["examples"]:
        text += f"  [{'; '.join(drill['examples'])}]"
    return text


def render(report: dict) -> str:
    replica = report["replica"]
    lines = [
        f"Tessera cluster bench (run {report['run']}): proxy {report['proxy']} before "
        f"{len(report['nodes'])} nodes; {report['clients']} clients ({report['writers']} write, "
        f"the others only read), {report['seconds']:g} s a run",
        "replica at start: " + (replica.get("error") or
                                f"in recovery {replica['in_recovery']}, receiver "
                                f"{replica['receiver']}, replay "
                                f"{replica['replay_behind_bytes']} bytes behind"),
    ]
    if "via_proxy" in report:
        lines += _mixed(report)
    lines += _drills(report["drills"])
    if "sizing" in report:
        lines += ["", *_sizing(report["sizing"])]
    lines.append("")
    lines.append(f"total {report['total_seconds']} s")
    return "\n".join(lines)


def _mixed(report: dict) -> list[str]:
    proxy, direct, ratio = report["via_proxy"], report["direct"], report["ratio"]
    lines = [
        "workload: reads 55% checks, 15% filtered lists, 15% by id, 15% CustomerID org; "
        "writers: 20% writes (create or revoke), each read back",
        "",
        f"  {'':<22}{'requests':>8}{'req/s':>9}{'p50':>11}{'p95':>11}{'p99':>11}"
        f"{'failed':>8}{'writes':>9}",
        _row("1. through the proxy", proxy),
        _row("2. one node, direct", direct),
        f"  ratio proxy/direct: p50 {ratio['p50_ms']}x, p99 {ratio['p99_ms']}x, "
        f"throughput {ratio['rps']}x  (proxy: {len(report['nodes'])} nodes x 2 workers; direct: "
        "1 x 2; one machine's cores shared with the clients)",
        "",
        "3. reads the replica served (proxy run, access-log db= atoms of "
        f"{proxy['replica_share']['lines']} lines):",
    ]
    share = proxy["replica_share"]
    for key, label in (("all", "all reads"), ("readers", "readers' reads"),
                       ("writers", "writers' reads"), ("back:token", "read-backs, token"),
                       ("back:plain", "read-backs, no token")):
        lines.append(f"     {label:<22}{_share(share[key])}")
    lines.append(f"   stale read-backs (expected 0): {_stale(proxy['stale'])}")
    backs = [direct["stale"][k] for k in ("back:token", "back:plain", "back:none")]
    lines.append(f"   (direct run, one database: {sum(b['stale'] for b in backs)} stale of "
                 f"{sum(b['reads'] for b in backs)} read-backs)")
    return lines


def _drills(drills: dict) -> list[str]:
    lines: list[str] = []
    if drills:
        lines += ["", "4. drills under the same load (times from the fault):"]
    if "kill_node" in drills:
        kill = drills["kill_node"]
        back = (f"back, pid {kill['new_pid']}" if kill["up_ok"]
                else f"NOT back: {kill['up_error']}")
        lines += [
            f"   a. kill -9 {kill['killed']}; `cluster.sh up` at +{kill['at']['up_started']} s "
            f"took {kill['up_seconds']} s, node {back}",
            f"      {_failed(kill)}",
        ]
    if "replica_stopped" in drills:
        stop = drills["replica_stopped"]
        at = stop["at"]
        lines += [
            f"   b. replica stopped in {at['stopped']} s, started at +{at['start']} s "
            f"(ready +{at['recovered']} s, streaming {stop['streaming_again']} s later); "
            f"reads meanwhile: replica {_share(stop['replica_share_during'])}",
            f"      {_failed(stop)}",
        ]
    if "replay_paused" in drills:
        pause = drills["replay_paused"]
        lines += [
            f"   c. replay paused {pause['at']['recovered']} s ({pause['state_before_resume']}, "
            f"{pause['wal_behind_bytes'] / 1024:.0f} kB of WAL behind at resume); reads "
            f"meanwhile: replica {_share(pause['replica_share_during'])}",
            f"      {_failed(pause)}",
            f"      stale read-backs during the pause (expected 0): "
            f"{_stale(pause['stale_during'])}",
        ]
    return lines


def _n(value: float | None, spec: str = ".2f") -> str:
    return "-" if value is None else format(value, spec)


def _sizing(sizing: dict) -> list[str]:
    machine = sizing["machine"]
    lines = [
        f"5. sizing: one app node, {sizing['workers']} sync gunicorn worker (PgBouncer in "
        f"transaction mode, the replica for reads), saturated by {sizing['threads']} client "
        f"threads, {sizing['seconds']:g} s a phase",
        f"   machine: {machine['cpus']} CPUs (load average {machine['load_average'][0]} at "
        "start). On this one small machine the nodes, the databases, PgBouncer and the load",
        "   generator share the cores, so scaling is planned on paper from the per-vCPU "
        "figures, not claimed.",
        f"   {'':<8}{'req/s':>7}{'p50':>9}{'failed':>7}{'app CPU s':>11}{'req/s per':>11}"
        f"{'DB CPU s per 1000 requests':>31}{'node time:':>20}",
        f"   {'':<8}{'':>7}{'':>9}{'':>7}{'per 1000':>11}{'app vCPU':>11}"
        f"{'primary':>11}{'replica':>10}{'PgBouncer':>10}{'CPU / queue / wait':>20}",
    ]
    for kind, label in (("checks", "checks"), ("writes", "writes")):
        p = sizing[kind]
        db, split = p["db_cpu_per_1000"], p["node_time"]
        lines.append(
            f"   {label:<8}{p['rps']:>7.1f}{_n(p['p50_ms'], '.1f') + ' ms':>9}{p['failed']:>7}"
            f"{_n(p['app_cpu_per_1000']):>11}{_n(p['per_vcpu'], '.0f'):>11}"
            f"{_n(db['primary']):>11}{_n(db['replica']):>10}{_n(db['pgbouncer']):>10}"
            + f"{split['cpu']:.0%} / {split['run_queue']:.0%} / {split['waits']:.0%}".rjust(20))
    lines.append("   (writes: an authorisation created, then revoked, alternately; req/s per app "
                 "vCPU = requests / the node's CPU seconds; node time: shares of its wall time "
                 "computing, waiting for a core, waiting on the databases and Redis)")
    lines.append("   CPU seconds of each phase: " + "; ".join(
        f"{k} " + ", ".join(f"{name} {_n(value, '.1f')}"
                            for name, value in sizing[k]["cpu_seconds"].items())
        for k in ("checks", "writes")))
    lines.append("   served by: " + "; ".join(
        f"{k} " + ", ".join(f"{db} {n}" for db, n in sizing[k]["served_by"].items())
        for k in ("checks", "writes")))
    lines.append(f"   connections, highest of the 1-s samples (1 worker: per node = per worker; "
                 f"before the node: primary {sizing['backends_before']['primary']}, replica "
                 f"{sizing['backends_before']['replica']} client backends of the other nodes "
                 "and PgBouncer):")
    for kind in ("checks", "writes"):
        c = sizing[kind]["connections"]
        text = (f"     {kind:<7} the node's sockets: PgBouncer {c.get('node_to_pgbouncer')}, "
                f"replica {c.get('node_to_replica')}, primary {c.get('node_to_primary')}, "
                f"Redis {c.get('node_to_redis')}; client backends: primary "
                f"{c.get('primary_backends')} ({c.get('primary_active')} active), replica "
                f"{c.get('replica_backends')} ({c.get('replica_active')} active)")
        if "pgbouncer_sv_active" in c:
            text += (f"; PgBouncer pool: clients {c.get('pgbouncer_cl_active')} active + "
                     f"{c.get('pgbouncer_cl_waiting')} waiting, servers "
                     f"{c.get('pgbouncer_sv_active')} active, {c.get('pgbouncer_sv_idle')} "
                     f"idle, {c.get('pgbouncer_sv_used')} used")
        lines.append(text)
    if sizing["pgbouncer_admin"] != "reachable":
        lines.append(f"     PgBouncer's SHOW POOLS: not reachable ({sizing['pgbouncer_admin']})")
    return lines
