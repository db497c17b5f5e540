"""Refusals: every one a SCIM error (RFC 7644 §3.12) with its status as a string and its
scimType, application/scim+json; a refused request changes nothing."""

from __future__ import annotations

import pytest

from audit.models import ChangeRecord
from orgs.models import OrgUser
from tests.scim.conftest import ENTERPRISE, USER, patch_body, scim_error, user_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(scim) -> str:
    return scim.post("/Users", user_body("alice@example.com")).json()["id"]


@pytest.mark.parametrize("body, scim_type", [
    ("{not json", "invalidSyntax"),
    ("[1, 2]", "invalidSyntax"),
    ('"text"', "invalidSyntax"),
    ({"schemas": ["urn:example:unknown"], "userName": "x"}, "invalidSyntax"),
    ({"schemas": [USER, "urn:example:extension"], "userName": "x"}, "invalidSyntax"),
    (user_body("x", favouriteColour="blue"), "invalidSyntax"),  # no such attribute
    (user_body(42), "invalidValue"),
    ({"schemas": [USER]}, "invalidValue"),  # userName required
    (user_body(""), "invalidValue"),
    (user_body("has space"), "invalidValue"),  # CustomerID's uid rule
    (user_body("x", active="perhaps"), "invalidValue"),
    (user_body("x", emails="x@example.com"), "invalidValue"),
    (user_body("x", emails=[{"value": "not-an-address"}]), "invalidValue"),
    (user_body("x", emails=[{"value": "a@example.com", "primary": True},
                            {"value": "b@example.com", "primary": True}]), "invalidValue"),
    (user_body("x", name={"givenName": 7}), "invalidValue"),
    (user_body("x", name={"givenName": "g" * 151}), "invalidValue"),
    ({"schemas": [USER, ENTERPRISE], "userName": "x", ENTERPRISE: {"department": []}},
     "invalidValue"),
])
def test_a_bad_create_is_a_400(scim, body, scim_type):
    before = (OrgUser.objects.count(), ChangeRecord.objects.count())
    scim_error(scim.post("/Users", body), 400, scim_type)
    assert (OrgUser.objects.count(), ChangeRecord.objects.count()) == before


@pytest.mark.parametrize("body, scim_type", [
    ({"schemas": ["urn:example:x"], "Operations": [{"op": "add", "path": "title",
                                                     "value": "x"}]}, "invalidSyntax"),
    (patch_body(), "invalidValue"),
    (patch_body({"op": "move", "path": "title", "value": "x"}), "invalidValue"),
    (patch_body({"op": "remove"}), "noTarget"),
    (patch_body({"op": "add", "path": "title"}), "invalidValue"),
    (patch_body({"op": "replace", "path": "nickname[", "value": "x"}), "invalidPath"),
    (patch_body({"op": "replace", "path": "favouriteColour", "value": "x"}), "invalidPath"),
    (patch_body({"op": "replace", "path": "id", "value": "x"}), "mutability"),
    (patch_body({"op": "replace", "path": "active", "value": "perhaps"}), "invalidValue"),
    (patch_body({"op": "remove", "path": "userName"}), "mutability"),
    (patch_body({"op": "replace", "path": "userName", "value": "has space"}), "invalidValue"),
    (patch_body({"op": "replace", "path": 'emails[type eq "work"].value',
                 "value": "not-an-address"}), "invalidValue"),
])
def test_a_bad_patch_is_a_400_and_changes_nothing(scim, alice, body, scim_type):
    version = scim.get(f"/Users/{alice}").json()["meta"]["version"]
    scim_error(scim.patch(f"/Users/{alice}", body), 400, scim_type)
    assert scim.get(f"/Users/{alice}").json()["meta"]["version"] == version


def test_a_bad_replace_is_a_400(scim, alice):
    scim_error(scim.put(f"/Users/{alice}", {"schemas": ["urn:x"], "userName": "x"}), 400,
               "invalidSyntax")
    scim_error(scim.put(f"/Users/{alice}", user_body("x", active=[])), 400, "invalidValue")


def test_schemas_may_be_left_out_of_a_request(scim):
    """Postel: a body without `schemas` is read as the core User (or a PatchOp)."""
    made = scim.post("/Users", {"userName": "lax@example.com"})
    assert made.status_code == 201, made.content
    response = scim.patch(f"/Users/{made.json()['id']}", {"Operations": [
        {"op": "add", "path": "title", "value": "x"}]})
    assert response.status_code == 200 and response.json()["title"] == "x"


def test_unknown_users_and_paths_are_scim_404s(scim):
    scim_error(scim.get("/Users/not-a-uuid"), 404)
    scim_error(scim.get("/Users/00000000-0000-4000-8000-000000000000"), 404)
    scim_error(scim.get("/Groups"), 404)
    scim_error(scim.get("/Schemas/urn:example:nothing"), 404)
    scim_error(scim.get("/ResourceTypes/Group"), 404)
    scim_error(scim.get("/Users/a/b"), 404)


def test_methods_a_route_does_not_take_are_405s(scim, alice):
    for response in (scim.post(f"/Users/{alice}", user_body("x")), scim.delete("/Users"),
                     scim.put("/ServiceProviderConfig", {}), scim.patch("/Schemas", {}),
                     scim.get("/Users/.search")):
        scim_error(response, 405)
        assert response["Allow"]


def test_a_body_of_another_type_is_a_415(scim):
    response = scim.post("/Users", "userName=x", content_type="application/x-www-form-urlencoded")
    scim_error(response, 415)


def test_application_json_bodies_and_answers_are_taken_too(scim):
    response = scim.post("/Users", user_body("jay@example.com"), content_type="application/json",
                         Accept="application/json")
    assert response.status_code == 201 and response["Content-Type"] == "application/json"
    response = scim.get("/Users", Accept="application/scim+json, application/json")
    assert response["Content-Type"] == "application/scim+json"
    assert scim.get("/Users", Accept="text/html")["Content-Type"] == "application/scim+json"
