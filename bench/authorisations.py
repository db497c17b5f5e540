"""Benchmark of the authorisations context; prints its figures and exits 0.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_authz .venv/bin/python \
        bench/authorisations.py [--rows 1000000] [--requests 300]

Runs against the DATABASE_URL given (migrating and emptying it first; `--http-only` keeps the
rows a previous run left): import of N rows vs a raw COPY (or, on SQLite, a raw executemany
INSERT) of the same rows into the same table; `check` at the service
level vs the raw SQL it issues; `check` and a filtered list (page of 100) over HTTP through a
gunicorn this script starts on 127.0.0.1 and stops; the query counts of list, check and a
10,000-row import batch. Only loopback traffic.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import statistics
import sys
import tempfile
import time
import urllib.parse
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import bearer_headers, gunicorn, ms, pct, request, token_for  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
HEADER = ["nsCode", "authType", "authSource", "subject.type", "subject.value", "object.type",
          "object.value", "validFrom", "validTo"]
OBJECTS = 1000  # object o{i % OBJECTS}: each object gives rows/OBJECTS authorisations




def write_csv(path: Path, rows: int, prefix: str = "s") -> None:
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for i in range(rows):
            writer.writerow(["bench", "employment", "hr", "string", f"{prefix}{i}", "string",
                             f"o{i % OBJECTS}", "2024-01-01T00:00:00Z", ""])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--import-only", action="store_true",
                        help="stop after the import figure")
    parser.add_argument("--http-only", action="store_true",
                        help="only the HTTP figures, on the rows a previous run left")
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    if not args.http_only:  # every run starts from empty tables, the change log included
        call_command("flush", interactive=False, verbosity=0)
    vendor = connection.vendor
    print(f"database: {vendor} ({connection.settings_dict['NAME']}), rows: {args.rows:,}")
    ns, type_, source = setup()
    if args.http_only:
        client_identity()
        http_bench_cold_and_warm(args.rows, args.requests)
        return
    tmp = Path(tempfile.mkdtemp(prefix="bench-authz-"))
    data = tmp / "rows.csv"
    write_csv(data, args.rows)

    # --- raw baseline: the same rows into the same table ----------------------------------------
    truncate()
    started = time.perf_counter()
    raw_insert(args.rows, ns, type_, source)
    raw_seconds = time.perf_counter() - started
    truncate()

    # --- import through the command's importer --------------------------------------------------
    from authorisations.importer import AuthorisationImporter
    from foundation.bulk.run import run_import

    started = time.perf_counter()
    report = run_import(AuthorisationImporter(), str(data))
    import_seconds = time.perf_counter() - started
    assert report.created == args.rows, report
    baseline = "COPY" if vendor == "postgresql" else "executemany INSERT"
    print(f"import: {args.rows:,} rows in {import_seconds:.1f} s = "
          f"{args.rows / import_seconds:,.0f} rows/s; raw {baseline}: {raw_seconds:.1f} s = "
          f"{args.rows / raw_seconds:,.0f} rows/s; ratio {import_seconds / raw_seconds:.2f}x "
          f"(target <= 3x)")
    if args.import_only:
        return
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    # --- check: service vs raw SQL --------------------------------------------------------------
    caller = client_identity()
    check_service_vs_raw(caller, args.rows)

    # --- query counts ----------------------------------------------------------------------------
    query_counts(caller, tmp)

    # --- HTTP through gunicorn -------------------------------------------------------------------
    http_bench_cold_and_warm(args.rows, args.requests)


def http_bench_cold_and_warm(rows: int, requests: int) -> None:
    """HTTP figures as the cache stands, then (PostgreSQL) with the authorisations table and its
    indexes read into the OS cache first. This machine's PostgreSQL has the default 128 MB of
    shared buffers and its storage answers a missed block in up to ~150 ms, so the cold tail
    measures the disk; a production server has memory for its working set (the warm figure)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        http_bench(rows, requests)
        return
    http_bench(rows, requests, cache=" [cold cache]")
    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
        cursor.execute(
            "SELECT sum(pg_prewarm(c.oid::regclass, 'read')) FROM pg_class c "
            "WHERE c.oid = 'authorisations_authorisation'::regclass OR c.oid IN "
            "(SELECT indexrelid FROM pg_index WHERE indrelid = "
            "'authorisations_authorisation'::regclass)")
        blocks = cursor.fetchone()[0]
    print(f"pg_prewarm: {blocks:,} blocks of authorisations_authorisation and its indexes read")
    http_bench(rows, requests, cache=" [warm cache]")


