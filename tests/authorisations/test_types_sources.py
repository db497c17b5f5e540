"""Authorisation types and sources: CRUD, codes unique per namespace, in-use refusal."""

import pytest

from audit.models import ChangeRecord
from authorisations.models import AuthorisationSource, AuthorisationType
from tests.authorisations.conftest import BASE, assert_error, body

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("kind, model", [("authorisation_type", AuthorisationType),
                                         ("authorisation_source", AuthorisationSource)])
def test_crud(api_a, kind, model):
    url = f"{BASE}/{kind}"
    created = api_a.post(url, {"code": "lease", "name": "Lease", "description": "d"},
                         format="json")
    assert created.status_code == 201, created.content
    item = created.json()
    assert item == {"id": item["id"], "code": "lease", "name": "Lease", "description": "d",
                    "names": [], "nsCode": "ns-a", "metadata": {
                        "created": item["metadata"]["created"],
                        "lastModified": item["metadata"]["created"],
                        "location": f"http://testserver{url}/{item['id']}"}}
    assert_error(api_a.post(url, {"code": "lease"}, format="json"), 409, "already exists")
    assert api_a.get(f"{url}/{item['id']}").json() == item
    patched = api_a.patch(f"{url}/{item['id']}", {"name": "Leasing"}, format="json").json()
    assert patched["name"] == "Leasing" and patched["description"] == "d"
    put = api_a.put(f"{url}/{item['id']}", {**patched, "code": "leasing"}, format="json")
    assert put.status_code == 200 and put.json()["code"] == "leasing"
    assert api_a.delete(f"{url}/{item['id']}").status_code == 204
    assert_error(api_a.get(f"{url}/{item['id']}"), 404)
    assert model.objects.get(pk=item["id"]).deleted_at is not None
    assert ChangeRecord.objects.filter(object_id=item["id"]).count() == 4
    again = api_a.post(url, {"code": "leasing"}, format="json")
    assert again.status_code == 201  # the code is free again once deleted


@pytest.mark.parametrize("data, fragment", [
    ({}, "code"), ({"code": 5}, "code"), ({"code": ""}, "code"), ({"code": "x" * 101}, "code"),
    ({"code": "a", "colour": 1}, "colour"), ({"code": "a\x00"}, "Null"), ([], "object"),
    ({"code": "a", "names": "fi"}, "names"), ({"code": "a", "names": [{"locale": "fi"}]}, "names"),
    ({"code": "a", "names": [{"locale": "fi", "value": "x"}, {"locale": "FI", "value": "y"}]},
     "twice"),
    ({"code": "a", "names": [{"locale": "not a tag", "value": "x"}]}, "language tag"),
    ({"code": "a", "names": [{"locale": "fi", "value": ""}]}, "blank"),
    ({"code": "a", "names": [{"locale": "fi", "value": "x", "extra": 1}]}, "names"),
])
def test_bad_bodies(api_a, data, fragment):
    assert_error(api_a.post(f"{BASE}/authorisation_type", data, format="json"), 400, fragment)


def test_locale_names_and_what_the_vendor_sdk_sends_back(api_a):
    url = f"{BASE}/authorisation_type"
    names = [{"locale": "fi", "value": "Vuokra"}, {"locale": "en-GB", "value": "Lease"}]
    item = api_a.post(url, {"code": "lease", "names": names, "description": None,
                            "id": None, "metadata": {"created": None}}, format="json").json()
    assert item["names"] == names and item["description"] == ""
    # the SDK parses names into nulls and PUTs them back: the names stay
    garbled = {"id": item["id"], "code": "lease", "description": "d", "nsCode": "ns-a",
               "names": [{"locale": None, "value": None}] * 2, "metadata": item["metadata"]}
    put = api_a.put(f"{url}/{item['id']}", garbled, format="json").json()
    assert put["names"] == names and put["description"] == "d"
    # a replace without names clears them; Tessera's own `name` stays unless sent
    api_a.patch(f"{url}/{item['id']}", {"name": "Leasing"}, format="json")
    cleared = api_a.put(f"{url}/{item['id']}", {"code": "lease"}, format="json").json()
    assert cleared["names"] == [] and cleared["name"] == "Leasing"
    assert cleared["description"] == ""


def test_a_type_in_use_cannot_be_removed(api_a):
    api_a.post(f"{BASE}/authorisation", body(), format="json")
    type_id = api_a.get(f"{BASE}/authorisation_type",
                        {"filter": 'code eq "employment"'}).json()["resources"][0]["id"]
    assert_error(api_a.delete(f"{BASE}/authorisation_type/{type_id}"), 409, "used by 1")


def test_namespace_list(api_a):
    data = api_a.get(f"{BASE}/namespace").json()
    assert data["resources"] == [{"code": "ns-a", "name": "Namespace A",
                                  "defaultValidity": None, "default": True}]
