"""Read-your-writes with a replica (foundation/consistency): which database serves each read.

In the test database the replica is a mirror of the primary sharing the test's connection (or
a server that refuses connections, for a replica that is down), so what is asserted here is the
routing: the decision each request's reads get, the token a write answers, the pins, the
fallbacks. tests/deploy/test_cluster.py proves the same against a real streaming replica.
"""

from __future__ import annotations

import pytest
from django.core.cache import caches
from django.db import OperationalError, connection, connections, transaction
from django.db.backends.postgresql.base import DatabaseWrapper
from redis import RedisError

from audit import context as scope
from authorisations.models import AuthorisationType
from authorisations.services.catalog import (
    api_client_namespaces_grant,
    coded_item_create,
    namespace_create,
)
from foundation.consistency import pins, replica, route, tokens
from foundation.consistency.middleware import ConsistencyMiddleware
from foundation.consistency.replica import REPLICA, Position
from foundation.consistency.router import ReplicaRouter
from identities.services.people import person_create
from tests.authorisations.conftest import ALL, BASE, body
from tests.servers import free_port

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="a streaming replica is PostgreSQL's (so is DATABASE_REPLICA_URL)"),
]
URL = f"{BASE}/authorisation"
ROUTER = ["foundation.consistency.router.ReplicaRouter"]


def _replica_alias(settings, **changes):
    """The `replica` alias for one test: the suite's own when DATABASE_REPLICA_URL is set,
    else one added here that shares the test's connection; with `changes` to its settings
    (another port: a replica that is down), a connection of its own to that server."""
    settings.DATABASE_ROUTERS = ROUTER
    if replica.configured() and not changes:
        yield
        return
    kept = connections.settings.get(REPLICA)
    connections.settings[REPLICA] = {**connections.settings["default"], **changes}
    if changes:  # an alias of its own name: the test case lets it connect
        connections[REPLICA] = DatabaseWrapper(connections.settings[REPLICA], alias="down")
    else:
        connections[REPLICA] = connections["default"]
    try:
        yield
    finally:
        if changes:
            connections[REPLICA].close()
        del connections[REPLICA]
        if kept is None:
            del connections.settings[REPLICA]
        else:
            connections.settings[REPLICA] = kept


@pytest.fixture
def with_replica(db, settings):
    yield from _replica_alias(settings)


@pytest.fixture
def dead_replica(db, settings):
    settings.REPLICA_RETRY_SECONDS = 60
    yield from _replica_alias(settings, PORT=str(free_port()), OPTIONS={"connect_timeout": 1})


@pytest.fixture
def reads(monkeypatch):
    """Every (model, alias) the router answered for a read."""
    seen: list[tuple[str, str]] = []
    answer = ReplicaRouter.db_for_read

    def recording(self, model, **hints):
        alias = answer(self, model, **hints)
        seen.append((model.__name__, alias))
        return alias

    monkeypatch.setattr(ReplicaRouter, "db_for_read", recording)
    return seen


@pytest.fixture
def ns_a(db):
    namespace = namespace_create(code="ns-a", name="Namespace A")
    coded_item_create(model=AuthorisationType, namespace=namespace, code="employment")
    return namespace


@pytest.fixture
def make_ns_caller(make_caller, ns_a):
    def make(name: str):
        caller = make_caller(ALL, name=name)
        api_client_namespaces_grant(identity=caller.identity, codes=["ns-a"])
        return caller

    return make


@pytest.fixture
def writer(with_replica, make_ns_caller, ns_a):
    return make_ns_caller(name="writer").basic()


@pytest.fixture
def reader(with_replica, make_ns_caller, ns_a):
    return make_ns_caller(name="reader").basic()


def served(response) -> str:
    return response.wsgi_request.META["tessera.db"]


def current_lsn() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_insert_lsn()::text")
        return tokens.lsn_from_text(cursor.fetchone()[0])


# --- the token --------------------------------------------------------------------------------

def test_the_token_carries_a_position_and_nothing_else_decodes():
    assert tokens.decode(tokens.encode(0x16_B374D848)) == 0x16_B374D848
    assert tokens.lsn_from_text("16/B374D848") == 0x16_B374D848
    assert len(tokens.encode(2**64 - 1)) == 12
    for junk in ("", "x" * 12, "AQAAAAAAAAA", "AQAAAAAAAAA=", "AgAAAAAAAAAB", "é" * 12, "!" * 12):
        assert tokens.decode(junk) is None, junk


# --- through HTTP: onePortal, the check, the admin -------------------------------------------

def test_a_write_answers_a_token_and_its_client_reads_from_the_primary_others_the_replica(
        writer, reader, reads):
    before = current_lsn()
    created = writer.post(URL, body(), format="json")
    assert created.status_code == 201, created.content
    lsn = tokens.decode(created[tokens.HEADER])
    assert before <= lsn <= current_lsn()
    assert served(created) == "primary:write"

    own = writer.get(f"{URL}/{created.json()['id']}")  # no token: pinned, on any node
    assert own.status_code == 200 and served(own) == "primary:pinned"
    with_token = writer.get(f"{URL}/{created.json()['id']}",
                            HTTP_TESSERA_CONSISTENCY=created[tokens.HEADER])
    assert with_token.status_code == 200 and served(with_token) == "replica"

    reads.clear()
    other = reader.get(URL)
    assert other.status_code == 200 and served(other) == "replica"
    assert [item["id"] for item in other.json()["resources"]] == [created.json()["id"]]
    assert ("Authorisation", REPLICA) in reads
    assert tokens.HEADER not in other  # a read answers no token


