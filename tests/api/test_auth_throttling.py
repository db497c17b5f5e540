"""Failed authentication is throttled: per client identifier and per address, with 429.

A burst of wrong credentials locks the identifier (username or client id) or the address out
for AUTH_LOCKOUT_SECONDS: each surface then answers 429 with Retry-After in its own error
style, the right credentials too, and the lockout leaves a change record.
"""

from __future__ import annotations

import base64
import json
import os
import threading
import time
import uuid
from io import StringIO
from types import SimpleNamespace
from xml.etree import ElementTree as ET

import pytest
from django.contrib.auth import hashers
from django.core.cache import caches
from django.core.cache.backends import base as cache_base
from django.core.cache.backends import locmem
from django.core.management import call_command
from rest_framework.test import APIClient

from audit.models import AuditContext, ChangeRecord
from foundation.api import lockout
from identities.models import Identity
from tests.races import postgresql_only, together

pytestmark = pytest.mark.django_db

THRESHOLD = 3


@pytest.fixture(autouse=True)
def small_thresholds(settings):
    settings.AUTH_FAILURES_PER_CLIENT = THRESHOLD
    settings.AUTH_FAILURES_PER_ADDRESS = 20
    settings.AUTH_FAILURE_WINDOW_SECONDS = 300
    settings.AUTH_LOCKOUT_SECONDS = 300


