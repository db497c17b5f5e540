"""A client limited to a subtree cannot read or change anything outside it: all answer 404."""

import pytest

from orgs.models import Organization
from orgs.services import subtree_grant
from tests.orgs.conftest import ALL, error, ids, short, state

pytestmark = pytest.mark.django_db

S = "/eidm2/services/"
PERMS = [p for p in ALL if p != "orgs.access_subtree"]


@pytest.fixture
def scoped(make_caller, tree):
    caller = make_caller(PERMS, name="sales-client")
    subtree_grant(identity=caller.identity, organization=tree["sales"])
    return caller.basic()


OUTSIDE = [
    ("get", "org/acme", 404, 7),
    ("get", "org/virt", 404, 7),
    ("get", "orgs/acme/", 404, 7),
    ("put", "org/acme?friendlyName=X", 404, 7),
    ("delete", "org/acme?recursive=true", 404, 7),
    ("delete", "org/virt/v1", 404, 7),
    ("post", "orgs/?organizationId=x&friendlyName=X", 404, 5),
    ("post", "orgs/acme/?organizationId=x&friendlyName=X", 404, 5),
    ("post", "users/acme/?uid=z", 404, 5),
    ("get", "users/acme/", 404, 7),
    ("get", "user/acme/alice", 404, 7),
    ("put", "user/acme/alice?mobile=%2B3584", 404, 7),
    ("put", "user/acme/zed?create=true", 404, 5),
    ("delete", "user/acme/alice", 404, 7),
    ("get", "user/acme/alice/roles", 404, 7),
    ("get", "roles/acme/", 404, 7),
    ("get", "role/acme/Admin", 404, 7),
    ("put", "role/acme/New", 404, 5),
    ("delete", "role/acme/Admin", 404, 7),
    ("get", "assignments/acme/Admin", 404, 7),
    ("post", "assignments/acme/Admin?user=acme/sales/bob", 404, 7),
    ("delete", "assignments/acme/Admin?user=acme/sales/bob", 404, 7),
    # references out of scope are invalid references, even from inside
    ("post", "assignments/acme/sales/Inside?user=acme/alice", 400, 10),
    ("put", "role/acme/sales/Inside2?memberOf=acme/Admin", 400, 10),
]


@pytest.mark.parametrize("method, url, status, code", OUTSIDE,
                         ids=[f"{m} {u}" for m, u, *_ in OUTSIDE])
def test_outside_the_subtree_is_not_found_and_unchanged(api, scoped, method, url, status, code):
    api.put(S + "role/acme/sales/Inside")  # the full-rights client prepares an inside role
    before = state()
    error(getattr(scoped, method)(S + url), status, code)
    assert state() == before


def test_inside_the_subtree_everything_works(scoped, tree):
    assert scoped.get(S + "org/acme/sales").status_code == 200
    assert scoped.post(S + "orgs/acme/sales/?organizationId=south&friendlyName=S"
                       ).status_code == 200
    assert scoped.put(S + "user/acme/sales/bob?mobile=%2B3584").status_code == 200
    assert scoped.put(S + "role/acme/sales/R").status_code == 200
    assert scoped.post(S + "assignments/acme/sales/R?user=acme/sales/bob").status_code == 200


def test_lists_show_only_the_subtree(scoped, tree):
    assert short(ids(scoped.get(S + "orgs/?recursive=true"))) == [
        "org/acme/sales", "org/acme/sales/north"]
    assert short(ids(scoped.get(S + "orgs/"))) == []
    assert short(ids(scoped.get(S + "users/acme/sales/?recursive=true"))) == [
        "user/acme/sales/bob"]


def test_role_holders_outside_the_scope_are_not_listed(api, scoped, tree):
    api.put(S + "role/acme/sales/Shared")
    api.post(S + "assignments/acme/sales/Shared?user=acme/alice")
    api.post(S + "assignments/acme/sales/Shared?user=acme/sales/bob")
    assert len(ids(api.get(S + "assignments/acme/sales/Shared"))) == 2
    assert short(ids(scoped.get(S + "assignments/acme/sales/Shared"))) == [
        "user/acme/sales/bob"]


def test_a_client_without_any_reach_sees_nothing(make_caller, tree):
    api = make_caller(PERMS).basic()
    error(api.get(S + "org/acme/sales"), 404, 7)
    assert ids(api.get(S + "orgs/?recursive=true")) == []


def test_deleting_a_granted_root_removes_the_grant(api, scoped, tree):
    assert api.delete(S + "org/acme/sales?recursive=true").status_code == 200
    api.post(S + "orgs/acme/?organizationId=sales&friendlyName=Again")
    assert Organization.objects.filter(path="acme/sales").exists()
    error(scoped.get(S + "org/acme/sales"), 404, 7)
