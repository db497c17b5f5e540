"""Benchmark of the ranked hierarchies; prints its figures and exits 0.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_hierarchy nice .venv/bin/python \
        bench/hierarchy.py [--members 100000] [--requests 1000]

Runs against the DATABASE_URL given (migrating and emptying it first). Builds a role ladder
of 20 ranks, each role restricting the role three ranks below it (where there is one); a
tenant `bench` of N members spread evenly over the ranks, and a tenant `small` of N/100 built
the same way; in each, every hundredth member restricts five members of its tenant. Then:
the query count of the member hierarchy read and of the access check in both tenants (the
same: flat in the tenant's size); the member hierarchy read (`identities.queries.hierarchy`, the
query and the rows, one base per rank) p50/p95 in both tenants, and over HTTP; the access
check's plan (PostgreSQL); then over HTTP through a gunicorn this script starts on 127.0.0.1
and stops: `GET /v1.0/identities/{id}/hierarchy/{personId}/exists` and `POST
/v2.0/members/{id}/hierarchy/access`, random bases and persons, p50/p95. Only loopback.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
import uuid
from datetime import UTC, datetime
from importlib import import_module
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import bearer_headers, gunicorn, ms, pct, request, token_for  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
RANKS = 20
PERMS = ["identities.view_member", "identities.view_identityrole"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--reads", type=int, default=40, help="hierarchy reads per tenant")
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    seed = import_module("identities.migrations.0007_seed_catalogs").seed
    with connection.schema_editor() as editor:
        seed(django.apps.apps, editor)
    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']}), members: "
          f"{args.members:,} over {RANKS} ranks")
    roles = ladder()
    started = time.perf_counter()
    big = populate("bench", args.members, roles)
    small = populate("small", max(args.members // 100, RANKS * 5), roles)
    print(f"built in {time.perf_counter() - started:.1f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    clients = {key: make_client(key) for key in ("bench", "small")}
    query_counts(clients, {"bench": big, "small": small})
    hierarchy_reads({"bench": big, "small": small}, args.reads)
    plan(big)
    http_bench(clients["bench"], big, args.requests)


def ladder() -> list[int]:
    """20 roles ranked 1..20; each restricts the role three ranks below it."""
    from identities.models import IdentityRole
    from identities.services.restrictions import role_restrictions_set
    from identities.services.roles import identity_role_create

    for i in range(IdentityRole.objects.count(), RANKS):
        identity_role_create(key=f"rank-{i + 1}", name=f"Rank {i + 1}")
    roles = list(IdentityRole.objects.order_by("hierarchy_level"))
    for i, role in enumerate(roles[:-3]):
        role_restrictions_set(role=role, restricted_role_ids=[roles[i + 3].pk])
    return [role.pk for role in roles]


def populate(key: str, count: int, roles: list[int]) -> list[tuple]:
    """`count` people, members of the tenant `key`, member i with role i % 20 (raw COPY);
    every hundredth restricts five random members of the tenant (through the service's
    table). Answers [(member id, identity id, rank index)]."""
    from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
    from django.db import transaction

    from foundation.bulk.write import insert_rows, reserve_ids
    from identities.models import Identity, Member, MemberRestriction
    from identities.services.tenants import tenant_ensure

    tenant = tenant_ensure(key=key)[0]
    fields = [f.column for f in Identity._meta.concrete_fields]
    template = {f.column: (f.get_default() if f.has_default() else None)
                for f in Identity._meta.concrete_fields}
    now = datetime.now(UTC)
    out = []
    with transaction.atomic():
        rows = []
        member_ids = reserve_ids(Member._meta.db_table, count)
        for i in range(count):
            pk = uuid.uuid4()
            values = {**template, "id": pk, "password": UNUSABLE_PASSWORD_PREFIX + "x" * 40,
                      "username": f"{key}{i}", "first_name": f"F{i}", "last_name": f"L{i}",
                      "email": "", "external_id": None, "is_active": True, "is_staff": False,
                      "is_superuser": False, "kind": "person", "date_joined": now}
            rows.append(tuple(values[c] for c in fields))
            out.append((member_ids[i], pk, i % RANKS))
        insert_rows(Identity._meta.db_table, fields, rows)
        insert_rows(Member._meta.db_table,
                    ["id", "identity_id", "tenant_id", "identity_role_id", "is_enabled",
                     "created_at"],
                    [(mid, pk, tenant.pk, roles[rank], True, now) for mid, pk, rank in out])
        chooser = random.Random(key)
        restrictions = [(out[i][0], chooser.choice(out)[0]) for i in range(0, count, 100)
                        for _ in range(5)]
        MemberRestriction.objects.bulk_create(
            (MemberRestriction(member_id=a, restricted_member_id=b)
             for a, b in set(restrictions)), batch_size=5000)
    return out


def make_client(key: str):
    from identities.services.clients import api_client_create

    return api_client_create(name=f"bench-{key}-{uuid.uuid4().hex[:6]}", tenant_keys=[key],
                             permissions=PERMS)


def query_counts(clients: dict, tenants: dict) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    for key, creds in clients.items():
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(APIClient(), creds)}")
        members = tenants[key]
        base, person = members[RANKS + 3], members[RANKS + 9]  # ranks 4 and 10
        counts = []
        for url, method in ((f"/v1.0/identities/{base[1]}/hierarchy", "get"),
                            (f"/v1.0/identities/{base[1]}/hierarchy/{person[0]}/exists",
                             "get"),
                            (f"/v2.0/members/{base[1]}/hierarchy/access", "post")):
            call = getattr(api, method)
            body = {"PersonId": person[0]} if method == "post" else None
            call(url, body, format="json")
            with CaptureQueriesContext(connection) as captured:
                response = call(url, body, format="json")
            assert response.status_code == 200, response.content
            counts.append(len(captured.captured_queries))
        print(f"queries per request, tenant {key} ({len(members):,} members): member "
              f"hierarchy {counts[0]}, access check GET {counts[1]}, POST {counts[2]}")


def hierarchy_reads(tenants: dict, reads: int) -> None:
    from identities.models import Tenant
    from identities.queries import hierarchy

    for key, members in tenants.items():
        tenant = Tenant.objects.get(key=key)
        times, sizes = [], []
        for n in range(reads):
            base_row = members[(n % RANKS) + RANKS * random.randrange(len(members) // RANKS)]
            started = time.perf_counter()
            base = hierarchy.member_base(tenant, base_row[1])
            superiors, items = hierarchy.member_hierarchy(base)
            times.append(time.perf_counter() - started)
            sizes.append(len(superiors) + len(items))
        print(f"member hierarchy read (query and rows, one base per rank), tenant {key} "
              f"({len(members):,} members, {min(sizes):,}-{max(sizes):,} rows answered): "
              f"p50 {ms(pct(times, .5))}, p95 {ms(pct(times, .95))}")


def plan(members: list[tuple]) -> None:
    from django.db import connection
    from django.db.models import Exists

    from identities.models import Member, Tenant
    from identities.queries import hierarchy

    if connection.vendor != "postgresql":
        return
    tenant = Tenant.objects.get(key="bench")
    base, person = members[3], members[9]
    person_q = Member.objects.filter(hierarchy._items_q(hierarchy._outer), pk=person[0])
    query = (hierarchy._bases(tenant, base[1]).annotate(access=Exists(person_q))
             .values_list("access", flat=True)[:1])
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, COSTS OFF) " + sql, params)
        lines = [row[0] for row in cursor.fetchall()]
    scans = sorted({line.strip().split(" on ")[0].lstrip("-> ") + " on "
                    + line.strip().split(" on ")[1].split()[0]
                    for line in lines if " on " in line and "Scan" in line})
    print("access check plan: " + "; ".join(scans))
    print("access check " + lines[-1].strip().lower())


def http_bench(creds, members: list[tuple], requests: int) -> None:
    # a member hierarchy answers the whole tenant (the specs page nothing): on a busy machine
    # 100,000 members take longer than gunicorn's default 30 s
    with gunicorn(timeout=300) as port:
        headers = bearer_headers(port, creds, **{"Content-Type": "application/json"})
        for _ in range(20):  # warm both workers
            base, person = random.choice(members), random.choice(members)
            request(port, "GET", f"/v1.0/identities/{base[1]}/hierarchy/{person[0]}/exists",
                    None, headers)
        figures: dict[str, list[float]] = {"get": [], "post": []}
        answers = {True: 0, False: 0}
        for _ in range(requests):
            base, person = random.choice(members), random.choice(members)
            started = time.perf_counter()
            status, body = request(
                port, "GET", f"/v1.0/identities/{base[1]}/hierarchy/{person[0]}/exists",
                None, headers)
            figures["get"].append(time.perf_counter() - started)
            assert status == 200, body
            answers[json.loads(body)] += 1
            started = time.perf_counter()
            status, body = request(port, "POST", f"/v2.0/members/{base[1]}/hierarchy/access",
                                   json.dumps({"PersonId": person[0]}), headers)
            figures["post"].append(time.perf_counter() - started)
            assert status == 200, body
        for kind, label in (("get", "GET …/hierarchy/{personId}/exists (003)"),
                            ("post", "POST …/hierarchy/access (002)")):
            values = figures[kind]
            print(f"HTTP access check {label} ({requests} requests, {answers[True]} true / "
                  f"{answers[False]} false, gunicorn 2 sync workers, DEBUG=0, a new "
                  f"connection a request): p50 {ms(pct(values, .5))}, "
                  f"p95 {ms(pct(values, .95))} (target p95 <= 5 ms)")
        times = []
        for n in range(10):
            base = members[(n % RANKS) + RANKS * random.randrange(len(members) // RANKS)]
            started = time.perf_counter()
            status, body = request(port, "GET", f"/v1.0/identities/{base[1]}/hierarchy",
                                   None, headers)
            times.append(time.perf_counter() - started)
            assert status == 200, body[:300]
        print(f"HTTP GET member hierarchy (10 requests, one base per rank, "
              f"~{len(json.loads(body)['Superiors']) + len(json.loads(body)['HierarchyItems']):,}"
              f" items in the last): p50 {ms(pct(times, .5))}, p95 {ms(pct(times, .95))}")


if __name__ == "__main__":
    main()
