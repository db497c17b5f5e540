"""scripts/cluster.sh from the checkout (docs/deployment.md): the topology comes up, a write made
through the proxy is read through the proxy on every node and streams to the replica, a second
`up` changes nothing, and `down` leaves no process behind.

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
    # a second `up` changes nothing
    cluster(cluster_env, "up")
    assert json.loads(cluster(cluster_env, "status", "--json")) == status
    cluster(cluster_env, "down")
    time.sleep(0.5)
    assert processes_of(directory) == []
