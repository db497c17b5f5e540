"""Every malformed body answers 400 naming what is wrong, and changes nothing."""

from __future__ import annotations

import pytest

from accounts.models import Account, AccountSource, AccountUser
from audit.models import ChangeRecord
from authorisations.models import Authorisation
from identities.models import ExternalIdentity, Identity

pytestmark = pytest.mark.django_db


def state() -> tuple:
    return tuple(model.objects.count() for model in (
        Account, AccountSource, AccountUser, ExternalIdentity, Identity, Authorisation,
        ChangeRecord))


@pytest.fixture
def crm(connector):
    crm = connector()
    crm.accounts({"a1": {"name": "Acme", "id": "1"}})
    crm.users({"u1": {"email": "u1@example.com"}})
    crm.users_of("1", ["u1"])
    return crm


GOOD = {"ok": {"name": "Fine", "id": "2"}}
LONG = "x" * 256

ACCOUNTS = [
    ([GOOD], "body", "Expected an object"),
    ("text", "body", "Expected an object"),
    ({**GOOD, "bad": "Acme"}, "bad", "Expected an object or null, got a string"),
    ({**GOOD, "bad": []}, "bad", "Expected an object or null, got an array"),
    ({**GOOD, "bad": 1}, "bad", "Expected an object or null, got a number"),
    ({**GOOD, "bad": {}}, "bad.name", "This field is required"),
    ({**GOOD, "bad": {"id": "3"}}, "bad.name", "This field is required"),
    ({**GOOD, "bad": {"name": 5}}, "bad.name", "Expected a string, got a number"),
    ({**GOOD, "bad": {"name": None}}, "bad.name", "Expected a string, got null"),
    ({**GOOD, "bad": {"name": "  "}}, "bad.name", "1 to 255 characters"),
    ({**GOOD, "bad": {"name": "A\x00B"}}, "bad.name", "without NUL"),
    ({**GOOD, "bad": {"name": "A", "id": 123456}}, "bad.id", "Expected a string"),
    ({**GOOD, "bad": {"name": "A", "id": ""}}, "bad.id", "1 to 64 characters"),
    ({**GOOD, "bad": {"name": "A", "id": "1" * 65}}, "bad.id", "1 to 64 characters"),
    ({**GOOD, "bad": {"name": "A", "extra": 1}}, "bad", "Unknown field(s): extra"),
    ({**GOOD, LONG: {"name": "A"}}, "xxxx", "1 to 255 characters without NUL"),
    ({**GOOD, "": {"name": "A"}}, "", "1 to 255 characters without NUL"),
    ({**GOOD, "a\x00": {"name": "A"}}, "a\x00", "without NUL"),
    ({f"k{i}": None for i in range(10_001)}, "body", "At most 10000 entries"),
]


@pytest.mark.parametrize("body, where, message", ACCOUNTS,
                         ids=[f"accounts-{i}" for i in range(len(ACCOUNTS))])
def test_accounts_refused(crm, body, where, message):
    before = state()
    response = crm.accounts(body)
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    detail = response.json()["detail"]
    assert message in detail and detail.startswith(where[:4]), detail
    assert state() == before


USERS_LISTS = [
    ({"u1": True}, "body", "Expected an array of user external ids, got an object"),
    ("u1", "body", "got a string"),
    (["u1", 2], "[1]", "Expected a string, got a number"),
    (["u1", None], "[1]", "got null"),
    (["u1", ["u2"]], "[1]", "got an array"),
    (["u1", ""], "[1]", "1 to 255 characters"),
    (["u1", LONG], "[1]", "1 to 255 characters"),
    (["u\x00"], "[0]", "without NUL"),
    ([f"u{i}" for i in range(10_001)], "body", "At most 10000"),
]


@pytest.mark.parametrize("body, where, message", USERS_LISTS,
                         ids=[f"users-list-{i}" for i in range(len(USERS_LISTS))])
