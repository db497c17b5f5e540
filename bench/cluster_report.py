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
    proxy, direct, ratio = report["via_proxy"], report["direct"], report["ratio"]
    replica = report["replica"]
    lines = [
        f"Tessera cluster bench (run {report['run']}): proxy {report['proxy']} before "
        f"{len(report['nodes'])} nodes; {report['clients']} clients ({report['writers']} write, "
        f"the others only read), {report['seconds']:g} s a run",
        "replica at start: " + (replica.get("error") or
                                f"in recovery {replica['in_recovery']}, receiver "
                                f"{replica['receiver']}, replay "
                                f"{replica['replay_behind_bytes']} bytes behind"),
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
    drills = report["drills"]
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
    lines.append("")
    lines.append(f"total {report['total_seconds']} s")
    return "\n".join(lines)