def test_credentials_are_checked_on_the_primary_and_the_data_read_on_the_replica(
        with_replica, make_ns_caller, ns_a, reads):
    caller = make_ns_caller(name="bearer")
    client = caller.bearer()  # the token was written just now: the client is pinned
    caches["consistency"].clear()
    reads.clear()
    answer = client.get(URL, {"filter": 'subject.value eq "alice"'})
    assert answer.status_code == 200 and served(answer) == "replica"
    assert reads[0] == ("Identity", "default")  # the Bearer lookup
    assert ("Authorisation", REPLICA) in reads


def test_the_check_is_served_by_the_replica_and_sees_a_revoke_with_the_token(writer, reader):
    created = writer.post(URL, body(), format="json").json()
    check = {"subject": "alice", "object": "acme", "authType": "employment"}
    answer = reader.get(f"{URL}/check", check)
    assert answer.json()["authorised"] is True and served(answer) == "replica"
    revoked = writer.post(f"{URL}/{created['id']}/revoke", {}, format="json")
    assert revoked.status_code == 200 and tokens.HEADER in revoked
    after = reader.get(f"{URL}/check", check, HTTP_TESSERA_CONSISTENCY=revoked[tokens.HEADER])
    assert after.json()["authorised"] is False and served(after) == "replica"


def test_bad_input_answers_no_token(writer):
    refused = writer.post(URL, {"authType": "employment"}, format="json")
    assert refused.status_code == 400
    assert tokens.HEADER not in refused


def test_a_token_that_does_not_decode_is_served_by_the_primary(reader):
    answer = reader.get(URL, HTTP_TESSERA_CONSISTENCY="not-a-token!")
    assert answer.status_code == 200 and served(answer) == "primary:token"


def test_methods_that_may_write_read_from_the_primary_unless_the_view_only_reads(
        with_replica, rf):
    middleware = ConsistencyMiddleware(lambda request: None)

    class Search:
        reads_only = True

    def view():
        pass

    for cls, allowed in ((Search, True), (object, False)):
        request = rf.post("/")
        request.tessera_route = route.Route(token=None, replica_allowed=False)
        view.cls = cls
        middleware.process_view(request, view, (), {})
        assert request.tessera_route.replica_allowed is allowed


def test_an_operator_reads_their_own_edit_from_the_primary(with_replica, client, ns_a):
    operator = person_create(username="root", superuser=True)
    client.force_login(operator)
    assert served(client.get("/admin/authorisations/namespace/")) == "replica"
    changed = client.post(f"/admin/authorisations/namespace/{ns_a.pk}/change/", {
        "name": "Renamed", "default_validity": "",
        **{f"namespaceuserobjectpermission_set-{key}": value for key, value in (
            ("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"), ("MIN_NUM_FORMS", "0"),
            ("MAX_NUM_FORMS", "1000"))}})
    assert changed.status_code == 302, changed.content.decode()[:2000]
    listing = client.get("/admin/authorisations/namespace/")
    assert served(listing) == "primary:pinned" and "Renamed" in listing.content.decode()


def test_a_replica_that_is_down_leaves_the_reads_to_the_primary(dead_replica, make_ns_caller,
                                                               ns_a, monkeypatch):
    client = make_ns_caller(name="reader").basic()
    answer = client.get(URL)
    assert answer.status_code == 200 and served(answer) == "primary:down"
    asked = []
    monkeypatch.setattr(connections[REPLICA], "ensure_connection",
                        lambda: asked.append(1))
    again = client.get(URL)  # left alone for REPLICA_RETRY_SECONDS: not asked again
    assert again.status_code == 200 and served(again) == "primary:down" and not asked


def test_a_get_whose_replica_fails_mid_request_is_served_again_by_the_primary(
        writer, reader, monkeypatch):
    writer.post(URL, body(), format="json")
    failures = []

    def failing_once(self, execute, sql, params, many, context):
        if not failures and self.served == "replica" and "authorisations_authorisation" in sql:
            failures.append(sql)
            self.replica_failed = True
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    monkeypatch.setattr(route.Route, "watch_replica", failing_once)
    monkeypatch.setattr(replica, "mark_down", lambda: None)  # would close the test's connection
    answer = reader.get(URL)
    assert failures and answer.status_code == 200, answer.content
    assert len(answer.json()["resources"]) == 1 and served(answer) == "primary:down"


# --- the decision ------------------------------------------------------------------------------

