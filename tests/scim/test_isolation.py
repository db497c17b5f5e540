"""One organization per connection: a token sees and changes only its organization's subtree.
Anything else is 404, as if it did not exist, and never in a list."""

from __future__ import annotations

import pytest

from orgs.models import OrgUser
from tests.scim.conftest import Scim, patch_body, scim_error, user_body

pytestmark = pytest.mark.django_db


def test_another_organizations_users_do_not_exist_for_a_token(scim, globex_scim):
    theirs = globex_scim.post("/Users", user_body("gina@globex.example.com")).json()["id"]
    ours = scim.post("/Users", user_body("alice@example.com")).json()["id"]
    path = f"/Users/{theirs}"
    scim_error(scim.get(path), 404)
    scim_error(scim.put(path, user_body("taken@example.com")), 404)
    scim_error(scim.patch(path, patch_body({"op": "replace", "path": "active",
                                            "value": False})), 404)
    scim_error(scim.delete(path), 404)
    assert [r["id"] for r in scim.get("/Users").json()["Resources"]] == [ours]
    assert scim.get(f'/Users?filter=id eq "{theirs}"').json()["totalResults"] == 0
    assert scim.get('/Users?filter=userName eq "gina@globex.example.com"').json()[
        "totalResults"] == 0
    assert scim.post("/Users/.search", {"filter": "userName pr"}).json()["totalResults"] == 1
    gina = OrgUser.objects.select_related("identity").get(pk=theirs)
    assert gina.identity.is_active and gina.identity.username == "gina@globex.example.com"
    assert [r["id"] for r in globex_scim.get("/Users").json()["Resources"]] == [theirs]


def test_a_sub_organizations_token_does_not_see_its_parents_users(scim, acme):
    from scim.services.tokens import token_create

    parent = scim.post("/Users", user_body("alice@example.com")).json()["id"]
    sales = Scim(token_create(organization=acme.children.get(name="sales"),
                              name="sales").secret)
    scim_error(sales.get(f"/Users/{parent}"), 404)
    made = sales.post("/Users", user_body("sam@example.com")).json()
    assert OrgUser.objects.get(pk=made["id"]).organization.path == "acme/sales"
    assert {r["id"] for r in scim.get("/Users").json()["Resources"]} == {parent, made["id"]}
    assert [r["id"] for r in sales.get("/Users").json()["Resources"]] == [made["id"]]


def test_a_lookalike_sibling_is_outside(scim, acme):
    from orgs import services as org_services

    lookalike = org_services.organization_create(parent=None, organization_id="acme-x",
                                                 friendly_name="X")
    org_services.user_create(organization=lookalike, data=org_services.UserFields(uid="x"))
    assert scim.get("/Users").json()["totalResults"] == 0


def test_a_user_name_taken_elsewhere_is_a_conflict_that_names_nobody(scim, globex_scim):
    globex_scim.post("/Users", user_body("same@example.com"))
    body = scim_error(scim.post("/Users", user_body("same@example.com")), 409, "uniqueness")
    assert "globex" not in body["detail"]
