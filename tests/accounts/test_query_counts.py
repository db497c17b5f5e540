"""The three PATCH calls run as many queries for 1,000 entries as for one (pinned)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


def counted(send) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = send()
    assert response.status_code == 200, response.content
    return len(queries)


def scenario(crm, n: int) -> dict[str, int]:
    """Each step's queries with maps of n entries."""
    ids = [f"e{i}" for i in range(n)]
    counts = {
        "accounts: create": counted(lambda: crm.accounts(
            {k: {"name": f"N {k}", "id": f"c-{k}"} for k in ids})),
        "accounts: unchanged": counted(lambda: crm.accounts(
            {k: {"name": f"N {k}", "id": f"c-{k}"} for k in ids})),
        "accounts: rename": counted(lambda: crm.accounts(
            {k: {"name": f"M {k}", "id": f"c-{k}"} for k in ids})),
        "users: create": counted(lambda: crm.users(
            {f"u{k}": {"email": f"{k}@example.com", "name": f"P {k}"} for k in ids})),
        "users: unchanged": counted(lambda: crm.users(
            {f"u{k}": {"email": f"{k}@example.com", "name": f"P {k}"} for k in ids})),
        "account users: bind": counted(lambda: crm.users_of(
            "c-e0", [f"u{k}" for k in ids] + [f"pending{k}" for k in ids])),
        "account users: unchanged": counted(lambda: crm.users_of(
            "c-e0", [f"u{k}" for k in ids] + [f"pending{k}" for k in ids])),
        "users: resolve pending": counted(lambda: crm.users(
            {f"pending{k}": {"email": f"{k}@example.com"} for k in ids})),
        "users: move by email": counted(lambda: crm.users(
            {f"u{k}": {"email": f"{k}@other.example.com"} for k in ids})),
        "users: remove": counted(lambda: crm.users({f"u{k}": None for k in ids})),
        "account users: clear": counted(lambda: crm.users_of("c-e0", [])),
        "accounts: remove": counted(lambda: crm.accounts({k: None for k in ids})),
    }
    return counts


# an audit context, the token, then each step's reads and one statement a kind of write
# (COPY on PostgreSQL, executemany on SQLite)
PINNED = {"sqlite": {
    "accounts: create": 16, "accounts: unchanged": 11, "accounts: rename": 14,
    "users: create": 17, "users: unchanged": 11, "account users: bind": 21,
    "account users: unchanged": 11, "users: resolve pending": 23, "users: move by email": 28,
    "users: remove": 19, "account users: clear": 17, "accounts: remove": 16,
}, "postgresql": {  # one more: the Ainua lock (services.LOCK)
    "accounts: create": 14, "accounts: unchanged": 12, "accounts: rename": 14,
    "users: create": 15, "users: unchanged": 12, "account users: bind": 18,
    "account users: unchanged": 12, "users: resolve pending": 19, "users: move by email": 22,
    "users: remove": 16, "account users: clear": 15, "accounts: remove": 16,
}}


def test_query_counts_are_flat_and_pinned(connector):
    from accounts.services import mirror

    mirror()  # the reserved namespace and type, made once by the first binding
    one = scenario(connector(), 1)
    assert one == PINNED[connection.vendor]
    assert scenario(connector(), 1000) == PINNED[connection.vendor]
