"""The workload of bench/cluster.py: its API clients, the mixed requests they send, and what the
app nodes' access logs say served each read.

Half the clients write: a fifth of their requests is a write (an authorisation created, or one
of theirs revoked), each followed by its read-back (a check, or a read by id) by the same
client, alternately with the write's `Tessera-Consistency` token sent back and without it. The
other half only read. Reads: 55% access checks, 15% filtered lists, 15% authorisations by id
(onePortal, api/rest/v1/), 15% CustomerID organization reads. Overall about 10% of the requests
are writes. Every request carries its own X-Correlation-ID, which the access log repeats, so
each log line is joined to the request that caused it.
"""

from __future__ import annotations

import http.client
import json
import random
import re
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import pct

NAMESPACE = "benchcluster"
AUTH_TYPE = "bench"
TOKEN_HEADER = "Tessera-Consistency"
WRITE_SHARE = 0.25  # a writer's iterations that are a write and its read-back: 20% of its requests
OBJECTS = 20
API = "/api/rest/v1"


@dataclass
class Client:
    """One API client of the cluster (its own service account and OAuth2 application)."""

    index: int
    client_id: str
    client_secret: str
    writer: bool
    token: str = ""
    own: list[tuple[str, str, str]] = field(default_factory=list)  # (id, subject, object) live
    seq: int = 0
    with_token_next: bool = True


@dataclass
class Record:
    """One request: when (perf_counter), what, how it ended."""

    t0: float
    t1: float
    kind: str  # read | write | back:token | back:plain | back:none (the write answered no token)
    method: str
    status: int  # 0: no answer (connection refused, reset, timeout: `error`)
    cid: str
    writer: bool
    stale: bool = False
    error: str = ""

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


@dataclass
class World:
    """What the clients share: the run id (in every name and correlation id), the seeded
    authorisations everyone reads, and the CustomerID organization."""

    run: str
    seeds: list[tuple[str, str, str]]
    org: str


def call(base: str, method: str, path: str, *, token: str = "", body: object = None,
         headers: dict[str, str] | None = None,
         timeout: float = 20) -> tuple[int, bytes, str | None]:
    """One request on a connection of its own: (status, body, consistency token); status 0
    when no answer came (the body then names the error)."""
    url = urllib.parse.urlsplit(base)
    sent = dict(headers or {})
    if token:
        sent["Authorization"] = f"Bearer {token}"
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        sent["Content-Type"] = "application/json"
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
    try:
        conn.request(method, path, body=data, headers=sent)
        response = conn.getresponse()
        return response.status, response.read(), response.getheader(TOKEN_HEADER)
    except (OSError, http.client.HTTPException) as error:
        return 0, f"{type(error).__name__}: {error}".encode(), None
    finally:
        conn.close()


def fetch_token(base: str, client: Client) -> None:
    form = urllib.parse.urlencode({"grant_type": "client_credentials",
                                   "client_id": client.client_id,
                                   "client_secret": client.client_secret})
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    try:
        conn.request("POST", "/oauth/token/", body=form,
                     headers={"Content-Type": "application/x-www-form-urlencoded"})
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    if response.status != 200:
        raise SystemExit(f"no token for client {client.index}: {response.status} {body[:300]!r}")
    client.token = json.loads(body)["access_token"]


def prepare(base: str, clients: list[Client], run: str, seeds_per_writer: int = 10) -> World:
    """The authorisation type and the organization (kept from earlier runs), and seeded
    authorisations written by the writers."""
    first = clients[0]
    status, body, _ = call(base, "POST", f"{API}/authorisation_type", token=first.token,
                           body={"code": AUTH_TYPE, "nsCode": NAMESPACE})
    if status not in (201, 409):
        raise SystemExit(f"cannot create the authorisation type: {status} {body[:300]!r}")
    org = "bench-cluster"
    status, body, _ = call(base, "POST", f"/eidm2/services/orgs/?organizationId={org}"
                           "&friendlyName=Bench", token=first.token)
    if status not in (200, 201, 409):
        raise SystemExit(f"cannot create the organization: {status} {body[:300]!r}")
    seeds = []
    for client in (c for c in clients if c.writer):
        for k in range(seeds_per_writer):
            subject, obj = f"bc{run}-seed{client.index}-{k}", f"bc{run}-o{k % OBJECTS}"
            status, body, _ = call(base, "POST", f"{API}/authorisation", token=client.token,
                                   body=_new(subject, obj))
            if status != 201:
                raise SystemExit(f"cannot seed: {status} {body[:300]!r}")
            seeds.append((json.loads(body)["id"], subject, obj))
    return World(run=run, seeds=seeds, org=org)


