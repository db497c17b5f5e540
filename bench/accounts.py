"""Benchmark of the accounts context (the Ainua APIs); prints its figures and exits 0.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_accounts .venv/bin/python \
        bench/accounts.py [--scale 1.0] [--requests 20] [--resolved]

Runs against the DATABASE_URL given (migrating and emptying it first):

- the three PATCH maps with 1, 100 and 1,000 entries over HTTP, through a gunicorn this
  script starts on 127.0.0.1 (2 sync workers, DEBUG=0) and stops: p50 and p95 per size, and
  each call's query count per size (in-process), which must not grow with the map;
- import_accounts of 100,000 accounts with 500,000 user bindings (times `--scale`): rows/s,
  and the ratio to a raw COPY (on SQLite, a raw executemany INSERT) of the same rows
  (accounts, sources, bindings) into the same tables (target <= 3x). The users are pending
  (no email, as a back office that has not fed the Users API yet); with `--resolved` each
  user has an email, so the import also makes the identities, the links and one mirror
  authorisation a binding (the raw baseline stays the three tables' rows).

Only loopback traffic.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import bearer_headers, gunicorn, ms, pct, request  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
ACCOUNTS, BINDINGS_PER_ACCOUNT = 100_000, 5
SIZES = (1, 100, 1_000)
PERMS = ["accounts.change_account", "accounts.change_accountuser",
         "identities.change_externalidentity"]




def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0,
                        help="fraction of the 100,000 accounts / 500,000 bindings imported")
    parser.add_argument("--requests", type=int, default=20, help="requests per map size")
    parser.add_argument("--resolved", action="store_true",
                        help="users with emails: identities, links and mirrors too")
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--skip-import", action="store_true")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    from identities.models import Tenant

    Tenant.objects.get_or_create(key=settings.TESSERA_DEFAULT_TENANT_KEY, defaults={
        "name": settings.TESSERA_DEFAULT_TENANT_NAME})  # the migration's row: flush removed it
    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
    connectors = [connector(f"bench-{name}") for name in ("crm", "erp")]
    if not args.skip_http:
        query_counts(connectors[0])
        http_bench(connectors[1], args.requests)
    if not args.skip_import:
        import_bench(connectors, args.scale, args.resolved)


def connector(name: str):
    from identities.services.clients import api_client_create

    return api_client_create(name=name, permissions=PERMS)


# --- maps -------------------------------------------------------------------------------------

class Maps:
    """Bodies of the three calls, new keys each time (so each call writes)."""

    def __init__(self, tag: str):
        self.tag, self.n = tag, 0

    def next(self, size: int) -> tuple[dict, dict, str, list]:
        self.n += 1
        key = f"{self.tag}{self.n}-"
        accounts = {f"{key}a{i}": {"name": f"Account {i}", "id": f"{key}c{i}"}
                    for i in range(size)}
        users = {f"{key}u{i}": {"email": f"{key}u{i}@example.com", "name": f"User {i}"}
                 for i in range(size)}
        return accounts, users, f"{key}c0", list(users)


def query_counts(creds) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    client = APIClient()
    token = client.post("/oauth/token/", {
        "grant_type": "client_credentials", "client_id": creds.client_id,
        "client_secret": creds.client_secret}).json()["access_token"]
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    maps = Maps("qc")
    from accounts.services import mirror

    mirror()  # the reserved namespace, made by the first binding ever
    base = "/api/integrations/v1/"
    for size in SIZES:
        accounts, users, account_id, ids = maps.next(size)
        counts = []
        for path, body in (("accounts", accounts), ("users", users),
                           (f"accounts/{account_id}/users", ids)):
            with CaptureQueriesContext(connection) as captured:
                response = client.patch(base + path, body, format="json")
            assert response.status_code == 200, response.content
            counts.append(len(captured.captured_queries))
        print(f"queries, map of {size:>5,}: accounts {counts[0]}, users {counts[1]}, "
              f"account users {counts[2]}")




def http_bench(creds, requests: int) -> None:
    with gunicorn() as port:
        headers = bearer_headers(port, creds, **{"Content-Type": "application/json"})
        maps = Maps("h")
        base = "/api/integrations/v1/"
        for _ in range(4):  # warm both workers
            accounts, users, account_id, ids = maps.next(1)
            request(port, "PATCH", base + "accounts", json.dumps(accounts), headers)
        for size in SIZES:
            times: dict[str, list[float]] = {"accounts": [], "users": [], "account users": []}
            for _ in range(requests):
                accounts, users, account_id, ids = maps.next(size)
                for name, path, body in (("accounts", "accounts", accounts),
                                         ("users", "users", users),
                                         ("account users", f"accounts/{account_id}/users",
                                          ids)):
                    started = time.perf_counter()
                    status, answer = request(port, "PATCH", base + path, json.dumps(body),
                                             headers)
                    times[name].append(time.perf_counter() - started)
                    assert status == 200, answer
            print(f"HTTP PATCH, map of {size:>5,} ({requests} requests each, gunicorn 2 sync "
                  "workers, DEBUG=0): " + "; ".join(
                      f"{name} p50 {ms(pct(t, .5), 1)} p95 {ms(pct(t, .95), 1)}"
                      for name, t in times.items()))


# --- import -----------------------------------------------------------------------------------

def write_file(path: Path, accounts: int, clients: list[str], resolved: bool) -> int:
    """Account i from connector i % 2 (every tenth also from the other: merged), with
    BINDINGS_PER_ACCOUNT users of the first; users shared between accounts."""
    users = max(accounts, 1)
    bindings = 0
    with path.open("w") as out:
        for i in range(accounts):
            first, other = clients[i % 2], clients[(i + 1) % 2]
            sources = [{"client": first, "externalId": f"a{i}", "name": f"Account {i}"}]
            if i % 10 == 0:
                sources.append({"client": other, "externalId": f"x{i}", "name": f"Acct {i}"})
            bound = []
            for k in range(BINDINGS_PER_ACCOUNT):
                u = (i * 7 + k * 13) % users
                bound.append({"client": first, "externalId": f"u{u}", "identity": None,
                              "email": f"u{u}@example.com" if resolved else None})
            bindings += len(bound)
            out.write(json.dumps({"id": f"{1000000 + i}-{i % 10}", "name": f"Account {i}",
                                  "sources": sources, "users": bound}) + "\n")
    return bindings


def import_bench(connectors, scale: float, resolved: bool) -> None:
    from django.db import connection

    from accounts.importer import AccountImporter
    from foundation.bulk.run import run_import

    accounts = max(int(ACCOUNTS * scale), 1)
    tmp = Path(tempfile.mkdtemp(prefix="bench-accounts-"))
    data = tmp / "accounts.ndjson"
    clients = [c.client_id for c in connectors]
    bindings = write_file(data, accounts, clients, resolved)
    sources = accounts + (accounts + 9) // 10
    rows = accounts + sources + bindings
    ids = [c.application.pk for c in connectors]

    truncate()  # the HTTP figures' rows
    started = time.perf_counter()
    raw_insert(accounts, ids)
    raw_seconds = time.perf_counter() - started
    truncate()

    started = time.perf_counter()
    report = run_import(AccountImporter(), str(data))
    seconds = time.perf_counter() - started
    assert report.created == accounts and not report.invalid, report.summary()
    baseline = "COPY" if connection.vendor == "postgresql" else "executemany INSERT"
    kind = "resolved users (identities, links, mirrors)" if resolved else "pending users"
    print(f"import: {accounts:,} accounts, {sources:,} sources, {bindings:,} user bindings "
          f"({kind}) = {rows:,} rows in {seconds:.1f} s = {rows / seconds:,.0f} rows/s; raw "
          f"{baseline} of the same rows: {raw_seconds:.1f} s = {rows / raw_seconds:,.0f} "
          f"rows/s; ratio {seconds / raw_seconds:.2f}x (target <= 3x)")


def raw_rows(accounts: int, connector_ids: list[int]):
    now = datetime.now(UTC)
    account_rows, source_rows, user_rows = [], [], []
    source_id = user_id = 0
    for i in range(accounts):
        pk = i + 1
        account_rows.append((pk, f"{1000000 + i}-{i % 10}", f"Account {i}", now, now))
        first, other = connector_ids[i % 2], connector_ids[(i + 1) % 2]
        source_id += 1
        source_rows.append((source_id, pk, first, f"a{i}", f"Account {i}", now, now))
        if i % 10 == 0:
            source_id += 1
            source_rows.append((source_id, pk, other, f"x{i}", f"Acct {i}", now, now))
        for k in range(BINDINGS_PER_ACCOUNT):
            user_id += 1
            u = (i * 7 + k * 13) % max(accounts, 1)
            user_rows.append((user_id, pk, first, f"u{u}", None, None, now))
    return account_rows, source_rows, user_rows


TABLES = (("accounts_account", "id, common_id, name, created, modified"),
          ("accounts_accountsource",
           "id, account_id, connector_id, external_id, name, created, modified"),
          ("accounts_accountuser",
           "id, account_id, connector_id, external_id, identity_id, authorisation_id, created"))


def raw_insert(accounts: int, connector_ids: list[int]) -> None:
    """The same rows, built in Python and loaded raw: COPY on PostgreSQL, executemany on
    SQLite, in one transaction."""
    from django.db import connection, transaction

    from foundation.bulk.write import db_time

    tables = raw_rows(accounts, connector_ids)
    with transaction.atomic(), connection.cursor() as cursor:
        for (table, columns), rows in zip(TABLES, tables, strict=True):
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                stamp = db_time()
                marks = ", ".join(["%s"] * len(rows[0]))
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})",
                                   [tuple(stamp if isinstance(v, datetime) else v for v in row)
                                    for row in rows])


def truncate() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for table, _ in reversed(TABLES):
            cursor.execute(f"DELETE FROM {table}")


if __name__ == "__main__":
    main()
