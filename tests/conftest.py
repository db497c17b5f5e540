"""Shared test helpers: API clients with permissions, query counting, fast hashing."""

from __future__ import annotations

import base64
import os
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from identities.services.clients import ApiClientCredentials, api_client_create

# --- nothing beside the checkout -------------------------------------------------------------
# A clone must pass on its own: a test that opens a file beside the repository (a sibling folder
# such as the specs the developers keep next to their checkout) is refused at the `open` and
# fails, whatever it does with the error. The interpreter's own environment counts as inside,
# as written and resolved (a virtual environment linked from elsewhere, as a worktree does).
# A checkout cloned straight into the temporary directory has its tests' temporary files
# beside it: those are allowed.
REPOSITORY = Path(__file__).resolve().parents[1]
_TEMPORARY = Path(tempfile.gettempdir()).resolve()
_ENVIRONMENT = {Path(sys.prefix), Path(sys.prefix).resolve()}
_INSIDE = tuple(os.path.join(str(p), "") for p in {REPOSITORY} | _ENVIRONMENT | (
    {_TEMPORARY} if REPOSITORY.parent == _TEMPORARY else set()))
_BESIDE = os.path.join(str(REPOSITORY.parent), "")
outside_reads: list[str] = []


class OutsideRepositoryError(PermissionError):
    pass


def _beside_the_checkout(path: str) -> bool:
    full = os.path.join(os.path.abspath(path), "")
    return full.startswith(_BESIDE) and not full.startswith(_INSIDE)


def _guard_reads(event: str, args: tuple) -> None:
    if event != "open" or not isinstance(args[0], str | bytes | os.PathLike):
        return
    path = os.fsdecode(args[0])
    if _beside_the_checkout(path):
        outside_reads.append(path)
        raise OutsideRepositoryError(f"a test may not read outside the repository: {path}")


sys.addaudithook(_guard_reads)


@pytest.fixture(autouse=True)
def nothing_read_outside_the_repository():
    """Fails the test if it opened a file beside the checkout (even one whose error it caught)."""
    start = len(outside_reads)
    yield
    read = outside_reads[start:]
    del outside_reads[start:]
    if read:
        pytest.fail(f"the test read outside the repository: {read}", pytrace=False)


@pytest.fixture(autouse=True)
def fast_password_hashing(request, settings):
    """Argon2 costs ~0.1 s a hash; tests use MD5 unless marked `real_hashers`."""
    if "real_hashers" not in request.keywords:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class ApiCaller:
    """An API client created through the same service as `create_api_client`."""

    credentials: ApiClientCredentials

    @property
    def identity(self):
        return self.credentials.identity

    def basic(self) -> APIClient:
        client = APIClient()
        raw = f"{self.credentials.username}:{self.credentials.password}".encode()
        client.credentials(HTTP_AUTHORIZATION="Basic " + base64.b64encode(raw).decode())
        return client

    def token(self) -> str:
        response = APIClient().post(
            "/oauth/token/",
            {
                "grant_type": "client_credentials",
                "client_id": self.credentials.client_id,
                "client_secret": self.credentials.client_secret,
            },
        )
        assert response.status_code == 200, response.content
        return response.json()["access_token"]

    def bearer(self) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {self.token()}")
        return client


@pytest.fixture
def make_caller(db):
    """`make_caller(perms=[...], tenants=[...], all_perms=False, name=None)` → ApiCaller."""
    counter = iter(range(1, 10_000))

    def make(
        perms: Sequence[str] = (),
        *,
        tenants: Sequence[str] = (),
        all_perms: bool = False,
        name: str | None = None,
    ) -> ApiCaller:
        credentials = api_client_create(
            name=name or f"client-{next(counter)}",
            permissions=perms,
            all_permissions=all_perms,
            tenant_keys=tenants,
        )
        return ApiCaller(credentials)

    return make


@pytest.fixture
def count_queries():
    """`with count_queries() as q: ...` then `len(q)` is the number of SQL queries run."""

    def make() -> CaptureQueriesContext:
        return CaptureQueriesContext(connection)

    return make


@pytest.fixture(autouse=True)
def forget_basic_credentials():
    """Each test starts with no remembered HTTP Basic credentials."""
    from django.core.cache import caches

    caches["auth"].clear()
    yield
    caches["auth"].clear()


@pytest.fixture(autouse=True)
def fresh_auth_throttle(settings):
    """Each test starts with no failed authentication counted and no read-your-writes pin:
    the throttle and the pins are kept in this process's memory (a shared Redis named by
    REDIS_URL is never cleared by a test), and so is the default cache (the dashboard's
    figures: two runs at once would share them)."""
    from django.core.cache import caches

    local = {alias: {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                     "LOCATION": f"tessera-test-{alias}"}
             for alias in ("default", "throttle", "consistency")}
    shared = {alias: backend for alias, backend in local.items()
              if "locmem" not in settings.CACHES[alias]["BACKEND"]}
    if shared:
        settings.CACHES = {**settings.CACHES, **shared}
    caches["throttle"].clear()
    caches["consistency"].clear()


def pytest_configure(config):
    """With DATABASE_REPLICA_URL (a mirror of the test database), the replica's alias is, in
    every thread, that thread's default connection, unless a test put another in its place:
    what a test wrote in its transaction, a read routed to the replica sees. Django's test
    machinery does not see the alias at all (it would open, wrap or flush it as a database of
    its own); the router and `replica.configured()` do."""
    from django.conf import settings
    from django.db import connections
    from django.utils.connection import BaseConnectionHandler

    if "replica" not in settings.DATABASES:
        return
    connection_of, aliases = BaseConnectionHandler.__getitem__, BaseConnectionHandler.__iter__

    def mirrored(handler, alias):
        if handler is connections and alias == "replica" and not hasattr(
                handler._connections, alias):
            alias = "default"
        return connection_of(handler, alias)

    def without_replica(handler):
        return (alias for alias in aliases(handler)
                if handler is not connections or alias != "replica")

    BaseConnectionHandler.__getitem__ = mirrored
    BaseConnectionHandler.__iter__ = without_replica


@pytest.fixture(autouse=True)
def replica_not_left_out():
    """No test inherits another's moment of leaving the replica alone."""
    from foundation.consistency import replica

    replica._down_until = 0.0