def test_users_lists_refused(crm, body, where, message):
    before = state()
    response = crm.users_of("1", body)
    assert response.status_code == 400, response.content
    detail = response.json()["detail"]
    assert message in detail and detail.startswith(where), detail
    assert state() == before


USERS = [
    ([], "body", "Expected an object of users"),
    ({"u2": "a@example.com"}, "u2", "Expected an object or null"),
    ({"u2": {}}, "u2.email", "This field is required"),
    ({"u2": {"email": None}}, "u2.email", "Expected a string, got null"),
    ({"u2": {"email": "not an email"}}, "u2.email", "Enter a valid email address"),
    ({"u2": {"email": "a@b"}}, "u2.email", "Enter a valid email address"),
    ({"u2": {"email": "a" * 250 + "@example.com"}}, "u2.email", "at most 254"),
    ({"u2": {"email": "a\x00@example.com"}}, "u2.email", "at most 254"),
    ({"u2": {"email": "a@example.com", "name": 1}}, "u2.name", "Expected a string"),
    ({"u2": {"email": "a@example.com", "phone": "1"}}, "u2", "Unknown field(s): phone"),
    ({"u1": None, "u2": {"email": "bad"}}, "u2.email", "Enter a valid email"),
]


@pytest.mark.parametrize("body, where, message", USERS,
                         ids=[f"users-{i}" for i in range(len(USERS))])
def test_users_refused(crm, body, where, message):
    before = state()
    response = crm.users(body)
    assert response.status_code == 400, response.content
    detail = response.json()["detail"]
    assert message in detail and detail.startswith(where), detail
    assert state() == before


@pytest.mark.parametrize("send", [
    lambda c: c.client.generic("PATCH", "/api/integrations/v1/accounts", "{not json",
                               content_type="application/json"),
    lambda c: c.client.generic("PATCH", "/api/integrations/v1/users", '{"a": {"email": "x',
                               content_type="application/json"),
    lambda c: c.client.generic("PATCH", "/api/integrations/v1/accounts", "a=b",
                               content_type="application/x-www-form-urlencoded"),
])
def test_unparseable_bodies_are_refused_in_problem_style(crm, send):
    before = state()
    response = send(crm)
    assert response.status_code in (400, 415), response.content
    assert response["Content-Type"] == "application/problem+json"
    assert state() == before


@pytest.mark.parametrize("path", ["accounts", "accounts/1/users", "users"])
@pytest.mark.parametrize("raw, message", [("null", "got null"), ("", "A JSON body is required"),
                                          ("7", "got a number")])
def test_null_or_no_body_is_refused(crm, path, raw, message):
    before = state()
    response = crm.client.generic("PATCH", f"/api/integrations/v1/{path}", raw,
                                  content_type="application/json")
    assert response.status_code == 400, response.content
    assert message in response.json()["detail"]
    assert state() == before


@pytest.mark.parametrize("path, raw, where", [
    ("accounts", '{"\\ud800": {"name": "x"}}', "\ud800"),
    ("accounts", '{"a": {"name": "\\ud800"}}', "a.name"),
    ("accounts", '{"a": {"name": "A", "id": "\\udfff"}}', "a.id"),
    ("users", '{"a": {"email": "a@example.com", "name": "\\udfff"}}', "a.name"),
    ("accounts/1/users", '["ok", "\\ud800"]', "[1]"),
])
def test_lone_surrogates_are_refused(crm, path, raw, where):
    before = state()
    response = crm.client.generic("PATCH", f"/api/integrations/v1/{path}", raw,
                                  content_type="application/json")
    assert response.status_code == 400, response.content
    detail = response.json()["detail"]
    assert detail.startswith(where) and "lone surrogate" in detail, detail
    assert state() == before


def test_a_bad_entry_after_good_ones_writes_nothing_of_them(crm):
    before = state()
    body = {f"new-{i}": {"name": f"N{i}", "id": f"c{i}"} for i in range(50)}
    body["zz"] = {"name": 1}
    response = crm.accounts(body)
    assert response.status_code == 400 and "zz.name" in response.json()["detail"]
    assert state() == before