def _new(subject: str, obj: str) -> dict:
    return {"nsCode": NAMESPACE, "authType": AUTH_TYPE, "subject": {"type": "string",
            "value": subject}, "object": {"type": "string", "value": obj}}


class Load:
    """The clients' threads sending the workload to `base` until `stop()`; `records` holds every
    request (not those of the first `warmup` seconds)."""

    def __init__(self, base: str, clients: list[Client], world: World, phase: str,
                 warmup: float = 0.0):
        self.base, self.clients, self.world, self.phase = base, clients, world, phase
        self.records: list[Record] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(c,), daemon=True)
                         for c in clients]
        self.warm_until = 0.0
        self.warmup = warmup

    def start(self) -> float:
        self.warm_until = time.perf_counter() + self.warmup
        for thread in self._threads:
            thread.start()
        if self.warmup:
            time.sleep(self.warmup)
        return time.perf_counter()

    def stop(self) -> float:
        self._stop.set()
        for thread in self._threads:
            thread.join()
        return time.perf_counter()

    def _run(self, client: Client) -> None:
        rng = random.Random(f"{self.world.run}{self.phase}{client.index}")
        mine: list[Record] = []
        while not self._stop.is_set():
            if client.writer and rng.random() < WRITE_SHARE:
                mine.extend(self._write_and_read_back(client, rng))
            else:
                mine.append(self._read(client, rng))
        with self._lock:
            self.records.extend(r for r in mine if r.t0 >= self.warm_until)

    def _send(self, client: Client, kind: str, method: str, path: str, body: object = None,
              headers: dict | None = None) -> tuple[Record, bytes, str | None]:
        client.seq += 1
        cid = f"bc{self.world.run}-{self.phase}-{client.index}-{client.seq}"
        t0 = time.perf_counter()
        status, answer, token = call(self.base, method, path, token=client.token, body=body,
                                     headers={"X-Correlation-ID": cid, **(headers or {})})
        record = Record(t0, time.perf_counter(), kind, method, status, cid, client.writer)
        if not status:
            record.error = answer.decode()
        return record, answer, token

    def _read(self, client: Client, rng: random.Random) -> Record:
        id_, subject, obj = rng.choice(self.world.seeds)
        roll = rng.random()
        if roll < 0.55:
            path = f"{API}/authorisation/check?" + urllib.parse.urlencode(
                {"subject": subject, "object": obj, "authType": AUTH_TYPE})
        elif roll < 0.70:
            path = f"{API}/authorisation?" + urllib.parse.urlencode(
                {"filter": f'object.value eq "{obj}"', "count": 20})
        elif roll < 0.85:
            path = f"{API}/authorisation/{id_}"
        else:
            path = f"/eidm2/services/org/{self.world.org}"
        return self._send(client, "read", "GET", path)[0]

    def _write_and_read_back(self, client: Client, rng: random.Random) -> list[Record]:
        if len(client.own) >= 3 and rng.random() < 1 / 3:  # revoke one of its own
            id_, subject, obj = client.own.pop(rng.randrange(len(client.own)))
            write, _, token = self._send(client, "write", "POST",
                                         f"{API}/authorisation/{id_}/revoke", body={})
            created = False
        else:
            subject = f"bc{self.world.run}-{self.phase}-{client.index}-{client.seq}"
            obj = f"bc{self.world.run}-o{rng.randrange(OBJECTS)}"
            write, answer, token = self._send(client, "write", "POST", f"{API}/authorisation",
                                              body=_new(subject, obj))
            created = True
            if write.ok:
                id_ = json.loads(answer)["id"]
                client.own.append((id_, subject, obj))
        if not write.ok:
            return [write]
        send_token = client.with_token_next
        client.with_token_next = not send_token
        kind = ("back:token" if token else "back:none") if send_token else "back:plain"
        headers = {TOKEN_HEADER: token} if send_token and token else {}
        if created:  # the check must answer the new authorisation
            path = f"{API}/authorisation/check?" + urllib.parse.urlencode(
                {"subject": subject, "object": obj, "authType": AUTH_TYPE})
            back, answer, _ = self._send(client, kind, "GET", path, headers=headers)
            back.stale = back.ok and id_ not in json.loads(answer).get("authorisations", [])
        else:  # the read by id must answer it revoked
            back, answer, _ = self._send(client, kind, "GET", f"{API}/authorisation/{id_}",
                                        headers=headers)
            # 404: the read did not even find the authorisation (created since the replica's
            # view); counted stale, and failed
            back.stale = back.status == 404 or (back.ok and not json.loads(answer).get("revoked"))
        return [write, back]