class Clock:
    """A clock that moves only when told (`advance(seconds)`)."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch, settings) -> Clock:
    """The lockout's clock (`lockout.now`) and the throttle cache's expiries under the test's
    control: no test waits on the real clock. The throttle cache is the local-memory one here,
    whose entries expire by its backend's `time.time` (Django's base and locmem modules): that
    one name is pointed at the clock, nothing else in the process is."""
    controlled = Clock()
    monkeypatch.setattr(lockout, "now", controlled)
    for module in (cache_base, locmem):
        monkeypatch.setattr(module, "time", SimpleNamespace(time=controlled))
    settings.CACHES = {**settings.CACHES, "throttle": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": f"tessera-test-clock-{uuid.uuid4().hex}"}}
    return controlled


def create(name: str, *args: str) -> dict:
    out = StringIO()
    call_command("create_api_client", name, *args, "--json", stdout=out)
    return json.loads(out.getvalue())


@pytest.fixture
def data() -> dict:
    return create("erp", "--all-perms")


def basic(username: str, password: str, address: str = "127.0.0.1") -> APIClient:
    api = APIClient(REMOTE_ADDR=address)
    raw = base64.b64encode(f"{username}:{password}".encode()).decode()
    api.credentials(HTTP_AUTHORIZATION=f"Basic {raw}")
    return api


def bearer(token: str, address: str = "127.0.0.1") -> APIClient:
    api = APIClient(REMOTE_ADDR=address)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return api


def oneportal(api):
    return api.get("/api/rest/v1/namespace")


def customerid(api):
    return api.get("/eidm2/services/orgs/")


def additiv(api):
    return api.post("/v1.1/auditcontext/generate", {}, format="json")


def problem(api):
    return api.get("/apidoc/schema/", HTTP_ACCEPT="application/json")


def message_of(style: str, response) -> str:
    """The error message in the surface's style, checking the style's shape and status."""
    if style == "oneportal":
        body = response.json()
        assert response["Content-Type"] == "application/json"
        assert body["statusCode"] == response.status_code and body["correlationId"]
        return body["errorMessage"]
    if style == "customerid":
        assert response["Content-Type"].startswith("application/xml")
        root = ET.fromstring(response.content)
        assert root.tag == "error" and root.findtext("code") == "2", response.content
        return root.findtext("message")
    if style == "additiv":
        body = response.json()
        expected = {401: "Unauthorized", 429: "TooManyRequests"}[response.status_code]
        assert body["Code"] == expected and body["CorrelationId"]
        return body["Message"]
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == response.status_code
    return body["detail"]


SURFACES = [("oneportal", oneportal), ("customerid", customerid), ("additiv", additiv),
            ("problem", problem)]


@pytest.mark.parametrize("style, call", SURFACES, ids=[s for s, _ in SURFACES])
def test_wrong_basic_passwords_lock_the_username_out_in_the_surface_style(data, style, call):
    wrong = basic(data["username"], "wrong")
    for _ in range(THRESHOLD):
        response = call(wrong)
        assert response.status_code == 401, response.content
        message_of(style, response)
    contexts = AuditContext.objects.filter(implicit=False).count()

    for api in (wrong, basic(data["username"], data["password"])):  # the right one too
        response = call(api)
        assert response.status_code == 429, response.content
        assert 299 <= int(response["Retry-After"]) <= 300
        assert "Too many failed authentication attempts" in message_of(style, response)
    assert AuditContext.objects.filter(implicit=False).count() == contexts  # nothing written

    # the client's other credentials and other clients are not locked
    assert call(basic(data["client_id"], data["client_secret"])).status_code == 200
    other = create("other", "--all-perms")
    assert call(basic(other["username"], other["password"])).status_code == 200


def test_a_lockout_checks_no_password_and_is_audited_once(data, monkeypatch):
    for _ in range(THRESHOLD):
        assert oneportal(basic(data["username"], "guess-x")).status_code == 401
    checks = []
    real = hashers.MD5PasswordHasher.verify
    monkeypatch.setattr(hashers.MD5PasswordHasher, "verify",
                        lambda *a, **k: checks.append(1) or real(*a, **k))
    for _ in range(5):
        assert oneportal(basic(data["username"], data["password"])).status_code == 429
    assert checks == []  # refused before any hash is checked

    (change,) = ChangeRecord.objects.filter(object_type="auth.lockout")
    assert change.action == "create" and change.object_id == "client:erp"
    assert change.after["client"] == "erp" and change.after["address"] == "127.0.0.1"
    assert change.after["failures"] == THRESHOLD and change.after["locked_until"]
    assert change.actor is None and change.correlation_id
    recorded = json.dumps([change.before, change.after, change.object_repr])
    assert "guess-x" not in recorded and data["password"] not in recorded


def test_a_success_does_not_reset_the_count(data):
    api, wrong = basic(data["username"], data["password"]), basic(data["username"], "wrong")
    for _ in range(THRESHOLD - 1):
        assert oneportal(wrong).status_code == 401
        assert oneportal(api).status_code == 200
    assert oneportal(wrong).status_code == 401
    assert oneportal(api).status_code == 429


def test_the_lockout_ends_with_its_window(data, settings, clock):
    for _ in range(THRESHOLD):
        oneportal(basic(data["username"], "wrong"))
    right = basic(data["username"], data["password"])
    clock.advance(299.5)
    response = oneportal(right)
    assert response.status_code == 429 and response["Retry-After"] == "1"
    clock.advance(0.5)
    assert oneportal(right).status_code == 200


def test_an_operator_lifts_a_lockout_and_it_is_recorded(data):
    for _ in range(THRESHOLD):
        oneportal(basic(data["username"], "wrong"))
    right = basic(data["username"], data["password"])
    assert oneportal(right).status_code == 429
    out = StringIO()
    call_command("auth_unlock", "--client", data["username"], "--address", "10.1.1.1",
                 stdout=out)
    assert out.getvalue().splitlines() == [f"client {data['username']}: unlocked",
                                           "address 10.1.1.1: not locked"]
    assert oneportal(right).status_code == 200
    assert oneportal(basic(data["username"], "wrong")).status_code == 401  # counts anew
    lifted = ChangeRecord.objects.get(object_type="auth.lockout", action="delete")
    assert lifted.object_id == "client:erp" and lifted.actor_repr == "command:auth_unlock"


def test_an_address_is_locked_out_after_failures_of_many_names(data, settings):
    settings.AUTH_FAILURES_PER_ADDRESS = 5
    for n in range(3):
        assert customerid(basic(f"nobody-{n}", "x", "10.0.0.9")).status_code == 401
    assert customerid(bearer("not-a-token", "10.0.0.9")).status_code == 401
    assert additiv(APIClient(REMOTE_ADDR="10.0.0.9", HTTP_AUTHORIZATION="Basic !!")
                   ).status_code == 401  # a malformed header counts too
    token = APIClient().post("/oauth/token/", {
        "grant_type": "client_credentials", "client_id": data["client_id"],
        "client_secret": data["client_secret"]}).json()["access_token"]

    for api in (basic(data["username"], data["password"], "10.0.0.9"), bearer(token, "10.0.0.9")):
        response = additiv(api)
        assert response.status_code == 429 and int(response["Retry-After"]) > 0
    for api in (basic(data["username"], data["password"], "10.0.0.10"), bearer(token)):
        assert additiv(api).status_code == 200  # other addresses are not locked
    assert ChangeRecord.objects.filter(object_type="auth.lockout",
                                       object_id="address:10.0.0.9").count() == 1


def test_the_address_is_remote_addr_unless_proxies_are_trusted(data, settings):
    settings.AUTH_FAILURES_PER_ADDRESS = 2
    settings.AUTH_FAILURES_PER_CLIENT = 100
    for n in range(2):  # a forged X-Forwarded-For does not move the attacker elsewhere
        basic("x", "y", "10.0.0.7").get("/api/rest/v1/namespace",
                                        HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert oneportal(basic(data["username"], data["password"], "10.0.0.7")).status_code == 429

    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    behind = basic(data["username"], data["password"], "10.0.0.7")
    assert behind.get("/api/rest/v1/namespace",
                      HTTP_X_FORWARDED_FOR="192.0.2.50").status_code == 200


# --- the token endpoints -------------------------------------------------------------------------

def token_request(client_id: str, secret: str, *, header: bool = False, path="/oauth/token/",
                  address: str = "127.0.0.1"):
    api = APIClient(REMOTE_ADDR=address)
    if header:
        raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
        return api.post(path, {"grant_type": "client_credentials"},
                        HTTP_AUTHORIZATION=f"Basic {raw}")
    return api.post(path, {"grant_type": "client_credentials", "client_id": client_id,
                           "client_secret": secret})


@pytest.mark.parametrize("header", [False, True], ids=["body", "basic"])
def test_wrong_client_secrets_lock_the_client_id_out_of_the_token_endpoint(data, header):
    for _ in range(THRESHOLD):
        response = token_request(data["client_id"], "wrong", header=header)
        assert response.status_code == 401 and response.json()["error"] == "invalid_client"
    for secret in ("wrong", data["client_secret"]):
        for path in ("/oauth/token/", "/connect/token"):
            response = token_request(data["client_id"], secret, header=header, path=path)
            assert response.status_code == 429, response.content
            assert response["Content-Type"] == "application/json"
            assert 299 <= int(response["Retry-After"]) <= 300
            body = response.json()
            assert body["error"] == "temporarily_unavailable"
            assert "Too many failed authentication attempts" in body["error_description"]
    # the same client id over HTTP Basic on the APIs is locked out with it
    assert oneportal(basic(data["client_id"], data["client_secret"])).status_code == 429
    # the service account's own username is another credential, not locked
    assert oneportal(basic(data["username"], data["password"])).status_code == 200
    assert ChangeRecord.objects.filter(
        object_type="auth.lockout", object_id=f"client:{data['client_id']}").count() == 1


def test_failures_over_basic_on_an_api_count_at_the_token_endpoint(data):
    for _ in range(THRESHOLD):
        assert oneportal(basic(data["client_id"], "wrong")).status_code == 401
    assert token_request(data["client_id"], data["client_secret"]).status_code == 429


def test_the_revocation_endpoint_is_throttled_too(data):
    for _ in range(THRESHOLD):
        response = APIClient().post("/oauth/revoke_token/", {
            "token": "x", "client_id": data["client_id"], "client_secret": "wrong"})
        assert response.status_code == 401
    response = APIClient().post("/oauth/revoke_token/", {
        "token": "x", "client_id": data["client_id"], "client_secret": data["client_secret"]})
    assert response.status_code == 429 and response["Retry-After"]


# --- a peer that knows a client id ---------------------------------------------------------------

@pytest.mark.parametrize("header", [False, True], ids=["body", "basic"])
def test_wrong_secrets_from_one_address_do_not_lock_the_client_out_from_another(data, header):
    """Client ids are visible to other clients (`createdByOauthClientId`): a peer's guesses
    lock the peer's own address out, not the client."""
    peer = "10.6.6.6"
    for _ in range(THRESHOLD):
        response = token_request(data["client_id"], "wrong", header=header, address=peer)
        assert response.status_code == 401 and response.json()["error"] == "invalid_client"
    refused = token_request(data["client_id"], data["client_secret"], header=header,
                            address=peer)
    assert refused.status_code == 429 and 299 <= int(refused["Retry-After"]) <= 300

    # the client, from its own address: a token, and Basic on the APIs
    response = token_request(data["client_id"], data["client_secret"], header=header)
    assert response.status_code == 200, response.content
    assert oneportal(basic(data["client_id"], data["client_secret"])).status_code == 200
    assert oneportal(bearer(response.json()["access_token"])).status_code == 200
    # the peer's Basic guesses on an API lock only the peer out too
    for _ in range(THRESHOLD):
        assert oneportal(basic(data["client_id"], "wrong", "10.6.6.7")).status_code == 401
    assert oneportal(basic(data["client_id"], data["client_secret"], "10.6.6.7")
                     ).status_code == 429
    assert customerid(basic(data["client_id"], data["client_secret"])).status_code == 200
    (first, second) = ChangeRecord.objects.filter(
        object_type="auth.lockout", object_id=f"client:{data['client_id']}").order_by("id")
    assert (first.after["address"], second.after["address"]) == (peer, "10.6.6.7")


