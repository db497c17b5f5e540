"""Nothing node-local goes stale (issue 24 item 3): two real gunicorn nodes on one database.
A change made through node A (or by the console, a third process) is seen by the very next
request on node B — made by another API client, without any consistency header, no sleep —
although B served the same reads just before and so had every per-process cache filled
(compiled statements, the written-out authentication and permission statements, the default
tenant's query, HTTP Basic's memo of verified credentials).

Which per-process caches there are, and why none of them can hold what these changes change:
tests/meta/test_node_local.py and docs/deployment.md, "Nothing node-local".
"""

from __future__ import annotations

import base64
import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from django.db import connection

from tests import servers

pytestmark = pytest.mark.django_db(transaction=True)


@dataclass
class Node:
    name: str
    server: servers.Server

    def call(self, method: str, path: str, *, auth: str | None = None,
             body: Any = None, form: dict | None = None) -> tuple[int, Any]:
        headers = {"Authorization": auth} if auth else {}
        data = None
        if body is not None:
            data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        elif form is not None:
            data = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        response, content = self.server.request(method, path, data, headers)
        try:
            return response.status, json.loads(content)
        except ValueError:
            return response.status, content

    def token(self, client: dict, secret: str | None = None) -> str:
        """An access token of the client, issued by this node (client credentials)."""
        status, body = self.call("POST", "/oauth/token/", form={
            "grant_type": "client_credentials", "client_id": client["client_id"],
            "client_secret": secret or client["client_secret"]})
        assert status == 200, (self.name, body)
        return body["access_token"]


class Operator:
    """tests/deploy/operator_node.py in its own process: the console's changes."""

    def __init__(self, process: subprocess.Popen):
        self.process = process

    def __call__(self, call: str, **kwargs: Any) -> Any:
        self.process.stdin.write(json.dumps({"call": call, "kwargs": kwargs}) + "\n")
        self.process.stdin.flush()
        return self.answer()

    def answer(self) -> Any:
        line = self.process.stdout.readline()
        assert line, "the operator process exited"
        answer = json.loads(line)
        assert "error" not in answer, answer["error"]
        return answer["ok"]


@dataclass
class Cluster:
    a: Node
    b: Node
    operator: Operator


def shared_database(tmp: Path) -> str:
    """servers.shared_database, but on SQLite a copy of the test's own database, migrated
    already (SQLite's backup API takes milliseconds where migrating a new file takes ~10 s)."""
    if connection.vendor != "sqlite":
        return servers.shared_database(tmp)
    path = tmp / "shared.sqlite3"
    connection.ensure_connection()
    copy = sqlite3.connect(path)
    try:
        connection.connection.backup(copy)
    finally:
        copy.close()
    return f"sqlite:///{path}"


@contextmanager
def two_nodes(tmp: Path, database: str) -> Iterator[tuple[servers.Server, servers.Server]]:
    """Nodes A and B, started at once (each in a folder of its own: its logs)."""
    starting = [servers.gunicorn(tmp / name, database) for name in ("a", "b")]
    for name in ("a", "b"):
        (tmp / name).mkdir()
    with ExitStack() as stack, ThreadPoolExecutor(2) as pool:
        futures = [pool.submit(manager.__enter__) for manager in starting]
        wait(futures)
        for manager, future in zip(starting, futures, strict=True):
            if future.exception() is None:
                stack.push(manager.__exit__)
        yield tuple(future.result() for future in futures)


@pytest.fixture(scope="module")
def cluster(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[Cluster]:
    tmp = tmp_path_factory.mktemp("nodes")
    with django_db_blocker.unblock():
        database = shared_database(tmp)
    env = {**servers.server_env(database), "DJANGO_SETTINGS_MODULE": "config.settings"}
    with (tmp / "operator.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.deploy.operator_node"], cwd=servers.ROOT, env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True)
    operator = Operator(process)
    try:
        with ExitStack() as stack:
            with pytest.MonkeyPatch.context() as patch:
                # the nodes remember verified Basic credentials longer than this module runs
                patch.setenv("BASIC_AUTH_CACHE_SECONDS", "600")
                a, b = stack.enter_context(two_nodes(tmp, database))
            assert operator.answer() == "ready"
            yield Cluster(Node("A", a), Node("B", b), operator)
    finally:
        process.stdin.close()
        process.wait(timeout=20)


