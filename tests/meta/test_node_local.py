"""Nothing node-local can go stale (issue 24 item 3): every per-process cache of the project,
each with what it holds and why it cannot go stale when another node (or the console, or a
command) changes the database. A scan (tests/meta/node_local_scan.py) finds them, so a cache
added later fails here until it is listed, with its reason; a listed one that is gone fails
too. The reasons are asserted below where they can be; the behaviour across two real nodes is
tests/deploy/test_nodes.py. docs/deployment.md, "Nothing node-local", is the same table.
"""

from __future__ import annotations

import ast
import base64
import datetime
import hashlib
import hmac
import importlib
import json
import pkgutil
import subprocess
import sys
import uuid
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.core.cache import caches
from rest_framework.test import APIClient, APIRequestFactory

from core.compiled import Compiled
from tests.conftest import REPOSITORY
from tests.meta import node_local_scan as scan

SCHEMA = "derived from the code and the models' metadata: changes only with a deploy"
PURE = "a function of its arguments alone (reads no database)"
CODE = "code registered at start-up (functions, declarations), never data"
REQUEST = "kept on an object made for one request (the identity it authenticated, a row)"
RECHECKED = "re-verified against the database on every use"
SHARED = "Redis when REDIS_URL is set: one copy for every node (process memory on one node)"
PACKAGE = "a file of an installed package: changes only with a deploy"
SCOPE = "the state of one request or command, set at its start and cleared at its end"
HEALTH = "this node's view of its replica's health: when to ask it again, never data"
NODES = "tests/deploy/test_nodes.py"


@dataclass(frozen=True)
class Cache:
    holds: str
    why: str  # one of the reasons above, with what makes it so
    checked_by: str  # the test that asserts the reason