# --- figures -------------------------------------------------------------------------------------

def latency(records: list[Record], seconds: float) -> dict:
    """Latency percentiles (ms) of the answered requests, throughput (answered 2xx a second),
    failures and the write share."""
    times = [r.t1 - r.t0 for r in records if r.status]
    ok = sum(r.ok for r in records)
    return {
        "requests": len(records), "ok": ok, "failed": len(records) - ok,
        "seconds": round(seconds, 2), "rps": round(ok / seconds, 1) if seconds else 0.0,
        "p50_ms": round(pct(times, .5) * 1000, 2) if times else None,
        "p95_ms": round(pct(times, .95) * 1000, 2) if times else None,
        "p99_ms": round(pct(times, .99) * 1000, 2) if times else None,
        "write_share": round(sum(r.kind == "write" for r in records) / len(records), 3)
        if records else 0.0,
    }


def stale(records: list[Record]) -> dict:
    """Answered read-backs and the stale ones among them, by how they were sent."""
    out = {}
    for kind in ("back:token", "back:plain", "back:none"):
        backs = [r for r in records if r.kind == kind and (r.ok or r.stale)]
        out[kind] = {"reads": len(backs), "stale": sum(r.stale for r in backs)}
    return out


def failures(records: list[Record], fault: float, after: float = 2.0) -> dict:
    """Failed requests, those that started later than `after` seconds after `fault`, and a
    short list of them (start relative to the fault, method, kind, status)."""
    failed = sorted((r for r in records if not r.ok), key=lambda r: r.t0)
    return {
        "failed": len(failed),
        "failed_late": sum(r.t0 > fault + after for r in failed),
        "examples": [f"{r.t0 - fault:+.2f}s {r.method} {r.kind} {r.status or r.error}"
                     for r in failed[:6]],
    }


# --- which database served a read (the access log's db= atom) -----------------------------------

_LINE = re.compile(r'"(?P<method>[A-Z]+) [^"]*" (?P<status>\d{3}) .*?cid=(?P<cid>\S+)'
                   r'(?:.*?\bdb=(?P<db>\S+))?\s*$')


def log_offsets(paths: list[Path]) -> dict[Path, int]:
    return {path: path.stat().st_size if path.exists() else 0 for path in paths}


def served_by(offsets: dict[Path, int], run: str) -> dict[str, str | None]:
    """For each correlation id of this run logged since `offsets`: the db= atom of its line
    (None: the line has none). A request nginx retried on the other node keeps its 2xx line."""
    found: dict[str, tuple[bool, str | None]] = {}
    for path, offset in offsets.items():
        if not path.exists():
            continue
        with path.open("rb") as log:
            log.seek(offset if path.stat().st_size >= offset else 0)
            for raw in log:
                line = raw.decode(errors="replace")
                match = _LINE.search(line)
                if not match or not match["cid"].startswith(f"bc{run}-"):
                    continue
                ok = match["status"].startswith("2")
                db = match["db"] if match["db"] not in (None, "-") else None
                if ok or match["cid"] not in found or not found[match["cid"]][0]:
                    found[match["cid"]] = (ok, db)
    return {cid: db for cid, (_, db) in found.items()}


def replica_share(records: list[Record], atoms: dict[str, str | None]) -> dict:
    """Of the answered reads whose log line says which database served them: the share the
    replica served, overall and by kind, and why the primary served the others."""
    def share(selected: list[Record]) -> dict:
        known = [atoms[r.cid] for r in selected if atoms.get(r.cid)]
        replica = sum(db == "replica" for db in known)
        return {"reads": len(selected), "known": len(known),
                "replica": round(replica / len(known), 3) if known else None,
                "primary_because": dict(Counter(db for db in known if db != "replica")
                                        .most_common())}

    reads = [r for r in records if r.method == "GET" and r.ok]
    return {
        "all": share(reads),
        "readers": share([r for r in reads if not r.writer]),
        "writers": share([r for r in reads if r.writer and r.kind == "read"]),
        "back:token": share([r for r in reads if r.kind == "back:token"]),
        "back:plain": share([r for r in reads if r.kind == "back:plain"]),
        "lines": len(atoms),
    }
