"""Benchmark of the DFS identities; prints its figures and exits 0.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_identities .venv/bin/python \
        bench/identities.py [--rows 1000000] [--requests 300] [--keep]

Runs against the DATABASE_URL given (migrating and emptying it first): import_identities of N
identities, each a member of the tenant `bench` (every tenth also of `bench2`), vs a raw COPY
(on SQLite a raw executemany INSERT) of the same identity and member rows; the query counts
of GET identity and of the search for pages of 10 and 1,000; the two queries of a search
(count, page) timed apart in process for a narrow, a broad and a very broad term, with their
plans on PostgreSQL (EXPLAIN ANALYZE); then over HTTP through a gunicorn this script starts
on 127.0.0.1 and stops: `POST /v1.0/identities/search` by a narrow term (a user name
fragment, ~100 matches), a broad one (a last name fragment, ~1/20 of the rows) and a very
broad one ("sson", ~3/5 of the rows), GET and PATCH of one identity (p50/p95). `--keep`
reuses the rows of an earlier run of the same size (no emptying, no import). Only loopback
traffic.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from importlib import import_module
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import bearer_headers, gunicorn, ms, pct, request, token_for  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
FIRST = ["Anna", "Bertil", "Cecilia", "David", "Emma", "Fredrik", "Greta", "Hugo", "Ida",
         "Johan", "Karin", "Lars", "Maja", "Nils", "Olivia", "Per", "Rut", "Sven", "Tove",
         "Ulf"]
LAST = ["Andersson", "Berg", "Carlsson", "Dahl", "Ek", "Forsberg", "Gustafsson", "Holm",
        "Isaksson", "Jansson", "Karlsson", "Lund", "Magnusson", "Nilsson", "Olsson",
        "Persson", "Qvist", "Robertsson", "Svensson", "Tegner"]
# the last names whose fragment [1:5] is a trigram at least ("Ek" would give "k": a scan)
BROAD = [name for name in LAST if len(name) >= 4]
HEADER = ["UserName", "ExternalId", "FirstName", "LastName", "Email", "IdentityRoleId",
          "Memberships"]


def person(i: int) -> tuple[str, str, str, str, str, str]:
    first, last = FIRST[i % len(FIRST)], LAST[(i // len(FIRST)) % len(LAST)]
    member = "bench:3;bench2:2" if i % 10 == 0 else "bench:3"
    return (f"u{i}", f"X{i}", first, last, f"u{i}@example.com", member)


def write_csv(path: Path, rows: int) -> None:
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for i in range(rows):
            username, external, first, last, email, member = person(i)
            writer.writerow([username, external, first, last, email, 3, member])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--keep", action="store_true",
                        help="reuse the rows of an earlier run of the same size (no import)")
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    vendor = connection.vendor
    print(f"database: {vendor} ({connection.settings_dict['NAME']}), rows: {args.rows:,}")
    from identities.models import Identity, Tenant

    kept = args.keep and Tenant.objects.filter(key="bench").exists() and (
        Identity.objects.filter(username__regex=r"^u[0-9]+$").count() == args.rows)
    if kept:
        print("import: skipped (--keep: the rows of an earlier run are reused)")
    else:
        bench_import(args.rows)
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    assert Tenant.objects.filter(key="bench").exists()
    client()
    query_counts(args.rows)
    search_parts(args.rows)
    http_bench(args.rows, args.requests)


def bench_import(rows: int) -> None:
    """Empty the database, then N identities by a raw COPY and by import_identities."""
    from django.core.management import call_command
    from django.db import connection

    from identities.services.tenants import tenant_ensure

    call_command("flush", interactive=False, verbosity=0)  # empty tables, the log included
    reseed()
    tenants = {key: tenant_ensure(key=key)[0].pk for key in ("bench", "bench2")}
    tmp = Path(tempfile.mkdtemp(prefix="bench-identities-"))
    data = tmp / "identities.csv"
    write_csv(data, rows)

    # --- raw baseline: the same identity and member rows into the same tables ---------------
    truncate()
    started = time.perf_counter()
    raw_insert(rows, tenants)
    raw_seconds = time.perf_counter() - started
    truncate()

    from foundation.bulk.run import run_import
    from identities.importer import IdentityImporter

    started = time.perf_counter()
    report = run_import(IdentityImporter(), str(data))
    import_seconds = time.perf_counter() - started
    data.unlink()
    assert report.created == rows, report
    baseline = "COPY" if connection.vendor == "postgresql" else "executemany INSERT"
    members = rows + (rows + 9) // 10
    print(f"import: {rows:,} identities with {members:,} memberships in "
          f"{import_seconds:.1f} s = {rows / import_seconds:,.0f} rows/s; raw {baseline}: "
          f"{raw_seconds:.1f} s = {rows / raw_seconds:,.0f} rows/s; ratio "
          f"{import_seconds / raw_seconds:.2f}x (target <= 3x)")


def reseed() -> None:
    """The catalogs the migrations seed (flush empties them)."""
    from django.apps import apps
    from django.db import connection

    seed = import_module("identities.migrations.0007_seed_catalogs").seed
    with connection.schema_editor() as editor:
        seed(apps, editor)


def truncate() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # a DELETE of 1M identities queues a check for each of the 19 foreign keys that
            # name them (deferred): over 10 minutes. Nothing but people are in the tables yet.
            cursor.execute("TRUNCATE identities_member, identities_identity CASCADE")
        else:
            cursor.execute("DELETE FROM identities_member")
            cursor.execute("DELETE FROM identities_identity WHERE kind = 'person'")


def raw_insert(rows: int, tenants: dict[str, int]) -> None:
    """The rows an import writes of N identities and their members, by COPY (executemany)."""
    from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
    from django.db import transaction

    from foundation.bulk.write import insert_rows, reserve_ids
    from identities.models import Identity, Member

    fields = [f.column for f in Identity._meta.concrete_fields]
    now = datetime.now(UTC)
    template = {f.column: (f.get_default() if f.has_default() else None)
                for f in Identity._meta.concrete_fields}
    with transaction.atomic():
        batch, ids = [], []
        for i in range(rows):
            username, external, first, last, email, _ = person(i)
            pk = uuid.uuid4()
            ids.append((pk, i))
            values = {**template, "id": pk, "password": UNUSABLE_PASSWORD_PREFIX + "x" * 40,
                      "username": username, "external_id": external, "first_name": first,
                      "last_name": last, "email": email, "is_active": True, "is_staff": False,
                      "is_superuser": False, "kind": "person", "date_joined": now,
                      "identity_role_id": 3, "identity_provider_id": 1}
            batch.append(tuple(values[c] for c in fields))
            if len(batch) == 20_000:
                insert_rows(Identity._meta.db_table, fields, batch)
                batch = []
        insert_rows(Identity._meta.db_table, fields, batch)
        member_rows = [(pk, tenants["bench"], 3) for pk, _ in ids] + [
            (pk, tenants["bench2"], 2) for pk, i in ids if i % 10 == 0]
        member_ids = reserve_ids(Member._meta.db_table, len(member_rows))
        insert_rows(Member._meta.db_table,
                    ["id", "identity_id", "tenant_id", "identity_role_id", "is_enabled",
                     "created_at"],
                    [(mid, pk, tenant, role, True, now)
                     for mid, (pk, tenant, role) in zip(member_ids, member_rows, strict=True)])


def client() -> None:
    from identities.services.clients import api_client_create

    client.credentials = api_client_create(
        name=f"bench-{uuid.uuid4().hex[:8]}", tenant_keys=["bench"],
        permissions=["identities.view_identity", "identities.change_identity"])


def query_counts(rows: int) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    from identities.models import Identity

    creds = client.credentials
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(APIClient(), creds)}")
    some = Identity.objects.get(username=f"u{rows // 2}")
    api.get(f"/v1.0/identities/{some.pk}")
    with CaptureQueriesContext(connection) as captured:
        assert api.get(f"/v1.0/identities/{some.pk}").status_code == 200
    print(f"queries: GET identity: {len(captured.captured_queries)}")
    for size in (10, 1000):
        for term in (None, "nilss"):
            with CaptureQueriesContext(connection) as captured:
                response = api.post("/v1.0/identities/search",
                                    {"PageSize": size, "SearchTerm": term}, format="json")
            assert response.status_code == 200, response.content
            print(f"queries: search (page {size}, term {term!r}): "
                  f"{len(captured.captured_queries)}")




def terms(rows: int) -> dict[str, str]:
    """A term of each breadth: a user name fragment (~100 matches), a last name fragment (one
    last name in 20: ~1/20 of the rows), "sson" (12 last names in 20: ~3/5 of the rows)."""
    digits = max(1, len(str(rows)) - 2)
    return {"narrow": f"u{random.randrange(10 ** (digits - 1), 10 ** digits)}",
            "broad": random.choice(BROAD)[1:5].lower(), "very broad": "sson"}


def search_parts(rows: int) -> None:
    """The two queries of a search (the count, the page of 10 by LastName) timed apart in
    this process (best of 3), for each breadth of term; on PostgreSQL their plans."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from foundation import reach
    from identities.models import TENANTS
    from identities.queries import directory
    from identities.queries.search import IdentitySearch, count_and_order, identities_query

    tenants = reach.of(client.credentials.identity, TENANTS)
    tenant = directory.default_tenant_for(tenants)
    for label, term in terms(rows).items():
        criteria = IdentitySearch(term=term, sort="LastName")
        rows_of = identities_query(tenants, criteria=criteria, default_tenant=tenant)
        _, paged = count_and_order(rows_of, criteria)  # the order the page is read in
        timed: dict[str, float] = {}
        sql: dict[str, str] = {}
        for part, run in (("count", lambda q=rows_of, c=criteria: count_and_order(q, c)[0]),
                          ("page", lambda q=paged: list(q[:10]))):
            best = None
            for _ in range(3):
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    result = run()
                    elapsed = time.perf_counter() - started
                best = elapsed if best is None else min(best, elapsed)
                sql[part] = captured.captured_queries[-1]["sql"]
                if part == "count":
                    total = result
            timed[part] = best
        print(f"search in process, {label} term {term!r} (All, by LastName): {total:,} "
              f"matches; count {ms(timed['count'])}, page of 10 {ms(timed['page'])}")
        if connection.vendor == "postgresql" and label != "narrow":
            for part in ("count", "page"):
                with connection.cursor() as cursor:
                    cursor.execute("EXPLAIN (ANALYZE, COSTS OFF) " + sql[part])
                    plan = [line for (line,) in cursor.fetchall()]
                print(f"  EXPLAIN ANALYZE {part} ({label}):")
                for line in plan:
                    print(f"    {line}")