def test_failures_from_many_addresses_slow_the_client_rather_than_lock_it(data, settings, clock):
    settings.AUTH_FAILURES_PER_CLIENT_ANY_ADDRESS = 6
    settings.AUTH_SLOWDOWN_SECONDS = 2
    token = APIClient().post("/oauth/token/", {
        "grant_type": "client_credentials", "client_id": data["client_id"],
        "client_secret": data["client_secret"]}).json()["access_token"]
    assert oneportal(basic(data["client_id"], data["client_secret"])).status_code == 200
    for n in range(6):  # 2 from each of 3 addresses: below the per-address bound of 3
        response = token_request(data["client_id"], "wrong", address=f"10.7.0.{n // 2}")
        assert response.status_code == 401
    (slowdown,) = ChangeRecord.objects.filter(object_type="auth.lockout",
                                              object_id=f"client:{data['client_id']}")
    assert slowdown.after["kind"] == "slowdown" and slowdown.after["failures"] == 6
    assert slowdown.after["slowdown_seconds"] == 2

    # one check of the secret per 2 seconds, from anywhere: the right secret's turn comes
    assert token_request(data["client_id"], data["client_secret"]).status_code == 200
    refused = token_request(data["client_id"], data["client_secret"])
    assert refused.status_code == 429 and refused["Retry-After"] == "2"
    assert refused.json()["error"] == "temporarily_unavailable"
    clock.advance(1)
    assert token_request(data["client_id"], "wrong", address="10.7.1.1").status_code == 429
    clock.advance(1)
    assert token_request(data["client_id"], "wrong", address="10.7.1.1").status_code == 401
    refused = token_request(data["client_id"], data["client_secret"])
    assert refused.status_code == 429 and refused["Retry-After"] == "2"
    # no secret checked: a token and remembered Basic credentials are not slowed
    assert oneportal(bearer(token)).status_code == 200
    assert oneportal(basic(data["client_id"], data["client_secret"], "10.7.9.9")
                     ).status_code == 200
    # the service account's username is another identifier
    assert oneportal(basic(data["username"], data["password"], "10.7.9.9")).status_code == 200
    caches["auth"].clear()  # Basic credentials not remembered: their check waits its turn
    response = oneportal(basic(data["client_id"], data["client_secret"], "10.7.9.9"))
    assert response.status_code == 429 and response["Retry-After"] == "2"
    assert "try again in 2 seconds" in message_of("oneportal", response)
    clock.advance(2)
    assert oneportal(basic(data["client_id"], data["client_secret"], "10.7.9.9")
                     ).status_code == 200

    # the slowdown ends with its window; nothing was locked
    clock.advance(300)
    for _ in range(3):
        assert token_request(data["client_id"], data["client_secret"]).status_code == 200
    assert ChangeRecord.objects.filter(object_type="auth.lockout").count() == 1


