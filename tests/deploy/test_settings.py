"""The database settings of the topology, as the environment gives them (config/settings.py):
a transaction pooler, a replica, and the check that pins must be shared."""

import json
import subprocess
import sys

from tests.conftest import REPOSITORY

PRINT = """
import json
from django.conf import settings
from django.core.management import call_command
db = settings.DATABASES
print(json.dumps({
    "server_side_cursors": not db["default"].get("DISABLE_SERVER_SIDE_CURSORS", False),
    "prepared": settings.DB_PREPARED_STATEMENTS,
    "prepare_threshold": db["default"].get("OPTIONS", {}).get("prepare_threshold", "unset"),
    "replica": {k: db["replica"][k] for k in ("HOST", "PORT", "NAME", "TEST", "OPTIONS")}
               if "replica" in db else None,
    "routers": settings.DATABASE_ROUTERS,
}))
"""
PRIMARY = "postgres://tessera@127.0.0.1:6441/tessera"
REPLICA = "postgres://tessera@10.0.0.2:5432/tessera"


def settings_under(**environment: str) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(REPOSITORY), "SECRET_KEY": "x" * 50,
           **environment}
    return subprocess.run([sys.executable, "manage.py", "shell", "-c", PRINT], cwd=REPOSITORY,
                          env=env, capture_output=True, text=True, timeout=120)


def loaded(**environment: str) -> dict:
    done = settings_under(**environment)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_behind_a_transaction_pooler_nothing_outlives_a_transaction():
    pooled = loaded(DATABASE_URL=PRIMARY, DB_TRANSACTION_POOLING="1")
    assert pooled["server_side_cursors"] is False
    assert pooled["prepared"] is False and pooled["prepare_threshold"] == "unset"
    direct = loaded(DATABASE_URL=PRIMARY)
    assert direct["server_side_cursors"] is True
    assert direct["prepared"] is True and direct["prepare_threshold"] == 0


def test_a_replica_url_adds_a_routed_mirror_that_is_never_migrated():
    found = loaded(DATABASE_URL=PRIMARY, DATABASE_REPLICA_URL=REPLICA, REDIS_URL="redis://r:6379/0")
    assert found["routers"] == ["foundation.consistency.router.ReplicaRouter"]
    replica = found["replica"]
    assert (replica["HOST"], replica["PORT"]) == ("10.0.0.2", 5432)
    assert replica["TEST"]["MIRROR"] == "default"
    assert replica["OPTIONS"]["connect_timeout"] == 2  # a dead replica host must not hang
    assert loaded(DATABASE_URL=PRIMARY)["replica"] is None


def test_a_replica_needs_postgresql():
    done = settings_under(DATABASE_URL="sqlite:///x.sqlite3", DATABASE_REPLICA_URL=REPLICA)
    assert done.returncode != 0
    assert "DATABASE_REPLICA_URL needs PostgreSQL" in done.stderr


def test_a_replica_without_a_shared_redis_is_warned_of():
    env = {"DATABASE_URL": PRIMARY, "DATABASE_REPLICA_URL": REPLICA,
           "PATH": "/usr/bin:/bin", "SECRET_KEY": "x" * 50}
    warned = subprocess.run([sys.executable, "manage.py", "check", "--tag", "database"],
                            cwd=REPOSITORY, env=env, capture_output=True, text=True,
                            timeout=120)
    assert "tessera.W001" in warned.stderr + warned.stdout
    shared = subprocess.run([sys.executable, "manage.py", "check", "--tag", "database"],
                            cwd=REPOSITORY, env={**env, "REDIS_URL": "redis://r:6379/0"},
                            capture_output=True, text=True, timeout=120)
    assert "tessera.W001" not in shared.stderr + shared.stdout
