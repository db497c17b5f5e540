"""Permissions name themselves; a client of namespace A reaches nothing of namespace B."""

import io
import json

import pytest
from django.core.management import call_command

from authorisations.models import (
    NAMESPACES,
    Authorisation,
    AuthorisationType,
    DefaultNamespace,
    Namespace,
)
from foundation.reach import reachable
from tests.authorisations.conftest import ALL, BASE, assert_error, body

pytestmark = pytest.mark.django_db
URL = f"{BASE}/authorisation"


@pytest.mark.parametrize("method, path, data, perm", [
    ("get", "authorisation", None, "AUTHORISATION_VIEW"),
    ("get", "authorisation/check?subject=a&object=b&authType=c", None, "AUTHORISATION_VIEW"),
    ("post", "authorisation", body(), "AUTHORISATION_CREATE"),
    ("get", "authorisation_type", None, "AUTHORISATION_TYPE_VIEW"),
    ("post", "authorisation_type", {"code": "x"}, "AUTHORISATION_TYPE_CREATE"),
    ("get", "authorisation_source", None, "AUTHORISATION_SOURCE_VIEW"),
    ("post", "authorisation_source", {"code": "x"}, "AUTHORISATION_SOURCE_CREATE"),
])
def test_missing_permission_is_403_naming_it(make_ns_caller, ns_a, method, path, data, perm):
    api = make_ns_caller([p for p in ALL if p != perm]).basic()
    response = getattr(api, method)(f"{BASE}/{path}", data, format="json")
    assert_error(response, 403)
    assert response.json()["errorMessage"] == f"Client does not have required permission {perm}."


@pytest.mark.parametrize("verb, perm", [
    ("patch", "AUTHORISATION_MODIFY"), ("put", "AUTHORISATION_MODIFY"),
    ("revoke", "AUTHORISATION_MODIFY"), ("delete", "AUTHORISATION_REMOVE"),
    ("get", "AUTHORISATION_VIEW"),
])
def test_item_permissions(make_ns_caller, api_a, verb, perm):
    created = api_a.post(URL, body(), format="json").json()
    api = make_ns_caller([p for p in ALL if p != perm]).basic()
    url = f"{URL}/{created['id']}"
    if verb == "revoke":
        response = api.post(f"{url}/revoke", {}, format="json")
    else:
        response = getattr(api, verb)(url, body(), format="json")
    assert_error(response, 403, perm)
    assert Authorisation.objects.get(pk=created["id"]).modified.isoformat()[:19] == \
        created["modified"][:19]


def test_namespace_a_client_reaches_nothing_of_namespace_b(make_ns_caller, ns_a, ns_b):
    api_b = make_ns_caller(namespaces=["ns-b"]).basic()
    theirs = api_b.post(URL, body(authSource="hr"), format="json").json()
    assert theirs["nsCode"] == "ns-b"
    their_type = api_b.get(f"{BASE}/authorisation_type").json()["resources"][0]
    api_a = make_ns_caller(namespaces=["ns-a"]).basic()
    url = f"{URL}/{theirs['id']}"
    assert_error(api_a.get(url), 404)
    assert_error(api_a.get(url, {"asOf": "2100-01-01T00:00:00Z"}), 404)
    assert_error(api_a.patch(url, {"validTo": None}, format="json"), 404)
    assert_error(api_a.put(url, body(), format="json"), 404)
    assert_error(api_a.post(f"{url}/revoke", {}, format="json"), 404)
    assert_error(api_a.delete(url), 404)
    assert api_a.get(URL).json()["totalResults"] == 0
    assert api_a.get(URL, {"filter": 'nsCode eq "ns-b"'}).json()["totalResults"] == 0
    assert api_a.get(URL, {"asOf": "2100-01-01T00:00:00Z"}).json()["totalResults"] == 0
    params = {"subject": "alice", "object": "acme", "authType": "employment"}
    assert api_a.get(f"{URL}/check", params).json()["authorised"] is False
    assert api_b.get(f"{URL}/check", params).json()["authorised"] is True
    assert_error(api_a.get(f"{URL}/check", {**params, "nsCode": "ns-b"}), 404)
    assert_error(api_a.post(URL, body(nsCode="ns-b"), format="json"), 403, "ns-b")
    assert_error(api_a.post(URL, body(nsCode="no-such"), format="json"), 403)
    assert_error(api_a.get(f"{BASE}/authorisation_type/{their_type['id']}"), 404)
    assert_error(api_a.delete(f"{BASE}/authorisation_type/{their_type['id']}"), 404)
    assert_error(api_a.post(f"{BASE}/authorisation_type", {"code": "x", "nsCode": "ns-b"},
                            format="json"), 403)
    assert [n["code"] for n in api_a.get(f"{BASE}/namespace").json()["resources"]] == ["ns-a"]
    assert Authorisation.objects.get(pk=theirs["id"]).deleted_at is None
    assert not AuthorisationType.objects.filter(code="x").exists()


def test_global_permission_reaches_every_namespace(make_ns_caller, ns_a, ns_b):
    caller = make_ns_caller([*ALL, "authorisations.use_namespace"], namespaces=[])
    assert set(reachable(caller.identity, NAMESPACES)) == {ns_a, ns_b}
    api = caller.basic()
    assert_error(api.post(URL, body(), format="json"), 400, "nsCode", "default namespace")
    assert api.post(URL, body(nsCode="ns-b"), format="json").status_code == 201


def test_create_api_client_grants_namespaces_first_is_default(ns_a):
    out = io.StringIO()
    call_command("create_api_client", "svc", "--perm", "AUTHORISATION_VIEW",
                 "--perm", "AUTHORISATION_CREATE", "--namespace", "fresh",
                 "--namespace", "ns-a", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["username"] == "svc"
    fresh = Namespace.objects.get(code="fresh")
    default = DefaultNamespace.objects.get(identity__username="svc")
    assert default.namespace == fresh
    from identities.models import Identity

    identity = Identity.objects.get(username="svc")
    assert set(reachable(identity, NAMESPACES)) == {fresh, ns_a}
    assert identity.has_perm("authorisations.AUTHORISATION_VIEW")


def test_group_grants_reach_lists_and_checks(make_ns_caller, ns_a, ns_b):
    from django.contrib.auth.models import Group
    from guardian.shortcuts import assign_perm

    owner = make_ns_caller(namespaces=["ns-b"]).basic()
    owner.post(URL, body(), format="json")
    caller = make_ns_caller(namespaces=[])
    group = Group.objects.create(name="ns-b users")
    caller.identity.groups.add(group)
    assign_perm("authorisations.use_namespace", group, ns_b)
    api = caller.basic()
    params = {"subject": "alice", "object": "acme", "authType": "employment"}
    assert api.get(f"{URL}/check", params).json()["authorised"] is True
    assert api.get(URL).json()["totalResults"] == 1
    group.user_set.remove(caller.identity)
    assert make_ns_caller(namespaces=[]).basic().get(f"{URL}/check", params).json()[
        "authorised"] is False