def test_an_operator_lifts_a_clients_lockouts_at_every_address_and_its_slowdown(data, settings):
    settings.AUTH_FAILURES_PER_CLIENT_ANY_ADDRESS = 7
    for address in ("10.8.0.1", "10.8.0.2"):
        for _ in range(THRESHOLD):
            token_request(data["client_id"], "wrong", address=address)
    token_request(data["client_id"], "wrong", address="10.8.0.3")  # the 7th: slowed
    assert token_request(data["client_id"], data["client_secret"]).status_code == 200
    for address in ("10.8.0.1", "10.8.0.2", "127.0.0.1"):
        assert token_request(data["client_id"], data["client_secret"],
                             address=address).status_code == 429
    out = StringIO()
    call_command("auth_unlock", "--client", data["client_id"], stdout=out)
    assert out.getvalue() == f"client {data['client_id']}: unlocked\n"
    for address in ("10.8.0.1", "10.8.0.2", "127.0.0.1"):
        assert token_request(data["client_id"], data["client_secret"],
                             address=address).status_code == 200
    assert ChangeRecord.objects.filter(object_type="auth.lockout", action="delete",
                                       object_id=f"client:{data['client_id']}").count() == 1


# --- 50 attempts at once -------------------------------------------------------------------------

class Gate:
    """Holds every secret check until each of `n` requests has reached a check, been answered
    or begun to wait for the checks under way, then lets the checks go on: the count of checks
    is then exactly the number of requests the throttle let through, whatever the threads'
    timing."""

    def __init__(self, n: int):
        self.n, self.checks, self.answered = n, 0, 0
        self.waiting: set[int] = set()
        self.lock, self.open = threading.Lock(), threading.Event()

    def _moved(self) -> None:
        if self.checks + self.answered + len(self.waiting) >= self.n:
            self.open.set()

    def check(self) -> None:
        with self.lock:
            self.checks += 1
            self._moved()
        self.open.wait(30)

    def pause(self, real) -> None:
        with self.lock:
            self.waiting.add(threading.get_ident())
            self._moved()
        real()

    def answer(self, call):
        try:
            return call()
        finally:
            with self.lock:
                self.waiting.discard(threading.get_ident())
                self.answered += 1
                self._moved()