def setup():
    from authorisations.models import AuthorisationSource, AuthorisationType, Namespace
    from authorisations.services.catalog import coded_item_create, namespace_create

    ns = Namespace.objects.filter(code="bench").first() or namespace_create(code="bench")
    type_ = (AuthorisationType.objects.alive().filter(namespace=ns, code="employment").first()
             or coded_item_create(model=AuthorisationType, namespace=ns, code="employment"))
    source = (AuthorisationSource.objects.alive().filter(namespace=ns, code="hr").first()
              or coded_item_create(model=AuthorisationSource, namespace=ns, code="hr"))
    return ns, type_, source


def truncate() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("TRUNCATE authorisations_authorisationversion, "
                           "authorisations_authorisation")
        else:
            cursor.execute("DELETE FROM authorisations_authorisationversion")
            cursor.execute("DELETE FROM authorisations_authorisation")


def raw_rows(rows: int, ns, type_, source):
    from authorisations.models import natural_key

    now = datetime.now(UTC)
    valid_from = datetime(2024, 1, 1, tzinfo=UTC)
    for i in range(rows):
        subject, obj = f"s{i}", f"o{i % OBJECTS}"
        yield (uuid.uuid4(), ns.pk, type_.pk, source.pk, "string", subject, "string", obj,
               valid_from, None, False, None, None, now, now, None,
               natural_key(ns.pk, type_.pk, "string", subject, "string", obj, valid_from, None),
               None, "bench")


COLUMNS = ("id, namespace_id, type_id, source_id, subject_type, subject_value, object_type, "
           "object_value, valid_from, valid_to, revoked, revoked_at, revocation_details, "
           "created, modified, deleted_at, natural_key, author, creator")


def raw_insert(rows: int, ns, type_, source) -> None:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(
                    f"COPY authorisations_authorisation ({COLUMNS}) FROM STDIN") as copy:
                for row in raw_rows(rows, ns, type_, source):
                    copy.write_row(row)
        else:
            sql = (f"INSERT INTO authorisations_authorisation ({COLUMNS}) VALUES "
                   f"({', '.join(['%s'] * 19)})")
            batch = []
            for row in raw_rows(rows, ns, type_, source):
                batch.append((row[0].hex, *row[1:2], row[2].hex, row[3].hex, *row[4:]))
                if len(batch) == 10_000:
                    cursor.executemany(sql, batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)


def client_identity():
    from authorisations.services.catalog import api_client_namespaces_grant
    from identities.models import Identity
    from identities.services.clients import api_client_create

    name = f"bench-{uuid.uuid4().hex[:8]}"
    creds = api_client_create(name=name, permissions=["AUTHORISATION_VIEW"])
    api_client_namespaces_grant(identity=creds.identity, codes=["bench"])
    identity = Identity.objects.get(pk=creds.identity.pk)
    client_identity.credentials = creds
    return identity


