"""A killed import leaves no process behind and no open transaction: the same file imports
again at once. The import runs as a real `manage.py` process (SIGKILL and SIGTERM are sent to
it midway), against a database both it and the test see."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.servers import ROOT, children_of, manage, server_env, shared_database

pytestmark = pytest.mark.django_db(transaction=True)
ROWS = 60_000




def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has ended (its new parent reaps it)


def _wait(condition, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@pytest.fixture
def database(tmp_path):
    """A DATABASE_URL the import's process and this test both see."""
    return shared_database(tmp_path)


def _open_transactions() -> int:
    """Other sessions of this database still inside a transaction (PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                       " AND pid <> pg_backend_pid() AND xact_start IS NOT NULL")
        return cursor.fetchone()[0]


def _users(tmp_path: Path, url: str) -> Path:
    orgs = tmp_path / "orgs.csv"
    orgs.write_text("path,friendlyName\nacme,Acme\n")
    manage(url, "import_orgs", str(orgs))
    path = tmp_path / "users.csv"
    path.write_text("organization,uid,email\n" + "".join(
        f"acme,u{i},u{i}@example.com\n" for i in range(ROWS)))
    return path


def _orgs(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "many-orgs.csv"
    path.write_text("path,friendlyName\n" + "".join(f"o{i},Org {i}\n" for i in range(ROWS)))
    return path


def _authorisations(tmp_path: Path, url: str) -> Path:
    manage(url, "load_demo")  # namespace demo, type employment, source hr
    path = tmp_path / "authorisations.csv"
    path.write_text("nsCode,authType,authSource,subject.type,subject.value,object.type,"
                    "object.value,validFrom,validTo\n" + "".join(
                        f"demo,employment,hr,string,s{i},string,acme,2024-01-01T00:00:00Z,\n"
                        for i in range(ROWS)))
    return path


def _accounts(tmp_path: Path, url: str) -> Path:
    import json

    from identities.models import Tenant

    # the API client's tenant (on PostgreSQL an earlier transactional test's flush removed
    # the migration's row from this very database)
    Tenant.objects.get_or_create(key=settings.TESSERA_DEFAULT_TENANT_KEY,
                                 defaults={"name": settings.TESSERA_DEFAULT_TENANT_NAME})
    try:
        made = json.loads(manage(url, "create_api_client", "killed-connector", "--json").stdout)
    except subprocess.CalledProcessError as error:
        raise AssertionError(error.stderr) from None
    client = made["client_id"]
    path = tmp_path / "accounts.ndjson"
    path.write_text("".join(json.dumps({
        "id": f"c{i}", "name": f"Account {i}",
        "sources": [{"client": client, "externalId": f"a{i}", "name": f"Account {i}"}],
        "users": [{"client": client, "externalId": f"u{i % 100}", "identity": None,
                   "email": None}]}) + "\n" for i in range(ROWS)))
    return path


IMPORTS = {"import_users": _users, "import_orgs": _orgs,
           "import_authorisations": _authorisations, "import_accounts": _accounts}


# every import is killed by SIGKILL; SIGTERM's handler is the framework's, so one import shows it
@pytest.mark.parametrize(("command", "sig"), [
    *((command, signal.SIGKILL) for command in IMPORTS), ("import_users", signal.SIGTERM),
], ids=lambda value: value.name if isinstance(value, signal.Signals) else value)
def test_a_killed_import_leaves_nothing_behind_and_imports_again_at_once(database, tmp_path,
                                                                           sig, command):
    path = IMPORTS[command](tmp_path, database)
    env = server_env(database)
    argv = [sys.executable, "manage.py", command, str(path), "--batch-size", "500"]
    # output to a file, not a pipe: a reading process that lived on would hold a pipe open
    with open(tmp_path / "err.txt", "w+") as output:
        process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                   stderr=output, text=True)
        try:
            assert _wait(lambda: children_of(process.pid)), "the reading process never started"
            workers = children_of(process.pid)
            # batches read and written (the import's transaction holds locks), the import
            # far from done (60,000 organizations take an idle machine about 2 s)
            time.sleep(0.5)
            assert process.poll() is None, "the import ended before it could be killed"
            os.kill(process.pid, sig)
            process.wait(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
        output.seek(0)
        err = output.read()
    try:
        if sig == signal.SIGTERM:
            assert process.returncode == 1
            assert "interrupted by SIGTERM" in err and "rolled back" in err
        else:
            assert process.returncode == -signal.SIGKILL
        assert _wait(lambda: not any(_alive(pid) for pid in workers)), \
            "a reading process lives on"
        if connection.vendor == "postgresql":
            assert _wait(lambda: _open_transactions() == 0), \
                "the import's transaction stays open"
    finally:  # a failure must not leave a process holding locks that hang the suite
        for pid in workers:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
    again = manage(database, command, str(path))
    assert f"{ROWS} created" in again.stdout, again.stdout