INVENTORY: dict[str, Cache] = {
    "core/compiled.py:Compiled._statements": Cache(
        "per database alias, a queryset compiled to SQL once, with where its markers sit: "
        "the default tenant (identities.queries.directory) and the hierarchy access check "
        "(identities.queries.hierarchy); each run substitutes the caller's values",
        SCHEMA + "; no value of the data is compiled in",
        "test_compiled_statements_hold_no_value_that_changes"),
    "identities/api/authentication.py:BearerAuthentication._sql": Cache(
        "the SQL text of the bearer token lookup (token, application, identity)", SCHEMA,
        "test_written_out_statements_take_every_value_as_a_parameter"),
    "identities/oauth.py:_RECALL_SQL": Cache(
        "the SQL text that re-checks remembered HTTP Basic credentials", SCHEMA,
        "test_written_out_statements_take_every_value_as_a_parameter"),
    "foundation/reach.py:_statements": Cache(
        "the SQL text of an identity's model permissions (its own, its groups')", SCHEMA,
        "test_written_out_statements_take_every_value_as_a_parameter"),
    "audit/states.py:_PLANS": Cache(
        "per model, which fields a change record's snapshot reads and how it writes each",
        SCHEMA, "test_written_out_statements_take_every_value_as_a_parameter"),
    "identities/api/authentication.py:caches[\"auth\"]": Cache(
        "verified HTTP Basic credentials (an HMAC of identifier and secret) → the stored "
        "hash they matched, for BASIC_AUTH_CACHE_SECONDS, in process memory",
        RECHECKED + ": each use reads the account, its application and the hash again; a "
        "deactivation, a new secret or password, a deleted application refuse at once",
        "test_the_basic_memo_is_rechecked_on_every_use"),
    "foundation/api/lockout.py:caches[\"throttle\"]": Cache(
        "failed-authentication counters, lockouts and slowdowns", SHARED,
        "test_the_django_caches_are_what_the_inventory_says"),
    "console/dashboard.py:caches[\"default\"]": Cache(
        "the console index's figures, for a minute (their stated age, the same on one node)",
        SHARED, "test_the_django_caches_are_what_the_inventory_says"),
    "foundation/reach.py:Reach.everything": Cache(
        "whether the identity holds the realm's global permission", REQUEST,
        "test_per_request_memos_live_on_objects_made_per_request"),
    "foundation/reach.py:Reach.roots": Cache(
        "the identity's granted subtree roots", REQUEST,
        "test_per_request_memos_live_on_objects_made_per_request"),
    "foundation/reach.py:of": Cache(
        "the identity's Reach of each realm (`_reach_cache` on the identity)", REQUEST,
        "test_per_request_memos_live_on_objects_made_per_request"),
    "foundation/reach.py:_forget": Cache(
        "(drops `_reach_cache` from an identity in hand after a grant changes)", REQUEST,
        "test_per_request_memos_live_on_objects_made_per_request"),
    "foundation/backends.py:WrittenOutModelBackend._permissions": Cache(
        "the identity's model permissions (`_user_perm_cache`, `_group_perm_cache`, "
        "Django's own names)", REQUEST,
        "test_per_request_memos_live_on_objects_made_per_request"),
    "audit/admin/people.py:PeopleNamedMixin._fresh_label": Cache(
        "(drops the people's names prefetched on a row of a console page, once it is saved)",
        REQUEST, "test_per_request_memos_live_on_objects_made_per_request"),
    "audit/states.py:json_time": Cache("a datetime's change-log text", PURE,
                                       "test_memos_read_no_database"),
    "audit/states.py:_repeated_uuid_text": Cache("a UUID's text", PURE,
                                                 "test_memos_read_no_database"),
    "audit/copytext.py:_moment": Cache("a datetime's COPY text", PURE,
                                       "test_memos_read_no_database"),
    "core/patterns.py:compiled": Cache("a compiled regular expression", PURE,
                                       "test_memos_read_no_database"),
    "orgs/services/users.py:_EmailCheck._domains": Cache(
        "whether an e-mail domain is well formed (its syntax, not its existence)", PURE,
        "test_memos_read_no_database"),
    "foundation/admin/names.py:WordLabelsMixin._column": Cache(
        "an admin page's column functions for its labelled fields", CODE,
        "test_memos_read_no_database"),
    "config/apidoc.py:redoc_bundle_bytes": Cache(
        "drf-spectacular-sidecar's Redoc bundle, its remote logo replaced", PACKAGE,
        "test_memos_read_no_database"),
    "foundation/reach.py:_realms": Cache(
        "the realms (tenants, namespaces, subtrees) declared beside their models", CODE,
        "test_registries_are_filled_at_start_up_only"),
    "audit/effective_access.py:_SECTIONS": Cache(
        "the effective-access panel's sections, registered by the apps", CODE,
        "test_registries_are_filled_at_start_up_only"),
    "identities/services/holders.py:_HOLDERS": Cache(
        "the kinds of rows that hold identities, registered by the apps", CODE,
        "test_registries_are_filled_at_start_up_only"),
    "identities/services/hooks.py:_before_delete": Cache(
        "what higher apps do before identities are deleted", CODE,
        "test_registries_are_filled_at_start_up_only"),
    "foundation/consistency/pins.py:caches[\"consistency\"]": Cache(
        "read-your-writes pins: the actors that wrote in the last REPLICA_PIN_SECONDS", SHARED,
        "test_the_django_caches_are_what_the_inventory_says"),
    "foundation/consistency/replica.py:_down_until": Cache(
        "until when a replica that refused a connection is left alone (REPLICA_RETRY_SECONDS)",
        HEALTH + ": reads meanwhile go to the primary, which is never stale",
        "test_the_replica_memo_is_only_when_to_ask_it_again"),
    "foundation/consistency/route.py:_current": Cache(
        "the request's read route (its token, whether it wrote, the database chosen)", SCOPE,
        "test_a_request_leaves_no_scope_behind"),
    "audit/context.py:_scope": Cache(
        "the audit scope: actor, client id, correlation id, audit context", SCOPE,
        "test_a_request_leaves_no_scope_behind"),
    "foundation/bulk/write.py:_written": Cache(
        "the tables a bulk write wrote into, while `tables_written` gathers them", SCOPE,
        "test_a_request_leaves_no_scope_behind"),
}


@pytest.fixture(scope="module")
def found() -> dict[str, str]:
    return scan.findings()


