"""scripts/cluster.sh from the checkout (docs/deployment.md): the topology comes up, a write made
through the proxy is read through the proxy on every node and streams to the replica, reads
follow the read-your-writes rules against the real replica (streaming and with its replay
paused), a revoke through one node is refused by the check on the other, a second `up` changes
nothing, and `down` leaves no process behind.

It runs once a suite, in the PostgreSQL run (the SQLite run beside it would race for the ports),
and needs PostgreSQL's server binaries; under CI=true it must run.
"""

import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection

from tests.conftest import REPOSITORY

SCRIPT = REPOSITORY / "scripts" / "cluster.sh"
PORTS = {"CLUSTER_HTTP_PORT": "8790", "CLUSTER_PRIMARY_PORT": "5491",
         "CLUSTER_REPLICA_PORT": "5492", "CLUSTER_PGBOUNCER_PORT": "6491",
         "CLUSTER_NODE_PORTS": "8791 8792"}


def _skip_reason() -> str | None:
    """Why not here (under CI=true only the SQLite run may skip)."""
    if connection.vendor != "postgresql":
        return "runs in the PostgreSQL run only"
    if os.environ.get("CI") != "true" and not list(
            Path("/usr/lib/postgresql").glob("*/bin/pg_basebackup")):
        return "PostgreSQL's server binaries are not installed"
    return None


pytestmark = pytest.mark.skipif(_skip_reason() is not None, reason=_skip_reason() or "")


def cluster(env: dict, *args: str, timeout: int = 600) -> str:
    done = subprocess.run([str(SCRIPT), *args], env=env, capture_output=True, text=True,
                          timeout=timeout)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def request(url: str, *, data: bytes | None = None, headers: dict) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data, headers=headers),
                                    timeout=30) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def processes_of(directory: Path) -> list[str]:
    listing = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    return [line for line in listing.splitlines()
            if str(directory) in line or ("gunicorn" in line and any(
                f"127.0.0.1:{port}" in line for port in PORTS["CLUSTER_NODE_PORTS"].split()))]


@pytest.fixture
def cluster_env():
    # the postgres user must reach it: not tmp_path (pytest's own folder is its owner's only)
    directory = Path(tempfile.mkdtemp(prefix="tessera-cluster-"))
    directory.chmod(0o755)
    outer = {"DATABASE_URL", "DATABASE_REPLICA_URL", "DJANGO_SETTINGS_MODULE"}  # the suite's
    env = {**{k: v for k, v in os.environ.items() if k not in outer},
           **PORTS, "CLUSTER_DIR": str(directory)}
    yield env
    subprocess.run([str(SCRIPT), "down"], env=env, capture_output=True, timeout=120)
    shutil.rmtree(directory, ignore_errors=True)


def test_up_write_read_on_every_node_and_the_replica_then_down(cluster_env):
    directory = Path(cluster_env["CLUSTER_DIR"])
    cluster(cluster_env, "up")
    status = json.loads(cluster(cluster_env, "status", "--json"))
    assert status["http"] == "http://127.0.0.1:8790"
    assert [node["url"] for node in status["nodes"]] == ["http://127.0.0.1:8791",
                                                        "http://127.0.0.1:8792"]
    assert all(isinstance(node["pid"], int) for node in status["nodes"])

    client = json.loads(cluster(cluster_env, "manage", "create_api_client", "smoke",
                                "--all-perms", "--json").strip().splitlines()[-1])
    basic = base64.b64encode(f"{client['client_id']}:{client['client_secret']}".encode())
    # a write through the proxy: an access token issued (a row on the primary)
    code, body = request(status["http"] + "/oauth/token/",
                         data=b"grant_type=client_credentials",
                         headers={"Authorization": "Basic " + basic.decode(),
                                  "Content-Type": "application/x-www-form-urlencoded"})
    assert code == 200, body
    token = json.loads(body)["access_token"]
    # read back through the proxy (round robin: both nodes) and on each node directly
    for url in [status["http"]] * 4 + [node["url"] for node in status["nodes"]]:
        code, body = request(url + "/api/rest/v1/namespace",
                             headers={"Authorization": "Bearer " + token})
        assert code == 200, (url, body)
    # the token's row streams to the replica
    for _ in range(50):
        seen = subprocess.run(["psql", status["replica"], "-Atc",
                               "SELECT count(*) FROM oauth2_provider_accesstoken"],
                              capture_output=True, text=True)
        if seen.stdout.strip() == "1":
            break
        time.sleep(0.2)
    assert seen.stdout.strip() == "1", seen.stdout + seen.stderr
    read_your_writes(cluster_env, status)
    # a second `up` changes nothing
    cluster(cluster_env, "up")
    assert json.loads(cluster(cluster_env, "status", "--json")) == status
    cluster(cluster_env, "down")
    time.sleep(0.5)
    assert processes_of(directory) == []