def http_bench(rows: int, requests: int) -> None:
    from identities.models import Identity

    picks = random.sample(range(rows), min(rows, 50))
    ids = dict(Identity.objects.filter(username__in=[f"u{i}" for i in picks])
               .values_list("username", "pk"))
    # a full-scan search on a loaded SQLite outlives gunicorn's default 30 s
    with gunicorn(timeout=600) as port:
        headers = bearer_headers(port, client.credentials,
                                 **{"Content-Type": "application/json"})
        search = "/v1.0/identities/search"
        for n in range(10):  # warm both workers
            request(port, "POST", search, json.dumps({"SearchTerm": f"u{n}1"}), headers)
        figures: dict[str, list[float]] = {"narrow": [], "broad": [], "very broad": [],
                                           "get": [], "patch": []}
        totals: dict[str, int] = {}
        for n in range(requests):
            for kind, term in terms(rows).items():
                started = time.perf_counter()
                status, body = request(port, "POST", search, json.dumps(
                    {"SearchTerm": term, "PageSize": 10, "SortBy": "LastName"}), headers)
                figures[kind].append(time.perf_counter() - started)
                assert status == 200, body
                totals[kind] = max(totals.get(kind, 0), json.loads(body)["TotalCount"])
            identity = ids[random.choice(list(ids))]
            started = time.perf_counter()
            status, body = request(port, "GET", f"/v1.0/identities/{identity}", None, headers)
            figures["get"].append(time.perf_counter() - started)
            assert status == 200, body
            started = time.perf_counter()
            status, body = request(port, "PATCH", f"/v1.0/identities/{identity}", json.dumps(
                {"FirstName": f"Name{n}", "UpdateFirstName": True}), headers)
            figures["patch"].append(time.perf_counter() - started)
            assert status == 200, body
        shown = {"narrow": f"search, narrow term (user name fragment, up to "
                           f"{totals['narrow']:,} matches)",
                 "broad": f"search, broad term (last name fragment, up to "
                          f"{totals['broad']:,} matches)",
                 "very broad": f"search, very broad term ('sson', "
                               f"{totals['very broad']:,} matches)",
                 "get": "GET identity", "patch": "PATCH identity (UpdateFirstName)"}
        for kind, label in shown.items():
            values = figures[kind]
            print(f"HTTP {label} ({requests} requests, gunicorn 2 sync workers, DEBUG=0, a "
                  f"new connection a request): p50 {ms(pct(values, .5))}, "
                  f"p95 {ms(pct(values, .95))}")


if __name__ == "__main__":
    main()