def test_every_per_process_cache_is_listed(found):
    new = sorted(set(found) - set(INVENTORY))
    assert new == [], ("per-process state the inventory does not list: add each to INVENTORY "
                       "(and docs/deployment.md) with what it holds and why it cannot go "
                       f"stale across nodes: {[f'{k} ({found[k]})' for k in new]}")
    assert sorted(set(INVENTORY) - set(found)) == [], "listed, but no longer in the code"


def test_each_entry_says_what_it_holds_why_and_where_that_is_checked():
    tests = {name for name, value in globals().items() if name.startswith("test_")
             and callable(value)}
    reasons = (SCHEMA, PURE, CODE, REQUEST, RECHECKED, SHARED, PACKAGE, SCOPE, HEALTH)
    for key, cache in INVENTORY.items():
        assert cache.holds and cache.why.startswith(reasons), key
        assert cache.checked_by in tests, key


# --- SCHEMA: statements and plans written out once --------------------------------------------

def project_modules():
    for package in sorted(p.parent.name for p in REPOSITORY.glob("*/__init__.py")
                          if p.parent.name not in scan.NOT_RUN_BY_A_NODE):
        for info in pkgutil.walk_packages(importlib.import_module(package).__path__,
                                          package + "."):
            if ".migrations" not in info.name:
                yield importlib.import_module(info.name)


def compiled_statements() -> dict[str, Compiled]:
    return {f"{module.__name__}.{name}": value for module in project_modules()
            for name, value in vars(module).items() if isinstance(value, Compiled)}


@pytest.mark.django_db
def test_compiled_statements_hold_no_value_that_changes(make_caller):
    statements = compiled_statements()
    assert set(statements) >= {"identities.queries.directory._FIRST_GRANTED",
                               "identities.queries.directory._TENANT_BY_KEY",
                               "identities.queries.hierarchy._ACCESS"}

    def compiled_now() -> dict[str, tuple]:
        fresh = {name: Compiled(c.model, c.build, **c.markers) for name, c in statements.items()}
        return {name: (s.sql, s.constants) for name, c in fresh.items()
                for s in [c._compile("default")]}

    before = compiled_now()
    for sql, constants in before.values():
        assert not any(isinstance(c, (datetime.date, datetime.time, datetime.timedelta))
                       for c in constants), sql  # a clock frozen at compile time
    # the data the statements read changes (tenants, grants, roles): the same statements
    from identities.services.roles import identity_role_create
    from identities.services.tenants import tenant_ensure

    tenant_ensure(key="another")
    make_caller(["AUTHORISATION_VIEW"], tenants=["another"])
    identity_role_create(key="new-role", name="New role")
    assert compiled_now() == before


def test_written_out_statements_take_every_value_as_a_parameter():
    from audit.states import _plan_of
    from foundation import reach
    from identities.api.authentication import BearerAuthentication
    from identities.models import Identity
    from identities.oauth import _recall_sql

    written = [BearerAuthentication.lookup_sql(), _recall_sql("client"), _recall_sql("user"),
               *vars(reach._written_out()).values()]
    for sql in written:
        assert "%s" in sql and "'" not in sql, sql  # no literal: every value a parameter
    BearerAuthentication._sql = None  # written again, the same text
    assert BearerAuthentication.lookup_sql() == written[0]
    derived = set(getattr(Identity, "audit_derived", ()))
    assert _plan_of(Identity).names == tuple(
        f.name for f in Identity._meta.concrete_fields if f.name not in derived)


# --- PURE, CODE, PACKAGE: memos that read no database -------------------------------------------

DATABASE_NAMES = {"objects", "cursor", "connection", "connections", "raw", "execute",
                  "get_user_model", "router", "db_for_read", "using", "caches"}


