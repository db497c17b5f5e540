"""SCIM Users through HTTP: create, read, replace, PATCH, delete, each the organization's
CustomerID user and the person behind it, so CustomerID reads what SCIM wrote and the other
way round; what has no CustomerID field is kept and returned."""

from __future__ import annotations

import pytest

from identities.models import Identity
from orgs.models import OrgUser
from tests.orgs.conftest import ALL, entity, short
from tests.orgs.conftest import ids as customerid_ids
from tests.scim.conftest import ENTERPRISE, USER, patch_body, scim_error, user_body

pytestmark = pytest.mark.django_db
CID = "/eidm2/services/"

ALICE = user_body(
    "alice@example.com", externalId="entra-0001",
    name={"givenName": "Alice", "familyName": "Smith", "formatted": "Alice Smith"},
    displayName="Alice S.", title="CFO", preferredLanguage="fi",
    emails=[{"value": "alice@example.com", "type": "work", "primary": True},
            {"value": "alice@home.example.com", "type": "home"}],
    phoneNumbers=[{"value": "+358 40 123 4567", "type": "mobile"},
                  {"value": "+1 (425) 555-0100", "type": "work"}],
    addresses=[{"type": "work", "locality": "Helsinki", "country": "FI"}],
    locale="fi-FI", active=True,
    **{"schemas": [USER, ENTERPRISE],
       ENTERPRISE: {"employeeNumber": "42", "department": "Finance", "costCenter": "F1"}})


@pytest.fixture
def customerid(make_caller):
    return make_caller(ALL, name="restuser").basic()


def created(scim, body=ALICE) -> dict:
    response = scim.post("/Users", body)
    assert response.status_code == 201, response.content
    return response.json()


def test_create_answers_the_user_with_location_and_etag(scim):
    response = scim.post("/Users", ALICE)
    assert response.status_code == 201, response.content
    assert response["Content-Type"] == "application/scim+json"
    user = response.json()
    assert response["Location"] == f"http://testserver/scim/v2/Users/{user['id']}"
    assert response["ETag"] == user["meta"]["version"] and user["meta"]["version"].startswith('W/"')
    assert user["meta"]["resourceType"] == "User" and user["meta"]["location"] == response[
        "Location"]
    expected = {key: value for key, value in ALICE.items() if key != "schemas"}
    for key, value in expected.items():
        assert user[key] == value, key
    assert user["schemas"] == [USER, ENTERPRISE] and "password" not in user
    assert user == scim.get(f"/Users/{user['id']}").json()


def test_a_scim_user_is_the_customerid_user_of_the_tokens_organization(scim, customerid):
    user = created(scim)
    assert short(customerid_ids(customerid.get(CID + "users/acme/"))) == [f"user/acme/{user['id']}"]
    _, _, attrs = entity(customerid.get(CID + f"user/acme/{user['id']}"))
    assert attrs["uid"] == ["alice@example.com"] and attrs["email"] == ["alice@example.com"]
    assert attrs["firstname"] == ["Alice"] and attrs["surname"] == ["Smith"]
    assert attrs["mobile"] == ["+358 40 123 4567"] and attrs["locale"] == ["fi-FI"]
    assert attrs["status"] == ["enabled"]
    profile = OrgUser.objects.get(pk=user["id"])
    assert profile.identity.username == "alice@example.com"
    assert str(profile.identity.pk) == user["id"] == profile.name


def test_active_false_is_status_disabled_on_customerid_and_back(scim, customerid):
    user = created(scim)
    response = scim.patch(f"/Users/{user['id']}", patch_body(
        {"op": "Replace", "path": "active", "value": "False"}))
    assert response.status_code == 200, response.content
    assert response.json()["active"] is False
    _, _, attrs = entity(customerid.get(CID + f"user/acme/{user['id']}"))
    assert attrs["status"] == ["disabled"]
    assert not Identity.objects.get(pk=user["id"]).is_active
    customerid.put(CID + f"user/acme/{user['id']}?enable=true")
    assert scim.get(f"/Users/{user['id']}").json()["active"] is True


def test_changes_through_customerid_are_answered_over_scim(scim, customerid):
    user = created(scim)
    response = customerid.put(CID + f"user/acme/{user['id']}?email=a.smith@example.com"
                                    "&firstname=Ali&mobile=&locale=sv")
    assert response.status_code == 200, response.content
    read = scim.get(f"/Users/{user['id']}").json()
    assert read["name"] == {"givenName": "Ali", "familyName": "Smith", "formatted": "Alice Smith"}
    assert read["emails"] == [{"value": "a.smith@example.com", "type": "work", "primary": True},
                              {"value": "alice@home.example.com", "type": "home"}]
    assert read["phoneNumbers"] == [{"value": "+1 (425) 555-0100", "type": "work"}]
    assert read["locale"] == "sv"
    assert read["meta"]["version"] != user["meta"]["version"]