@pytest.fixture(params=["locmem", "redis"])
def throttle_cache(request, settings):
    if request.param == "redis":
        redis_or_skip()
        settings.CACHES = {**settings.CACHES, "throttle": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"tessera-test-{uuid.uuid4().hex}"}}
    return request.param


PARALLEL = 50


@postgresql_only  # concurrent requests write (refusal log, audit): SQLite's test database
@pytest.mark.django_db(transaction=True)  # refuses concurrent writers ("table is locked")
@pytest.mark.parametrize("spread", ["one address", "every address"])
@pytest.mark.parametrize("surface", ["token", "basic"])
def test_50_wrong_secrets_at_once_reach_the_check_exactly_as_often_as_the_bound_allows(
        data, settings, monkeypatch, throttle_cache, spread, surface):
    """50 concurrent wrong secrets of one client id: from one address, exactly
    AUTH_FAILURES_PER_CLIENT (10) reach the secret check and are answered 401, the others 429;
    from 50 addresses, AUTH_FAILURES_PER_CLIENT_ANY_ADDRESS (10) and one slowed turn (11)."""
    settings.AUTH_FAILURES_PER_CLIENT = 10
    settings.AUTH_FAILURES_PER_CLIENT_ANY_ADDRESS = 10 if spread == "every address" else 100
    settings.AUTH_FAILURES_PER_ADDRESS = 100
    settings.AUTH_SLOWDOWN_SECONDS = 60  # one turn within the test, however slow the machine
    gate = Gate(PARALLEL)
    real = hashers.MD5PasswordHasher.verify
    monkeypatch.setattr(hashers.MD5PasswordHasher, "verify",
                        lambda *a, **k: gate.check() or real(*a, **k))
    pause = getattr(lockout, "_pause", None)
    monkeypatch.setattr(lockout, "_pause", lambda: gate.pause(pause), raising=False)

    def attempt(n: int):
        address = "10.9.0.1" if spread == "one address" else f"10.9.{n // 200}.{n % 200 + 1}"
        if surface == "token":
            return token_request(data["client_id"], f"wrong-{n}", address=address)
        return oneportal(basic(data["client_id"], f"wrong-{n}", address))

    responses = together([lambda n=n: gate.answer(lambda: attempt(n)) for n in range(PARALLEL)])
    expected = 10 if spread == "one address" else 11
    statuses = [getattr(r, "status_code", r) for r in responses]
    assert gate.checks == expected
    assert sorted(statuses) == [401] * expected + [429] * (PARALLEL - expected), statuses
    for response in responses:
        assert int(response.get("Retry-After", 1)) >= 1
    try:
        if spread == "one address":  # the client from its own address is not locked out
            assert token_request(data["client_id"], data["client_secret"]).status_code == 200
    finally:
        if throttle_cache == "redis":
            lockout.lift("client", data["client_id"])