def test_memos_read_no_database():
    """What a memo computes from its arguments (every method of its class, for a memo kept
    on an object) names nothing that reads a database."""
    functions = scan.function_nodes()
    memos = [key for key, cache in INVENTORY.items()
             if cache.checked_by == "test_memos_read_no_database"]
    assert len(memos) == 7
    for key in memos:
        path, name = key.split(":")
        owner = name.split(".")[0]  # a method's class: every method of it
        bodies = [node for k, node in functions.items() if k == f"{path}:{name}"
                  or k.startswith(f"{path}:{owner}.")]
        assert bodies, key
        for body in bodies:
            names = {n.attr if isinstance(n, ast.Attribute) else n.id for n in ast.walk(body)
                     if isinstance(n, (ast.Attribute, ast.Name))}
            assert not names & DATABASE_NAMES, (key, names & DATABASE_NAMES)


def test_registries_are_filled_at_start_up_only():
    """The registries are filled by module-level code and AppConfig.ready(), never by a
    request: a function that registers (directly, or through another that does) is called
    only from module level, from `ready()` or from another such function."""
    primitives = {"section_register", "holder_register", "on_identities_delete", "Realm"}
    callees: dict[str, set[str]] = {}  # function → what its own body calls
    sites: dict[str, set[str]] = {}  # callee → who calls it ("" at module level)
    for _, tree in scan.node_modules():
        scopes = [(tree, "")] + [(f, f.name) for f in ast.walk(tree)
                                 if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))]
        for scope, name in scopes:
            nodes = scan._own_nodes(scope) if name else _module_level(tree)
            for node in nodes:
                if isinstance(node, ast.Call):
                    callees.setdefault(name, set()).add(scan._name(node.func))
                    sites.setdefault(scan._name(node.func), set()).add(name)
    registrars: set[str] = set()
    while True:
        more = {f for f, called in callees.items() if f and called & (primitives | registrars)}
        if more <= registrars:
            break
        registrars |= more
    registrars -= primitives  # checked by their call sites below
    assert {"sections_register", "holders_register", "ready"} <= registrars
    for callee in primitives | registrars - {"ready"}:
        assert sites.get(callee), f"{callee} is never called at start-up"
        assert sites[callee] <= {"", "ready"} | registrars, (callee, sites[callee])


def _module_level(tree: ast.Module):
    """The nodes run at import: module level and class bodies, not functions."""
    stack = list(ast.iter_child_nodes(tree))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            stack.extend(ast.iter_child_nodes(node))


# --- RECHECKED: HTTP Basic's memo ----------------------------------------------------------------

@pytest.mark.django_db
def test_the_basic_memo_is_rechecked_on_every_use(make_caller):
    """In one process: the memo is there, and a refusal comes in spite of it. Across two
    nodes: tests/deploy/test_nodes.py (B remembered the credentials before the change)."""
    from identities.services.people import identity_save, identity_set_password

    memo = caches["auth"]
    changes = {
        "deactivated": lambda identity: (setattr(identity, "is_active", False),
                                         identity_save(identity=identity, created=False)),
        "new password": lambda identity: identity_set_password(identity=identity,
                                                               password="An0ther-secret!"),
    }
    for name, change in changes.items():
        caller = make_caller(["AUTHORISATION_VIEW"])
        client = caller.basic()
        assert client.get("/api/rest/v1/namespace").status_code == 200
        key = "basic:" + hmac.new(  # as ServiceBasicAuthentication names the memo
            settings.SECRET_KEY.encode(),
            f"{caller.credentials.username}\0{caller.credentials.password}".encode(),
            hashlib.sha256).hexdigest()
        remembered = memo.get(key)
        assert remembered is not None, "the credentials were not remembered"
        change(caller.identity)
        assert client.get("/api/rest/v1/namespace").status_code == 401, name
        assert memo.get(key) == remembered, "refused because forgotten, not re-checked"
    assert settings.BASIC_AUTH_CACHE_SECONDS > 0


# --- REQUEST: memos on per-request objects -------------------------------------------------------