def test_a_customerid_user_reads_as_a_scim_user(scim, customerid, acme):
    customerid.put(CID + "user/acme/bob?create=true&uid=bob&firstname=Bob&email=bob@example.com"
                         "&mobile=%2B358401&disable=true")
    bob = OrgUser.objects.get(name="bob")
    read = scim.get(f"/Users/{bob.pk}").json()
    assert read["userName"] == "bob" and read["active"] is False
    assert read["name"] == {"givenName": "Bob"}
    assert read["emails"] == [{"value": "bob@example.com", "type": "work", "primary": True}]
    assert read["phoneNumbers"] == [{"value": "+358401", "type": "mobile", "primary": True}]
    assert "externalId" not in read


def test_put_replaces_the_user_clearing_what_it_leaves_out(scim, customerid):
    user = created(scim)
    body = user_body("alice.smith@example.com", name={"familyName": "Smith"}, active=False)
    response = scim.put(f"/Users/{user['id']}", body)
    assert response.status_code == 200, response.content
    read = response.json()
    assert read["userName"] == "alice.smith@example.com" and read["active"] is False
    assert read["name"] == {"familyName": "Smith"}
    for gone in ("emails", "phoneNumbers", "title", "externalId", "locale", ENTERPRISE):
        assert gone not in read, gone
    _, _, attrs = entity(customerid.get(CID + f"user/acme/{user['id']}"))
    assert attrs["uid"] == ["alice.smith@example.com"] and attrs["status"] == ["disabled"]
    assert attrs.get("email", [""]) == [""] and attrs.get("firstname", [""]) == [""]
    assert read == scim.get(f"/Users/{user['id']}").json()


def test_put_without_active_or_password_leaves_them(scim):
    user = created(scim, user_body("carol", password="first-Pass-1", active=False))
    scim.put(f"/Users/{user['id']}", user_body("carol"))
    identity = Identity.objects.get(pk=user["id"])
    assert identity.check_password("first-Pass-1") and not identity.is_active


def test_the_password_is_written_never_answered(scim):
    user = created(scim, user_body("dave", password="s3cret-Pass"))
    assert "password" not in user
    assert Identity.objects.get(pk=user["id"]).check_password("s3cret-Pass")
    response = scim.patch(f"/Users/{user['id']}", patch_body(
        {"op": "replace", "path": "password", "value": "n3w-Pass"}))
    assert response.status_code == 200 and "password" not in response.json()
    assert Identity.objects.get(pk=user["id"]).check_password("n3w-Pass")
    assert "n3w-Pass" not in str(list(OrgUser.objects.values()))


@pytest.mark.parametrize("operations, check", [
    ([{"op": "add", "path": "nickName", "value": "Ally"}], {"nickName": "Ally"}),
    ([{"op": "Replace", "path": "name.givenName", "value": "Al"}],
     {"name": {"givenName": "Al", "familyName": "Smith", "formatted": "Alice Smith"}}),
    ([{"op": "Replace", "path": 'emails[type eq "work"].value', "value": "al@example.com"}],
     {"emails": [{"value": "al@example.com", "type": "work", "primary": True},
                 {"value": "alice@home.example.com", "type": "home"}]}),
    ([{"op": "remove", "path": 'emails[type eq "home"]'}],
     {"emails": [{"value": "alice@example.com", "type": "work", "primary": True}]}),
    ([{"op": "Remove", "path": "title"}], {"title": None}),
    ([{"op": "Replace", "value": {"displayName": "A. S.", "active": "False"}}],
     {"displayName": "A. S.", "active": False}),
    ([{"op": "Add", "path": f"{ENTERPRISE}:department", "value": "Sales"}],
     {ENTERPRISE: {"employeeNumber": "42", "department": "Sales", "costCenter": "F1"}}),
    ([{"op": "remove", "path": f"{ENTERPRISE}:employeeNumber"}],
     {ENTERPRISE: {"department": "Finance", "costCenter": "F1"}}),
    ([{"op": "replace", "path": "externalId", "value": "entra-0002"}],
     {"externalId": "entra-0002"}),
    ([{"op": "add", "path": "phoneNumbers", "value": [{"value": "+35850111", "type": "other"}]}],
     {"phoneNumbers": [{"value": "+358 40 123 4567", "type": "mobile"},
                       {"value": "+1 (425) 555-0100", "type": "work"},
                       {"value": "+35850111", "type": "other"}]}),
    ([{"op": "Add", "path": 'addresses[type eq "home"].locality', "value": "Espoo"}],
     {"addresses": [{"type": "work", "locality": "Helsinki", "country": "FI"},
                    {"type": "home", "locality": "Espoo"}]}),
])
def test_patch(scim, operations, check):
    user = created(scim)
    response = scim.patch(f"/Users/{user['id']}", patch_body(*operations))
    assert response.status_code == 200, response.content
    answered = response.json()
    for key, value in check.items():
        assert answered.get(key) == value, key
    assert answered == scim.get(f"/Users/{user['id']}").json()
    assert answered["meta"]["version"] != user["meta"]["version"]


