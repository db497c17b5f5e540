"""A repeated identical call writes nothing and leaves no change record (tests.unchanged)."""

from __future__ import annotations

import pytest

from tests.unchanged import twice

pytestmark = pytest.mark.django_db


def test_accounts_map_twice(connector):
    crm = connector()
    body = {"a1": {"name": "Acme", "id": "1"}, "a2": {"name": "Solo"}, "gone": None}
    twice(lambda: crm.accounts(body))
    assert crm.accounts(body).json() == {"created": 0, "updated": 0, "removed": 0,
                                         "unchanged": 3}


def test_users_list_twice(connector):
    crm = connector()
    crm.accounts({"a1": {"name": "Acme", "id": "1"}})
    crm.users({"u1": {"email": "u1@example.com"}})
    twice(lambda: crm.users_of("1", ["u1", "u2", "u2"]),
          then=lambda: crm.users_of("1", ["u1", "u2", "u3"]))


def test_users_map_twice(connector):
    crm = connector()
    body = {"u1": {"email": "u1@example.com", "name": "U One"}, "u9": None}
    twice(lambda: crm.users(body),
          then=lambda: crm.users({"u1": {"email": "u1@example.com", "name": "U 1"}}))
    assert crm.users({"u1": {"email": "u1@example.com", "name": "U One"}}).json() == {
        "created": 0, "updated": 1, "removed": 0, "unchanged": 0}
