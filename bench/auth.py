"""Benchmark of API authentication; prints its figures and exits 0.

    [DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_auth] [REDIS_URL=redis://…] \
        .venv/bin/python bench/auth.py [--requests 300]

In-process (Django's test client, no network): the server time of a successful request
(`GET /api/rest/v1/namespace`) authenticated with HTTP Basic (the service account's password,
and the client id and secret: remembered after the first), with Bearer, and of a failed Basic
attempt (a full Argon2 check); per request the SQL queries and the calls to the "throttle"
cache (the lockout check of foundation.api.lockout; Redis when REDIS_URL is set). Migrates the
database given (a temporary SQLite file by default) and leaves an API client in it.
"""

from __future__ import annotations

import argparse
import base64
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import pct  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LOG_LEVEL", "ERROR")  # no line for each refused attempt
if "DATABASE_URL" not in os.environ:
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench-auth.sqlite3"

PATH = "/api/rest/v1/namespace"



class CountingCache:
    """Counts the calls made to a cache (on Redis, each is one round trip; the calls a
    backend makes to itself, such as local memory's get_many → get, are not counted)."""

    METHODS = ("get", "get_many", "add", "set", "incr", "decr", "touch", "delete", "delete_many",
               "has_key")

    def __init__(self, cache):
        self.calls = 0
        self.depth = 0
        for name in self.METHODS:
            real = getattr(cache, name)
            setattr(cache, name, self._counted(real))

    def _counted(self, real):
        def call(*args, **kwargs):
            self.calls += self.depth == 0
            self.depth += 1
            try:
                return real(*args, **kwargs)
            finally:
                self.depth -= 1
        return call


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()

    import django

    django.setup()
    import logging

    logging.getLogger("django.request").setLevel(logging.ERROR)
    from django.conf import settings
    from django.core.cache import caches
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    call_command("migrate", verbosity=0)
    from identities.services.clients import api_client_create

    creds = api_client_create(name=f"bench-{uuid.uuid4().hex[:8]}",
                              permissions=["AUTHORISATION_VIEW"])
    throttle = CountingCache(caches["throttle"]) if "throttle" in settings.CACHES else None
    backend = settings.CACHES.get("throttle", {}).get("BACKEND", "none").rsplit(".", 1)[-1]
    print(f"database {connection.vendor}, throttle cache {backend}, "
          f"{args.requests} requests each")

    def basic(user: str, secret: str) -> dict:
        raw = base64.b64encode(f"{user}:{secret}".encode()).decode()
        return {"HTTP_AUTHORIZATION": f"Basic {raw}"}

    token = Client().post("/oauth/token/", {
        "grant_type": "client_credentials", "client_id": creds.client_id,
        "client_secret": creds.client_secret}).json()["access_token"]
    cases = [
        ("Basic username/password", basic(creds.username, creds.password)),
        ("Basic client id/secret", basic(creds.client_id, creds.client_secret)),
        ("Bearer", {"HTTP_AUTHORIZATION": f"Bearer {token}"}),
    ]
    client = Client()
    expected = 200
    for name, headers in cases:
        warm = client.get(PATH, **headers).status_code  # (and remember)
        if warm != expected:
            print(f"{name:26s} not accepted ({warm})")
            continue
        times, queries, calls = [], [], []
        for _ in range(args.requests):
            before = throttle.calls if throttle else 0
            with CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                response = client.get(PATH, **headers)
                times.append(time.perf_counter() - start)
            assert response.status_code == expected, (name, response.status_code)
            queries.append(len(captured))
            calls.append((throttle.calls if throttle else 0) - before)
        print(f"{name:26s} median {statistics.median(times) * 1000:6.2f} ms  "
              f"p95 {pct(times, 0.95) * 1000:6.2f} ms  queries {max(queries)}  "
              f"throttle cache calls {max(calls)}")

    # authentication alone (the classes' authenticate(), no view): the part this touches
    from rest_framework.exceptions import AuthenticationFailed
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from identities.api.authentication import BearerAuthentication, ServiceBasicAuthentication

    factory = APIRequestFactory()
    for name, headers in cases:
        cls = BearerAuthentication if name == "Bearer" else ServiceBasicAuthentication
        request = Request(factory.get(PATH, **headers))
        try:
            cls().authenticate(request)
        except AuthenticationFailed:  # not accepted by this version
            continue
        for _ in range(200):
            cls().authenticate(request)
        start = time.perf_counter()
        for _ in range(args.requests * 3):
            cls().authenticate(request)
        each = (time.perf_counter() - start) / (args.requests * 3)
        print(f"{'authenticate() ' + name:40s} {each * 1e6:8.1f} µs")

    if throttle is not None:
        from foundation.api import lockout

        attempt = lockout.Attempt("127.0.0.1", creds.username)
        start = time.perf_counter()
        for _ in range(args.requests * 10):
            lockout.locked_for(attempt)
        each = (time.perf_counter() - start) / (args.requests * 10)
        print(f"{'the lockout check alone':26s} {each * 1e6:8.1f} µs")

        # what a secret check adds (a Basic miss, a token request): hold its places, give them back
        before = throttle.calls
        lockout.admit(attempt).release()
        calls = throttle.calls - before
        start = time.perf_counter()
        for _ in range(args.requests * 10):
            lockout.admit(attempt).release()
        each = (time.perf_counter() - start) / (args.requests * 10)
        print(f"{'admit + release':26s} {each * 1e6:8.1f} µs, throttle cache calls {calls}")

    # failed attempts from many addresses (so that no lockout cuts the measurement short)
    times = []
    for n in range(10):
        headers = basic(creds.username, f"wrong-{n}")
        start = time.perf_counter()
        response = client.get(PATH, REMOTE_ADDR=f"10.9.{n}.1", **headers)
        times.append(time.perf_counter() - start)
        assert response.status_code in (401, 429), response.status_code
    print(f"{'failed Basic (Argon2)':26s} median {statistics.median(times) * 1000:6.2f} ms")


if __name__ == "__main__":
    main()