def check_service_vs_raw(identity, rows: int, rounds: int = 500) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from authorisations.queries import authorisation_check

    subjects = [random.randrange(rows) for _ in range(rounds)]
    authorisation_check(identity=identity, subject="s0", object="o0", type_code="employment")
    with CaptureQueriesContext(connection) as captured:
        assert authorisation_check(identity=identity, subject="s1", object=f"o{1 % OBJECTS}",
                                   type_code="employment")
    sql = captured.captured_queries[-1]["sql"]
    service, raw = [], []
    for i in subjects:
        started = time.perf_counter()
        found = authorisation_check(identity=identity, subject=f"s{i}",
                                    object=f"o{i % OBJECTS}", type_code="employment")
        service.append(time.perf_counter() - started)
        assert found
    object_first = sql.index(f"'o{1 % OBJECTS}'") < sql.index("'s1'")
    template = sql.replace("'s1'", "%s").replace(f"'o{1 % OBJECTS}'", "%s")
    with connection.cursor() as cursor:
        for i in subjects:
            params = [f"s{i}", f"o{i % OBJECTS}"]
            started = time.perf_counter()
            cursor.execute(template, params[::-1] if object_first else params)
            assert cursor.fetchall()
            raw.append(time.perf_counter() - started)
    print(f"check (service): p50 {ms(pct(service, .5))}, p95 {ms(pct(service, .95))}; "
          f"raw SQL: p50 {ms(pct(raw, .5))}, p95 {ms(pct(raw, .95))}; "
          f"p50 ratio {statistics.median(service) / statistics.median(raw):.2f}x "
          f"(target <= 1.5x); queries per check: {len(captured.captured_queries)}")


def query_counts(identity, tmp: Path) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    from authorisations.importer import AuthorisationImporter
    from foundation.bulk.run import run_import

    creds = client_identity.credentials
    token = token_for(APIClient(), creds)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    base = "/api/rest/v1/authorisation"
    api.get(base, {"count": 1})
    for count in (10, 100):
        with CaptureQueriesContext(connection) as captured:
            response = api.get(base, {"filter": 'object.value eq "o7"', "count": count})
        assert response.status_code == 200, response.content
        print(f"queries: list (page {count}): {len(captured.captured_queries)}")
    with CaptureQueriesContext(connection) as captured:
        response = api.get(f"{base}/check", {"subject": "s7", "object": "o7",
                                             "authType": "employment"})
    assert response.json()["authorised"], response.content
    print(f"queries: check: {len(captured.captured_queries)}")
    for size in (1_000, 10_000):
        path = tmp / f"batch{size}.csv"
        write_csv(path, size, prefix=f"batch{size}-")
        with CaptureQueriesContext(connection) as captured:
            run_import(AuthorisationImporter(batch_size=size), str(path), dry_run=True)
        print(f"queries: import batch of {size:,} rows: {len(captured.captured_queries)}")




def http_bench(rows: int, requests: int, cache: str = "") -> None:
    with gunicorn() as port:
        headers = bearer_headers(port, client_identity.credentials)
        status, body = request(port, "GET", "/no-such-page", None, {})
        assert status == 404 and b"URLconf" not in body, "gunicorn must run with DEBUG=0"
        for n in range(20):  # warm both workers (first requests load code, open connections)
            status, body = request(port, "GET", f"/api/rest/v1/authorisation/check?subject=s{n}"
                                   f"&object=o{n}&authType=employment", None, headers)
            assert status == 200, body
        check, listing = [], []
        for n in range(requests):
            i = random.randrange(rows)
            query = urllib.parse.urlencode({"subject": f"s{i}", "object": f"o{i % OBJECTS}",
                                            "authType": "employment"})
            started = time.perf_counter()
            status, body = request(port, "GET", f"/api/rest/v1/authorisation/check?{query}",
                                   None, headers)
            check.append(time.perf_counter() - started)
            assert status == 200 and b'"authorised":true' in body, body
            query = urllib.parse.urlencode({
                "filter": f'object.value eq "o{n % OBJECTS}" and active eq true', "count": 100})
            started = time.perf_counter()
            status, body = request(port, "GET", f"/api/rest/v1/authorisation?{query}", None,
                                   headers)
            listing.append(time.perf_counter() - started)
            assert status == 200, body
        page = json.loads(body)
        print(f"HTTP check{cache} ({requests} requests, gunicorn 2 sync workers, DEBUG=0, a "
              f"new connection a request): p50 {ms(pct(check, .5))}, "
              f"p95 {ms(pct(check, .95))} (target p95 <= 10 ms)")
        print(f"HTTP filtered list{cache}, page of {page['itemsPerPage']} of "
              f"{page['totalResults']:,} ({requests} requests): p50 {ms(pct(listing, .5))}, "
              f"p95 {ms(pct(listing, .95))} (target p95 <= 50 ms)")




if __name__ == "__main__":
    main()