@pytest.mark.django_db
def test_per_request_memos_live_on_objects_made_per_request(make_caller):
    """Every request authenticates anew: a new identity object from the database, so what is
    remembered on it (its permissions, its reach) is never seen by the next request."""
    from foundation import reach
    from identities.api.authentication import BearerAuthentication, ServiceBasicAuthentication
    from identities.models import TENANTS

    caller = make_caller(["AUTHORISATION_VIEW"])
    token = caller.token()
    factory = APIRequestFactory()
    for authentication, header in (
            (BearerAuthentication(), f"Bearer {token}"),
            (ServiceBasicAuthentication(), "Basic " + base64.b64encode(
                f"{caller.credentials.client_id}:{caller.credentials.client_secret}".encode(),
            ).decode())):
        first, second = (authentication.authenticate(
            factory.get("/", HTTP_AUTHORIZATION=header))[0] for _ in range(2))
        assert first.pk == second.pk and first is not second
        assert first.has_perm("authorisations.AUTHORISATION_VIEW")
        assert "_user_perm_cache" in vars(first) and "_user_perm_cache" not in vars(second)
        assert reach.of(first, TENANTS) is reach.of(first, TENANTS)
        assert reach.of(first, TENANTS) is not reach.of(second, TENANTS)


# --- SHARED: Django's cache aliases --------------------------------------------------------------

def cache_backends(env: dict[str, str]) -> dict[str, str]:
    """settings.CACHES' backend of each alias, as a node started with `env` reads them."""
    code = ("import json, config.settings as s; "
            "print(json.dumps({k: v['BACKEND'].rsplit('.', 1)[1] for k, v in s.CACHES.items()}))")
    base = {k: v for k, v in scan._env().items() if k != "REDIS_URL"}
    done = subprocess.run([sys.executable, "-c", code], cwd=REPOSITORY, env={**base, **env},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def test_the_django_caches_are_what_the_inventory_says():
    aliases = {key.split('"')[1] for key in INVENTORY if ":caches[" in key}
    assert set(settings.CACHES) == aliases == {"default", "auth", "consistency", "throttle"}
    assert cache_backends({}) == {"default": "LocMemCache", "auth": "LocMemCache",
                                  "consistency": "LocMemCache", "throttle": "LocMemCache"}
    # the shared ones are Redis once there is one; the re-checked memo stays in the process
    assert cache_backends({"REDIS_URL": "redis://127.0.0.1:6379/0"}) == {
        "default": "RedisCache", "auth": "LocMemCache", "consistency": "RedisCache",
        "throttle": "RedisCache"}


# --- Django's own ---------------------------------------------------------------------------------

def test_no_content_type_is_read_through_djangos_cache_and_no_snapshot_outlives_a_statement():
    """Content types (Django's per-process cache, used by guardian and the admin) change only
    with migrations; the project's code does not read them itself. A kept connection holds
    no snapshot: autocommit, no request-wide transaction."""
    for path, tree in scan.node_modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute):
                assert node.attr not in ("get_for_model", "get_for_models", "get_for_id"), path
                assert ast.unparse(node) != "ContentType.objects", path
    for alias, database in settings.DATABASES.items():
        assert database["AUTOCOMMIT"] and not database["ATOMIC_REQUESTS"], alias


# --- SCOPE: request and command state ------------------------------------------------------------

@pytest.mark.django_db
def test_a_request_leaves_no_scope_behind(make_caller):
    from audit import context as scope
    from foundation.bulk import write
    from foundation.consistency import route

    caller = make_caller(["AUTHORISATION_VIEW"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {caller.token()}",
                       HTTP_X_CORRELATION_ID=str(uuid.uuid4()))
    assert client.get("/api/rest/v1/namespace").status_code == 200
    assert scope._scope.get() == scope.Scope()  # cleared when the response was closed
    assert route.current() is None
    with write.tables_written() as tables:
        assert write._written.get() is tables
    assert write._written.get() is None


# --- HEALTH: the replica's ------------------------------------------------------------------------

def test_the_replica_memo_is_only_when_to_ask_it_again(settings, monkeypatch):
    """A moment on this node's clock, no row: while it lasts the reads go to the primary."""
    import time

    from foundation.consistency import replica

    settings.REPLICA_RETRY_SECONDS = 30
    monkeypatch.setattr(replica, "_down_until", 0.0)
    replica.mark_down()
    assert isinstance(replica._down_until, float)
    assert 0 < replica._down_until - time.monotonic() <= 30
    assert replica.position() is None  # not asked: the primary serves