def test_a_broken_cache_fails_open_and_says_so(data, monkeypatch, caplog):
    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(caches["throttle"], "get_many", down)
    monkeypatch.setattr(caches["throttle"], "add", down)
    assert oneportal(basic(data["username"], data["password"])).status_code == 200
    assert oneportal(basic(data["username"], "wrong")).status_code == 401
    assert "cache unavailable" in caplog.text


# --- a shared Redis ------------------------------------------------------------------------------

REDIS_URL = os.environ.get("TEST_REDIS_URL") or os.environ.get("REDIS_URL") or \
    "redis://127.0.0.1:6379/0"


def redis_or_skip():
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but Redis does not answer at {REDIS_URL}: {error}")
        pytest.skip(f"Redis does not answer at {REDIS_URL}")


def test_the_lockout_holds_across_workers_through_redis(data, settings):
    redis_or_skip()
    prefix = f"tessera-test-{uuid.uuid4().hex}"
    settings.CACHES = {**settings.CACHES, "throttle": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
        "KEY_PREFIX": prefix}}
    settings.AUTH_FAILURE_WINDOW_SECONDS = settings.AUTH_LOCKOUT_SECONDS = 30
    try:
        for _ in range(THRESHOLD):
            assert customerid(basic(data["username"], "wrong")).status_code == 401
        response = customerid(basic(data["username"], data["password"]))
        assert response.status_code == 429 and 29 <= int(response["Retry-After"]) <= 30
        assert ET.fromstring(response.content).findtext("code") == "2"
        # the lock is in Redis, where every worker reads it
        import redis

        stored = redis.Redis.from_url(REDIS_URL).keys(f"{prefix}:*")
        assert any(b":authlock:client-address:" in key for key in stored), stored
        assert Identity.objects.get(username="erp").is_active  # the account itself untouched
    finally:
        lockout.lift("client", data["username"])
        lockout.lift("address", "127.0.0.1")
    assert customerid(basic(data["username"], data["password"])).status_code == 200


