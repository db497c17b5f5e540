"""The Ainua PATCH maps through HTTP: the spec's examples, merging, removal, users lists,
the Users API's merge by email, and what the surface answers (statuses, problem bodies)."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from accounts.models import Account, AccountSource, AccountUser
from audit.models import ChangeRecord
from identities.models import ExternalIdentity, Identity
from tests.accounts.conftest import PREFIXES

pytestmark = pytest.mark.django_db


def exported() -> list[dict]:
    out = StringIO()
    call_command("export_accounts", stdout=out, stderr=StringIO())
    return [json.loads(line) for line in out.getvalue().splitlines()]


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("slash", ["", "/"])
def test_the_specs_two_examples_as_written(connector, prefix, slash):
    crm = connector()
    response = crm.client.generic(
        "PATCH", f"{prefix}accounts{slash}",
        '{ "account_123": { "name": "Acme Ltd.", "id": "123456-8" }}',
        content_type="application/json")
    assert response.status_code == 200, response.content
    response = crm.client.generic(
        "PATCH", f"{prefix}accounts/123456-8/users{slash}", '[ "user_001", "user_002"]',
        content_type="application/json")
    assert response.status_code == 200, response.content
    (account,) = exported()
    assert account == {
        "id": "123456-8", "name": "Acme Ltd.",
        "sources": [{"client": crm.client_id, "externalId": "account_123",
                     "name": "Acme Ltd."}],
        "users": [{"client": crm.client_id, "externalId": "user_001", "identity": None,
                   "email": None},
                  {"client": crm.client_id, "externalId": "user_002", "identity": None,
                   "email": None}]}


def test_two_connectors_with_one_common_id_make_one_account_with_two_sources(connector):
    crm, erp = connector(), connector()
    assert crm.accounts({"a1": {"name": "Acme", "id": "123456-8"}}).status_code == 200
    assert erp.accounts({"X-9": {"name": "ACME Oy", "id": " 123456-8 "}}).status_code == 200
    (account,) = exported()
    assert account["id"] == "123456-8" and account["name"] == "ACME Oy"  # the last written
    assert {(s["client"], s["externalId"], s["name"]) for s in account["sources"]} == {
        (crm.client_id, "a1", "Acme"), (erp.client_id, "X-9", "ACME Oy")}


def test_the_same_external_id_in_two_connectors_is_two_keys(connector):
    crm, erp = connector(), connector()
    crm.accounts({"a1": {"name": "Acme", "id": "1"}})
    erp.accounts({"a1": {"name": "Globex", "id": "2"}})
    assert sorted((a["id"], a["name"]) for a in exported()) == [("1", "Acme"), ("2", "Globex")]
    erp.accounts({"a1": None})
    assert [a["id"] for a in exported()] == ["1"]


def test_null_removes_this_connectors_binding_and_the_last_one_the_account(connector):
    crm, erp = connector(), connector()
    crm.accounts({"a1": {"name": "Acme", "id": "1"}})
    erp.accounts({"b1": {"name": "Acme", "id": "1"}})
    erp.users_of("1", ["u1"])
    response = erp.accounts({"b1": None})
    assert response.json() == {"created": 0, "updated": 0, "removed": 1, "unchanged": 0}
    (account,) = exported()
    assert [s["client"] for s in account["sources"]] == [crm.client_id]
    assert account["users"] == []  # erp no longer feeds the account: its users went too
    pk = Account.objects.get().pk
    crm.accounts({"a1": None})
    assert exported() == []
    tomb = ChangeRecord.objects.get(object_type="accounts.account", action="delete")
    assert tomb.object_id == str(pk) and tomb.before["common_id"] == "1" and tomb.after is None


def test_an_entry_without_id_is_an_account_of_its_own_and_a_changed_id_rebinds(connector):
    crm = connector()
    crm.accounts({"a1": {"name": "Solo"}, "a2": {"name": "Solo too", "id": None}})
    assert sorted((a["id"], a["name"]) for a in exported()) == [(None, "Solo"),
                                                                (None, "Solo too")]
    own = AccountSource.objects.get(external_id="a1").account_id
    crm.accounts({"a1": {"name": "Solo", "id": "77"}})
    assert AccountSource.objects.get(external_id="a1").account.common_id == "77"
    assert not Account.objects.filter(pk=own).exists()  # its last binding moved away
    crm.accounts({"a1": {"name": "Solo", "id": "78"}})
    assert sorted(a["id"] or "" for a in exported()) == ["", "78"]


def test_the_users_list_replaces_collapses_and_clears(connector):
    crm = connector()
    crm.accounts({"a1": {"name": "Acme", "id": "1"}})
    assert crm.users_of("1", ["u1", "u2", "u1"]).json()["created"] == 2
    assert crm.users_of("1", ["u2", "u3"]).json() == {
        "created": 1, "updated": 0, "removed": 1, "unchanged": 1}
    assert sorted(AccountUser.objects.values_list("external_id", flat=True)) == ["u2", "u3"]
    crm.users_of("1", [])
    assert not AccountUser.objects.exists()


def test_an_account_without_common_id_is_named_by_the_connectors_external_id(connector):
    crm, erp = connector(), connector()
    crm.accounts({"solo-1": {"name": "Solo"}, "a1": {"name": "Acme", "id": "1"}})
    assert crm.users_of("solo-1", ["u1"]).status_code == 200
    assert erp.users_of("solo-1", ["u1"]).status_code == 404  # another connector's key
    assert crm.users_of("a1", ["u1"]).status_code == 404  # it has a common id: use it
    assert erp.users_of("1", ["u1"]).status_code == 404  # erp sent no source of it
    response = crm.users_of("nothing", ["u1"])
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert "nothing" in response.json()["detail"]


def test_users_merged_by_email_across_connectors_and_pending_resolved(connector):
    crm, erp = connector(), connector()
    crm.accounts({"a1": {"name": "Acme", "id": "1"}})
    erp.accounts({"b1": {"name": "Acme", "id": "1"}})
    crm.users_of("1", ["c-anna"])
    erp.users_of("1", ["e-anna"])
    assert AccountUser.objects.filter(identity__isnull=True).count() == 2  # pending
    crm.users({"c-anna": {"email": "Anna@Example.com", "name": "Anna Example"}})
    erp.users({"e-anna": {"email": "anna@EXAMPLE.com"}})
    identities = set(AccountUser.objects.values_list("identity_id", flat=True))
    assert len(identities) == 1 and None not in identities
    anna = Identity.objects.get(pk=identities.pop())
    assert (anna.email, anna.first_name, anna.last_name) == ("Anna@Example.com", "Anna",
                                                              "Example")
    assert ExternalIdentity.objects.filter(identity=anna).count() == 2
    users = exported()[0]["users"]
    assert {u["identity"] for u in users} == {str(anna.pk)}
    assert {u["email"] for u in users} == {"Anna@Example.com", "anna@EXAMPLE.com"}


def test_a_later_merge_by_email_moves_bindings_with_change_records(connector):
    crm, erp = connector(), connector()
    crm.accounts({"a1": {"name": "Acme", "id": "1"}})
    erp.accounts({"b1": {"name": "Acme", "id": "1"}})
    crm.users({"c-anna": {"email": "anna@example.com"}})
    erp.users({"e-anna": {"email": "anna.old@example.com"}})
    erp.users_of("1", ["e-anna"])
    old = AccountUser.objects.get().identity_id
    before = ChangeRecord.objects.order_by("-id").values_list("id", flat=True).first()
    assert erp.users({"e-anna": {"email": "ANNA@example.com"}}).json()["updated"] == 1
    row = AccountUser.objects.get()
    anna = ExternalIdentity.objects.get(external_id="c-anna").identity_id
    assert row.identity_id == anna != old
    kinds = set(ChangeRecord.objects.filter(pk__gt=before).values_list("object_type", "action"))
    assert kinds == {("identities.externalidentity", "update"), ("accounts.accountuser", "update"),
                     ("authorisations.authorisation", "delete"),
                     ("authorisations.authorisation", "create")}


def test_null_in_users_makes_bindings_pending_again(connector):
    crm = connector()
    crm.accounts({"a1": {"name": "Acme", "id": "1"}})
    crm.users({"u1": {"email": "u1@example.com"}})
    crm.users_of("1", ["u1"])
    assert AccountUser.objects.get().identity_id is not None
    assert crm.users({"u1": None}).json()["removed"] == 1
    row = AccountUser.objects.get()
    assert row.identity_id is None and row.authorisation_id is None
    assert not ExternalIdentity.objects.exists()


def test_staff_are_never_merged_into_by_email(connector):
    from identities.services.people import person_create

    person_create(username="op", email="op@example.com", superuser=True)
    crm = connector()
    crm.users({"u1": {"email": "op@example.com"}})
    link = ExternalIdentity.objects.get()
    assert link.identity.username != "op" and not link.identity.is_staff


# --- what the surface answers -----------------------------------------------------------------

@pytest.mark.parametrize("path", ["accounts", "accounts/1/users", "users"])
@pytest.mark.parametrize("prefix", PREFIXES)
def test_unauthenticated_is_401_in_problem_style(path, prefix):
    response = APIClient().patch(prefix + path, {}, format="json")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["status"] == 401


def test_basic_is_refused_bearer_only(connector):
    crm = connector()
    response = crm.caller.basic().patch("/api/integrations/v1/accounts", {}, format="json")
    assert response.status_code == 401
    assert "Bearer" in response.json()["detail"]


@pytest.mark.parametrize("path, body, perm", [
    ("accounts", {}, "change_account"),
    ("accounts/1/users", [], "change_accountuser"),
    ("users", {}, "change_externalidentity"),
])
def test_a_client_without_the_permission_is_403_naming_it(connector, path, body, perm):
    response = connector(perms=[]).patch(path, body)
    assert response.status_code == 403
    assert response.json()["detail"] == f"Client does not have required permission {perm}."


@pytest.mark.parametrize("method", ["get", "head", "post", "put", "delete"])
@pytest.mark.parametrize("path", ["accounts", "accounts/1/users", "users"])
def test_reads_and_other_methods_are_405(connector, method, path):
    crm = connector()
    response = getattr(crm.client, method)(PREFIXES[0] + path)
    assert response.status_code == 405
    assert response["Allow"] == "PATCH, OPTIONS"
    if method != "head":
        assert response.json()["status"] == 405


def test_the_caller_is_the_change_records_actor_and_one_context_a_call(connector):
    crm = connector()
    crm.accounts({"a1": {"name": "Acme", "id": "1"}, "a2": {"name": "Beta"}},
                 HTTP_X_CORRELATION_ID="corr-1")
    records = ChangeRecord.objects.filter(correlation_id="corr-1")
    assert records.count() == 4  # two accounts, two sources
    assert len({r.context_id for r in records}) == 1
    assert {r.client_id for r in records} == {crm.client_id}