def basic(identifier: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{identifier}:{secret}".encode()).decode()


def bearer(token: str) -> str:
    return f"Bearer {token}"


def names(request, *roles: str) -> list[str]:
    """Names of this test's own (the database outlives a test on SQLite)."""
    stem = request.node.name.removeprefix("test_")[:24].replace("_", "-")
    return [f"{stem}-{role}" for role in roles]


# --- a revoke ------------------------------------------------------------------------------------

def test_a_revoke_through_one_node_is_refused_by_the_check_on_the_other_at_once(
        cluster, request):
    a, b = cluster.a, cluster.b
    ns, op, reader = names(request, "ns", "op", "reader")
    made = cluster.operator("clients", flags={
        op: ["--all-perms", "--namespace", ns],
        reader: ["--perm", "AUTHORISATION_VIEW", "--namespace", ns]})
    writes = bearer(a.token(made[op]))
    status, body = a.call("POST", "/api/rest/v1/authorisation_type", auth=writes,
                          body={"code": "employment"})
    assert status == 201, body
    status, body = a.call("POST", "/api/rest/v1/authorisation", auth=writes, body={
        "authType": "employment", "subject": {"type": "string", "value": "alice"},
        "object": {"type": "string", "value": "acme"}})
    assert status == 201, body
    made_id = body["id"]
    check = (f"/api/rest/v1/authorisation/check?subject=alice&object=acme&authType=employment"
             f"&nsCode={ns}")
    reads = {"Bearer": bearer(b.token(made[reader])),
             "Basic": basic(made[reader]["client_id"], made[reader]["client_secret"])}
    for node in (a, b):  # warm: every cache of the check's path filled on both
        for auth in reads.values():
            assert node.call("GET", check, auth=auth) == (
                200, {"authorised": True, "authorisations": [made_id]})

    status, body = a.call("POST", f"/api/rest/v1/authorisation/{made_id}/revoke", auth=writes)
    assert status == 200, body

    for scheme, auth in reads.items():
        assert b.call("GET", check, auth=auth) == (
            200, {"authorised": False, "authorisations": []}), scheme
        status, body = b.call("GET", f"/api/rest/v1/authorisation/{made_id}", auth=auth)
        assert (status, body["revoked"]) == (200, True), scheme


# --- a deactivated client, a new secret, a revoked token ---------------------------------------

def test_a_deactivated_client_is_refused_on_the_other_node_at_once(cluster, request):
    a, b = cluster.a, cluster.b
    ns, client = names(request, "ns", "client")
    made = cluster.operator("clients", flags={
        client: ["--perm", "AUTHORISATION_VIEW", "--namespace", ns]})[client]
    ways = {"Bearer (a token from A)": bearer(a.token(made)),
            "Basic client id": basic(made["client_id"], made["client_secret"]),
            "Basic username": basic(made["username"], made["password"])}
    for way, auth in ways.items():  # B verifies each and remembers the Basic ones
        for _ in range(2):
            assert b.call("GET", "/api/rest/v1/namespace", auth=auth)[0] == 200, way

    cluster.operator("deactivate", username=client)

    for way, auth in ways.items():
        assert b.call("GET", "/api/rest/v1/namespace", auth=auth)[0] == 401, way
    status, body = b.call("POST", "/oauth/token/", form={
        "grant_type": "client_credentials", "client_id": made["client_id"],
        "client_secret": made["client_secret"]})
    assert (status, body["error"]) == (401, "invalid_client")


def test_a_new_secret_and_a_revoked_token_are_seen_on_the_other_node_at_once(
        cluster, request):
    a, b = cluster.a, cluster.b
    ns, client = names(request, "ns", "client")
    made = cluster.operator("clients", flags={
        client: ["--perm", "AUTHORISATION_VIEW", "--namespace", ns]})[client]
    old = {"Basic client id": basic(made["client_id"], made["client_secret"]),
           "Basic username": basic(made["username"], made["password"])}
    token = a.token(made)
    for auth in [*old.values(), bearer(token)]:  # B verifies, then remembers and recalls
        for _ in range(2):
            assert b.call("GET", "/api/rest/v1/namespace", auth=auth)[0] == 200

    new = cluster.operator("new_secrets", username=client)

    for way, auth in old.items():
        assert b.call("GET", "/api/rest/v1/namespace", auth=auth)[0] == 401, way
    assert b.call("POST", "/oauth/token/", form={
        "grant_type": "client_credentials", "client_id": made["client_id"],
        "client_secret": made["client_secret"]})[0] == 401
    for auth in (basic(made["client_id"], new["client_secret"]),
                 basic(made["username"], new["password"]),
                 bearer(b.token(made, new["client_secret"]))):
        assert b.call("GET", "/api/rest/v1/namespace", auth=auth)[0] == 200

    # a token revoked through A (RFC 7009) stops on B
    assert b.call("GET", "/api/rest/v1/namespace", auth=bearer(token))[0] == 200
    status, _ = a.call("POST", "/oauth/revoke_token/", form={
        "token": token, "client_id": made["client_id"], "client_secret": new["client_secret"]})
    assert status == 200
    assert b.call("GET", "/api/rest/v1/namespace", auth=bearer(token))[0] == 401


# --- changed grants ------------------------------------------------------------------------------

def codes(node: Node, auth: str) -> list[str]:
    """The namespaces the client may use, as the node answers."""
    status, body = node.call("GET", "/api/rest/v1/namespace", auth=auth)
    assert status == 200, body
    return sorted(n["code"] for n in body["resources"])


def test_a_changed_grant_is_seen_on_the_other_node_at_once(cluster, request):
    """A grant right revoked through A, a namespace grant and the permissions withdrawn by
    the console: B answers from each at once."""
    a, b = cluster.a, cluster.b
    ns, ns2, op, client = names(request, "ns", "ns2", "op", "client")
    made = cluster.operator("clients", flags={
        op: ["--all-perms", "--namespace", ns],
        client: ["--perm", "AUTHORISATION_VIEW", "--namespace", ns, "--namespace", ns2]})
    writes = bearer(a.token(made[op]))
    assert a.call("POST", "/api/rest/v1/authorisation_type", auth=writes,
                  body={"code": "delegate"})[0] == 201
    me = {"type": "string", "value": made[client]["client_id"]}
    status, right = a.call("POST", "/api/rest/v1/authorisation_grant_right", auth=writes,
                           body={"authorisationTypes": ["delegate"], "principal": me})
    assert status == 201, right
    reads = [bearer(a.token(made[client])),
             basic(made[client]["client_id"], made[client]["client_secret"])]
    check = "/api/rest/v1/authorisation/check?subject=s&object=o&authType=t&nsCode="

    def give(node: Node, auth: str) -> int:
        """The client gives an authorisation of its own (no AUTHORISATION_CREATE: the grant
        right admits it)."""
        return node.call("POST", "/api/rest/v1/authorisation", auth=auth, body={
            "nsCode": ns, "authType": "delegate", "object": me,
            "subject": {"type": "string", "value": "helper"}})[0]

    for node in (a, b):
        for auth in reads:
            assert codes(node, auth) == [ns, ns2]
            assert node.call("GET", check + ns, auth=auth)[0] == 200
            assert give(node, auth) == 201

    status, body = a.call("POST", f"/api/rest/v1/authorisation_grant_right/{right['id']}/revoke",
                          auth=writes)
    assert status == 200, body

    for auth in reads:
        assert give(b, auth) == 403

    cluster.operator("ungrant", username=client, namespace=ns)

    for auth in reads:
        assert codes(b, auth) == [ns2]
        assert b.call("GET", check + ns, auth=auth)[0] == 404
        assert b.call("GET", check + ns2, auth=auth)[0] == 200

    cluster.operator("withdraw_permissions", username=client)

    for auth in reads:
        assert b.call("GET", check + ns2, auth=auth)[0] == 403


# --- a rank move ---------------------------------------------------------------------------------

def test_a_rank_move_through_one_node_is_seen_on_the_other_at_once(cluster, request):
    a, b = cluster.a, cluster.b
    ns, op, reader, upper, lower, boss, clerk = names(
        request, "ns", "op", "reader", "upper", "lower", "boss", "clerk")
    made = cluster.operator("clients", flags={op: ["--all-perms", "--namespace", ns],
                                              reader: ["--all-perms", "--namespace", ns]})
    upper_id, lower_id = cluster.operator("roles", keys=[upper, lower])
    writes = bearer(a.token(made[op]))
    people = {}
    for username, role_id in ((boss, upper_id), (clerk, lower_id)):
        status, body = a.call("POST", "/v1.0/identities", auth=writes,
                              body={"Username": username, "IdentityRoleId": role_id})
        assert status == 200, body
        people[username] = body["IdentityId"]
    status, members = a.call("GET", "/v2.0/members", auth=writes)
    member = {m["UserName"]: m["MemberId"] for m in members}
    reads = bearer(b.token(made[reader]))

    def seen(node: Node) -> tuple[list[str], bool, bool, bool]:
        """The two roles in rank order, whether `lower` is in `upper`'s hierarchy, and the
        access checks boss → clerk and clerk → boss."""
        status, roles = node.call("GET", "/v2.0/roles", auth=reads)
        assert status == 200, roles
        order = [r["Key"] for r in roles if r["Key"] in (upper, lower)]
        status, below = node.call("GET", f"/v2.0/roles/{upper_id}/hierarchy", auth=reads)
        assert status == 200, below
        answers = []
        for identity, person in ((boss, clerk), (clerk, boss)):
            status, answer = node.call(
                "GET", f"/v1.0/identities/{people[identity]}/hierarchy/{member[person]}/exists",
                auth=reads)
            assert status == 200, answer
            answers.append(answer)
        return order, lower in [r["Key"] for r in below["HierarchyItems"]], *answers

    before = ([upper, lower], True, True, False)
    assert seen(a) == seen(b) == before

    assert a.call("PUT", f"/v2.0/roles/{lower_id}/hierarchy/rank/Up", auth=writes) == (200, True)
    assert seen(b) == ([lower, upper], False, False, True)

    # and back, by 003's route
    assert a.call("PATCH", f"/v2.0/roles/{lower_id}/hierarchy-level/Down",
                  auth=writes) == (200, True)
    assert seen(b) == before


def test_the_nodes_are_two_processes(cluster):
    assert cluster.a.server.process.pid != cluster.b.server.process.pid
    assert set(cluster.a.server.worker_pids()).isdisjoint(cluster.b.server.worker_pids())
    assert Path(cluster.a.server.logs) != Path(cluster.b.server.logs)