@postgresql_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("surface", ["token", "basic"])
def test_a_burst_of_right_secrets_is_delayed_not_refused(data, throttle_cache, surface):
    """An integration's workers starting at once, more of them than the bound: each waits
    for the checks under way instead of being refused."""
    def attempt():
        if surface == "token":
            return token_request(data["client_id"], data["client_secret"])
        return oneportal(basic(data["client_id"], data["client_secret"]))

    responses = together([attempt for _ in range(3 * THRESHOLD + 1)])
    assert [getattr(r, "status_code", r) for r in responses] == [200] * (3 * THRESHOLD + 1)
    assert not ChangeRecord.objects.filter(object_type="auth.lockout").exists()


# --- the contract --------------------------------------------------------------------------------

def test_every_operation_that_authenticates_documents_429_with_retry_after():
    from foundation.api.errors import style_for_path
    from foundation.api.schema import ERROR_SCHEMAS

    schema = APIClient().get("/apidoc/schema/", HTTP_ACCEPT="application/json").json()
    seen = set()
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if path == "/healthz":  # answers without authentication
                assert "429" not in operation["responses"]
                continue
            response = operation["responses"].get("429")
            assert response, f"{method.upper()} {path} does not document 429"
            assert response["headers"]["Retry-After"]["schema"]["type"] == "integer"
            ((media_type, content),) = response["content"].items()
            name, expected_type, _ = (("OAuthError", "application/json", None)
                                      if path.startswith(("/oauth/", "/connect/"))
                                      else ERROR_SCHEMAS[style_for_path(path) or "problem"])
            assert media_type == expected_type
            assert content["schema"]["$ref"] == f"#/components/schemas/{name}"
            seen.add(name)
    assert seen == {"OAuthError", "AdditivError", "OnePortalError", "CustomerIdError",
                    "Problem", "ScimError"}  # Problem: the Ainua surface (spec 000)


# --- the admin's sign-in ------------------------------------------------------------------------

def test_admin_sign_in_is_throttled_like_the_apis(client):
    from django.test import Client

    Identity.objects.create_user("operator", password="right horse battery", is_staff=True,
                                 is_superuser=True)
    form = {"username": "operator", "next": "/admin/"}
    for _ in range(THRESHOLD):
        wrong = client.post("/admin/login/", {**form, "password": "wrong"})
        assert wrong.status_code == 200 and "correct username and password" in wrong.text
    locked = client.post("/admin/login/", {**form, "password": "right horse battery"})
    assert locked.status_code == 429 and int(locked["Retry-After"]) > 0
    assert "Too many failed sign-in attempts" in locked.text
    assert "_auth_user_id" not in client.session
    assert ChangeRecord.objects.filter(object_type=lockout.OBJECT_TYPE,
                                       object_id="client:operator").count() == 1
    # the name is locked out from that address only: the operator signs in from another
    other = Client(REMOTE_ADDR="10.0.0.9")
    signed_in = other.post("/admin/login/", {**form, "password": "right horse battery"})
    assert signed_in.status_code == 302 and signed_in["Location"] == "/admin/"
    # and the operator's lift frees the name at the first address
    call_command("auth_unlock", "--client", "operator", stdout=StringIO())
    signed_in = client.post("/admin/login/", {**form, "password": "right horse battery"})
    assert signed_in.status_code == 302 and signed_in["Location"] == "/admin/"