# --- read-your-writes against the real replica ---------------------------------------------------

AUTHORISATIONS = "/api/rest/v1/authorisation"
CHECK = AUTHORISATIONS + "/check?subject=alice&object=acme&authType=employment"


@dataclass
class Answer:
    status: int
    headers: dict
    body: object
    cid: str
    served: str = ""


class Caller:
    """An API client of the cluster over HTTP Basic (client id and secret). Each call sends a
    correlation id of its own, which the access log names: `served(cid)` finds its line."""

    def __init__(self, env: dict, name: str):
        made = json.loads(cluster(env, "manage", "create_api_client", name, "--all-perms",
                                  "--namespace", "smoke", "--json").strip().splitlines()[-1])
        secret = f"{made['client_id']}:{made['client_secret']}".encode()
        self.auth = "Basic " + base64.b64encode(secret).decode()
        self.directory = Path(env["CLUSTER_DIR"])

    def call(self, url: str, *, body: dict | None = None, token: str | None = None) -> Answer:
        cid = uuid.uuid4().hex
        headers = {"Authorization": self.auth, "Content-Type": "application/json",
                   "X-Correlation-ID": cid}
        if token:
            headers["Tessera-Consistency"] = token
        data = None if body is None else json.dumps(body).encode()
        try:
            with urllib.request.urlopen(urllib.request.Request(url, data=data, headers=headers),
                                        timeout=30) as answer:
                found = Answer(answer.status, dict(answer.headers),
                               json.loads(answer.read() or b"null"), cid)
        except urllib.error.HTTPError as error:
            found = Answer(error.code, dict(error.headers), None, cid)
        found.served = served(self.directory, cid)
        return found


def served(directory: Path, cid: str) -> str:
    """What the nodes' access logs say served the request of correlation id `cid`."""
    for _ in range(20):  # the line is written as the answer goes out
        for log in (directory / "log").glob("node-*.log"):
            for line in log.read_text().splitlines():
                if f"cid={cid} " in line:
                    return line.rsplit(" db=", 1)[1]
        time.sleep(0.05)
    raise AssertionError(f"no access-log line for {cid}")


def psql(dsn: str, sql: str) -> str:
    done = subprocess.run(["psql", dsn, "-Atc", sql], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def read_your_writes(env: dict, status: dict) -> None:
    proxy, (node_a, node_b) = status["http"], [node["url"] for node in status["nodes"]]
    writer, reader = Caller(env, "writer"), Caller(env, "reader")
    assert writer.call(proxy + "/api/rest/v1/authorisation_type",
                       body={"code": "employment", "nsCode": "smoke"}).status == 201
    # a write through the proxy, read back at once through the proxy and on each node: with
    # its token, and without it (the pin, shared by both nodes through Redis)
    made = writer.call(proxy + AUTHORISATIONS, body={
        "authType": "employment", "nsCode": "smoke",
        "subject": {"type": "string", "value": "alice"},
        "object": {"type": "string", "value": "acme"}})
    assert made.status == 201 and made.served == "primary:write", made
    token, item = made.headers["Tessera-Consistency"], f"{AUTHORISATIONS}/{made.body['id']}"
    for url in (proxy, node_a, node_b):
        assert writer.call(url + item, token=token).status == 200
        again = writer.call(url + item)
        assert again.status == 200 and again.served == "primary:pinned", again
    # another client with the token: the replica serves it once it has replayed the write
    for _ in range(50):
        read = reader.call(proxy + item, token=token)
        assert read.status == 200, read
        if read.served == "replica":
            break
        assert read.served == "primary:token", read
        time.sleep(0.1)
    assert read.served == "replica"
    check = reader.call(proxy + CHECK)  # a client that has not written: the replica
    assert check.body["authorised"] is True and check.served == "replica", check

    # the replica's replay paused: a write read back at once is still never stale, and a
    # revoke through node A is refused by the check on node B at once: for the writer (its
    # pin) and for another client given the token
    psql(status["replica"], "SELECT pg_wal_replay_pause()")
    try:
        revoked = writer.call(node_a + item + "/revoke", body={})
        assert revoked.status == 200, revoked
        token = revoked.headers["Tessera-Consistency"]
        own = writer.call(node_b + CHECK)
        assert own.body["authorised"] is False and own.served == "primary:pinned", own
        other = reader.call(node_b + CHECK, token=token)
        assert other.body["authorised"] is False and other.served == "primary:token", other
        assert psql(status["replica"], "SELECT revoked FROM authorisations_authorisation "
                                       f"WHERE id = '{made.body['id']}'") == "f"  # behind
    finally:
        psql(status["replica"], "SELECT pg_wal_replay_resume()")