@pytest.mark.parametrize(("position", "token_lsn", "expected"), [
    (Position(replayed=500, lag=0.0), None, "replica"),
    (Position(replayed=500, lag=0.0), 500, "replica"),
    (Position(replayed=500, lag=0.0), 501, "primary:token"),
    (Position(replayed=500, lag=30.0), None, "primary:lag"),
    (Position(replayed=500, lag=30.0), 100, "primary:lag"),
    (Position(replayed=500, lag=None), None, "primary:lag"),
    (Position(replayed=None, lag=0.0), 10**12, "replica"),
    (None, None, "primary:down"),
    (None, 100, "primary:down"),
])
def test_the_decision(monkeypatch, position, token_lsn, expected):
    monkeypatch.setattr(replica, "position", lambda: position)
    token = None if token_lsn is None else tokens.encode(token_lsn)
    assert route.decide(token, "someone") == expected


def test_a_pin_sends_a_read_without_token_to_the_primary_for_its_seconds_only(
        monkeypatch, settings):
    monkeypatch.setattr(replica, "position", lambda: Position(replayed=500, lag=0.0))
    pins.pin("writer")
    assert route.decide(None, "writer") == "primary:pinned"
    assert route.decide(tokens.encode(400), "writer") == "replica"  # the token decides
    assert route.decide(None, "someone-else") == "replica"
    settings.REPLICA_PIN_SECONDS = 0  # no time at all: nothing kept
    caches["consistency"].clear()
    pins.pin("writer")
    assert route.decide(None, "writer") == "replica"


def test_a_pin_that_cannot_be_read_counts_as_a_pin(monkeypatch):
    def broken(*args, **kwargs):
        raise RedisError("Timeout reading from socket")

    monkeypatch.setattr(caches["consistency"], "get", broken)
    monkeypatch.setattr(caches["consistency"], "set", broken)
    pins.pin("writer")  # logged, not raised
    assert pins.pinned("anyone") is True


def test_reads_in_a_transaction_after_a_write_or_before_the_actor_go_to_the_primary(
        with_replica, monkeypatch, make_caller):
    monkeypatch.setattr(replica, "position", lambda: Position(replayed=None, lag=0.0))
    actor = make_caller().identity
    with route.serving(route.Route(token=None, replica_allowed=True)) as current:
        assert route.read_alias() == "default"  # no actor yet: credentials are being read
        scope.set_actor(actor)
        assert route.read_alias() == REPLICA
        with transaction.atomic():
            assert route.read_alias() == "default"
        with route.primary():
            assert route.read_alias() == "default"
        assert route.read_alias() == REPLICA
        current.watch_writes(lambda *a: None, 'UPDATE "x" SET y = 1', None, False, {})
        assert route.read_alias() == "default" and current.wrote
    assert route.read_alias() == "default"  # outside a request: commands read the primary


@pytest.mark.parametrize(("sql", "writes"), [
    ('INSERT INTO "t" VALUES (1)', True),
    ('  update "t" SET a = 1', True),
    ('DELETE FROM "t"', True),
    ("COPY t FROM STDIN", True),
    ('WITH gone AS (DELETE FROM "t" RETURNING id) SELECT count(*) FROM gone', True),
    ('SELECT * FROM "t" WHERE a = \'UPDATE\'', False),
    ('SELECT * FROM "t" FOR UPDATE', False),
    ("SAVEPOINT s1", False),
    ('WITH x AS (SELECT 1) SELECT * FROM x', False),
])
def test_what_counts_as_a_write(sql, writes):
    current = route.Route(token=None, replica_allowed=True)
    current.watch_writes(lambda *a: None, sql, None, False, {})
    assert current.wrote is writes


def test_the_replica_of_the_test_database_has_everything(with_replica):
    position = replica.position()
    assert position == Position(None, 0.0) and position.has(2**63) and position.fresh


# --- every surface -------------------------------------------------------------------------------

def test_every_surface_answers_a_token_on_its_writes_and_reads_the_replica_otherwise(
        with_replica, make_caller):
    from tests.accounts.conftest import ALL as AINUA
    from tests.identities.dfs import ALL as ADDITIV
    from tests.orgs.conftest import ALL as CUSTOMERID

    customerid = make_caller(CUSTOMERID, name="crm").basic()
    written = customerid.post("/eidm2/services/orgs/?organizationId=acme&friendlyName=Acme")
    assert written.status_code == 200 and tokens.HEADER in written
    additiv = make_caller(ADDITIV, tenants=["default"], name="dfs").basic()
    searched = additiv.post("/v1.0/identities/search", {"SearchTerm": "x"}, format="json")
    assert searched.status_code == 200 and served(searched) == "replica"  # a POST that reads
    assert tokens.HEADER not in searched
    ainua = make_caller(AINUA, name="connector").bearer()
    patched = ainua.patch("/api/integrations/v1/accounts", {"a1": {"name": "A", "id": "1"}},
                          format="json")
    assert patched.status_code == 200 and tokens.HEADER in patched
    caches["consistency"].clear()  # as if the pins had run out (Ainua only writes)
    for client, path in ((customerid, "/eidm2/services/orgs/"),
                         (customerid, "/eidm2/services/org/acme"), (additiv, "/v2.0/roles")):
        answer = client.get(path)
        assert answer.status_code == 200 and served(answer) == "replica", path
