"""DFS (specs 002/003): what the schema states of a body, the server holds to, and the other
way round (issue 22, item 8: the full schemathesis pass found requests the schema allowed and
the server refused). Read through HTTP: the published schema and the answers."""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image
from rest_framework.test import APIClient

from core.patterns import matches
from identities.models import Identity
from tests.identities.dfs import CREATE_SAMPLE, assert_additiv_error, sample

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema():
    response = APIClient().get("/apidoc/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    return response.json()["components"]["schemas"]


def png() -> str:
    out = io.BytesIO()
    Image.new("RGB", (4, 3), (200, 30, 30)).save(out, "PNG")
    return base64.b64encode(out.getvalue()).decode()


# --- the profile picture: base64 as the schema writes it ---------------------------------------

def picture_field(schema) -> dict:
    return schema["ProfilePictureUploadRequest"]["properties"]["ImageContentBase64"]


def test_the_picture_states_its_base64_and_is_never_null_or_empty(schema):
    """The schema allowed null, "" and any text; the server refuses each with 400."""
    field = picture_field(schema)
    assert field["type"] == "string" and not field.get("nullable") and "oneOf" not in field
    assert field["minLength"] == 1 and field["maxLength"] == 4 * -(-1024 * 1024 // 3)
    assert matches(field["pattern"], png())


@pytest.mark.parametrize("content", [
    "0",  # the example: schema-valid before, refused "Not base64"
    "AAAA=", "AAAAA===",  # excess padding: Python's b64decode took it, RFC 4648 does not
    "AAA", "A===", "AA=A", "AAAA\n", "AA AA", "-_-_", "ÄÄÄÄ",
])
def test_text_the_schema_refuses_is_not_base64_to_the_server(api, person, schema, content):
    assert not matches(picture_field(schema)["pattern"], content)
    response = api.put(f"/v1.0/identities/{person.pk}/profilepicture",
                       {"ImageContentBase64": content}, format="json")
    assert_additiv_error(response, 400, "ImageContentBase64: Not base64.")


@pytest.mark.parametrize("content", [None, ""])
def test_no_picture_is_refused_as_the_schema_says(api, person, content):
    response = api.put(f"/v1.0/identities/{person.pk}/profilepicture",
                       {"ImageContentBase64": content}, format="json")
    assert_additiv_error(response, 400, "ImageContentBase64: A picture is required")


def test_base64_the_schema_allows_reaches_the_image_check(api, person, schema):
    for content, answer in ((png(), 200), ("AAAA", 400), ("AAA=", 400), ("AA==", 400)):
        assert matches(picture_field(schema)["pattern"], content)
        response = api.put(f"/v1.0/identities/{person.pk}/profilepicture",
                           {"ImageContentBase64": content}, format="json")
        assert response.status_code == answer, response.content
        if answer == 400:
            assert "Not a JPEG, PNG, GIF or WebP image" in response.json()["Message"]


# --- a new identity's password: the validators' length ---------------------------------------

def test_a_new_password_states_the_validators_length(schema, settings):
    field = schema["IdentityCreateRequest"]["properties"]["Password"]
    assert field["minLength"] == 8 and field["maxLength"] == 128
    assert field.get("nullable") is True and "oneOf" not in field  # null: no password; "": no


@pytest.mark.parametrize("password", ["", "Ab1.xyz", " " * 8])
def test_a_new_password_the_schema_refuses_is_refused(api, password):
    body = sample(CREATE_SAMPLE, AuditContextId=None, Password=password)
    before = Identity.objects.count()
    assert_additiv_error(api.post("/v1.0/identities", body, format="json"), 422, "Password")
    assert Identity.objects.count() == before


def test_a_new_password_of_the_stated_length_is_taken(api):
    body = sample(CREATE_SAMPLE, AuditContextId=None, Password="Ab1.xyzQ")
    assert api.post("/v1.0/identities", body, format="json").status_code == 200