def test_patch_of_the_email_is_the_customerid_email(scim, customerid):
    user = created(scim)
    scim.patch(f"/Users/{user['id']}", patch_body(
        {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "al@example.com"}))
    _, _, attrs = entity(customerid.get(CID + f"user/acme/{user['id']}"))
    assert attrs["email"] == ["al@example.com"]


def test_a_patch_that_changes_nothing_writes_nothing(scim):
    from audit.models import ChangeRecord

    user = created(scim)
    before = ChangeRecord.objects.count()
    response = scim.patch(f"/Users/{user['id']}", patch_body(
        {"op": "replace", "path": "title", "value": "CFO"}))
    assert response.status_code == 200
    assert response.json()["meta"]["version"] == user["meta"]["version"]
    assert ChangeRecord.objects.count() == before


def test_delete_removes_the_user_as_customerid_removes_it(scim, customerid):
    user = created(scim)
    response = scim.delete(f"/Users/{user['id']}")
    assert response.status_code == 204 and response.content == b""
    scim_error(scim.get(f"/Users/{user['id']}"), 404)
    assert customerid.get(CID + f"user/acme/{user['id']}").status_code == 404
    assert not Identity.objects.filter(pk=user["id"]).exists()
    scim_error(scim.delete(f"/Users/{user['id']}"), 404)


def test_etag_if_match_and_if_none_match(scim):
    user = created(scim)
    path, version = f"/Users/{user['id']}", user["meta"]["version"]
    assert scim.get(path, **{"If-None-Match": version}).status_code == 304
    assert scim.get(path, **{"If-None-Match": 'W/"other"'}).status_code == 200
    stale = 'W/"0123456789abcdef01234567"'
    scim_error(scim.put(path, user_body("x"), **{"If-Match": stale}), 412)
    scim_error(scim.patch(path, patch_body({"op": "replace", "path": "title", "value": "x"}),
                          **{"If-Match": stale}), 412)
    scim_error(scim.delete(path, **{"If-Match": stale}), 412)
    assert scim.get(path).json()["meta"]["version"] == version  # nothing changed
    response = scim.patch(path, patch_body({"op": "replace", "path": "title", "value": "CEO"}),
                          **{"If-Match": version})
    assert response.status_code == 200 and response["ETag"] != version
    scim_error(scim.put(path, user_body("x"), **{"If-Match": version}), 412)  # now stale
    assert scim.put(path, user_body("x"), **{"If-Match": "*"}).status_code == 200
    assert scim.delete(path, **{"If-Match": scim.get(path)["ETag"]}).status_code == 204


def test_users_of_sub_organizations_are_the_tokens_too(scim, acme, customerid):
    customerid.put(CID + "user/acme/sales/erin?create=true&uid=erin")
    erin = OrgUser.objects.get(name="erin")
    assert scim.get(f"/Users/{erin.pk}").json()["userName"] == "erin"
    assert scim.patch(f"/Users/{erin.pk}", patch_body(
        {"op": "replace", "path": "active", "value": False})).status_code == 200
    assert erin.organization.path == "acme/sales"


def test_active_is_unassigned_while_the_provider_leaves_it_so_and_sign_in_is_on(scim):
    user = created(scim, user_body("erin"))
    assert "active" not in user and Identity.objects.get(pk=user["id"]).is_active
    path = f"/Users/{user['id']}"
    assert scim.patch(path, patch_body({"op": "add", "path": "active", "value": False})).json()[
        "active"] is False
    # removed: unassigned, and a user is enabled by default
    response = scim.patch(path, patch_body({"op": "remove", "path": "active"}))
    assert response.status_code == 200 and "active" not in response.json()
    assert Identity.objects.get(pk=user["id"]).is_active
    # switched off elsewhere, it is answered whatever the provider said
    from orgs.services import UserFields, user_update

    user_update(user=OrgUser.objects.get(pk=user["id"]), data=UserFields(status="locked"))
    assert scim.get(path).json()["active"] is False
