"""Profile pictures (spec 003, `/v1.0/identities/{identityId}/profilepicture`): HTTP and
service level."""

import base64
import hashlib
import io

import pytest
from PIL import Image

from audit.models import ChangeRecord
from core.errors import InvalidInputError
from identities.models import Identity, ProfilePicture
from identities.services.pictures import (
    DEFAULT_IMAGE_BASE64,
    picture_check,
    picture_delete,
    picture_set,
)
from tests.fixtures import spec_path
from tests.identities.dfs import ALL, assert_additiv_error

pytestmark = pytest.mark.django_db


def image(kind: str, size=(8, 6)) -> str:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, kind)
    return base64.b64encode(out.getvalue()).decode()


def spec_sample() -> str:
    """The spec's own upload sample (a 60x70 JPEG), kept in tests/fixtures/spec/."""
    return base64.b64encode(spec_path("profile_picture_sample.jpg").read_bytes()).decode()


def url(identity) -> str:
    return f"/v1.0/identities/{identity.pk}/profilepicture"


def put(api, identity, content):
    return api.put(url(identity), {"ImageContentBase64": content}, format="json")


def test_without_a_picture_the_default_image(api, person):
    body = api.get(url(person)).json()
    assert body == {"ImageContentBase64": DEFAULT_IMAGE_BASE64, "IsDefaultImage": True}
    assert Image.open(io.BytesIO(base64.b64decode(body["ImageContentBase64"]))).format == "PNG"


@pytest.mark.parametrize("kind", ["JPEG", "PNG", "GIF", "WEBP"])
def test_an_image_of_each_format_reads_back(api, person, kind):
    content = image(kind)
    response = put(api, person, content)
    assert response.status_code == 200 and response.json() is True
    assert api.get(url(person)).json() == {"ImageContentBase64": content,
                                           "IsDefaultImage": False}
    assert ProfilePicture.objects.get(identity=person).format == kind


def test_the_spec_sample_is_accepted(api, person):
    assert put(api, person, spec_sample()).status_code == 200
    assert api.get(url(person)).json()["ImageContentBase64"] == spec_sample()


def test_delete_goes_back_to_the_default(api, person):
    put(api, person, image("PNG"))
    response = api.delete(url(person))
    assert response.status_code == 200 and response.json() is True
    assert api.get(url(person)).json()["IsDefaultImage"] is True
    assert api.delete(url(person)).status_code == 200  # none: still true


def bmp() -> str:
    return image("BMP")


def truncated_png() -> str:
    whole = base64.b64decode(image("PNG", (64, 64)))
    return base64.b64encode(whole[: len(whole) // 2]).decode()


@pytest.mark.parametrize("content, words", [
    ("not base64!", "Not base64"),
    ("aGVsbG8gd29ybGQ=", "Not a JPEG"),  # "hello world"
    (base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 40).decode(), "Not a JPEG"),  # magic only
    ("BMP", "Not a JPEG"),
    ("TRUNCATED", "Not a JPEG"),
    ("", "required"),
    (None, "required"),
    (12, "string"),
])
def test_a_refused_picture_is_400_and_keeps_the_stored_one(api, person, content, words):
    content = {"BMP": bmp(), "TRUNCATED": truncated_png()}.get(content, content)
    stored = image("PNG")
    put(api, person, stored)
    records = ChangeRecord.objects.count()
    assert_additiv_error(put(api, person, content), 400, words)
    assert api.get(url(person)).json()["ImageContentBase64"] == stored
    assert ChangeRecord.objects.count() == records


def test_a_picture_over_the_limit_is_400(api, person, settings):
    settings.PROFILE_PICTURE_MAX_BYTES = 200
    big = image("PNG", (300, 300))
    assert len(base64.b64decode(big)) > 200
    assert_additiv_error(put(api, person, big), 400, "larger than 200 bytes")
    assert api.get(url(person)).json()["IsDefaultImage"] is True
    settings.PROFILE_PICTURE_MAX_PIXELS = 100
    settings.PROFILE_PICTURE_MAX_BYTES = 1024 * 1024
    assert_additiv_error(put(api, person, image("PNG", (11, 10))), 400, "100 pixels")


def test_bad_bodies_and_paths(api, person):
    assert_additiv_error(api.put(url(person), {"ImageContentBase64": 1}, format="json"), 400,
                         "ImageContentBase64")
    assert_additiv_error(api.get("/v1.0/identities/nope/profilepicture"), 400)


def test_outside_the_clients_reach_404(make_caller, person):
    from identities.services.tenants import tenant_create

    tenant_create(key="other", name="Other")
    api = make_caller(ALL, tenants=["other"]).basic()
    assert_additiv_error(api.get(url(person)), 404)
    assert_additiv_error(put(api, person, image("PNG")), 404)
    assert_additiv_error(api.delete(url(person)), 404)


def test_permissions(make_caller, person):
    api = make_caller(["identities.view_identity"], tenants=["default"]).basic()
    assert api.get(url(person)).status_code == 200
    assert_additiv_error(put(api, person, image("PNG")), 403, "change_identity")


def test_change_records_hold_a_digest_never_the_bytes(person):
    content = image("PNG")
    raw = base64.b64decode(content)
    picture_set(identity=person, content_base64=content)
    picture_set(identity=person, content_base64=content)  # the same: nothing written
    picture_delete(identity=person)
    records = list(ChangeRecord.objects.filter(object_id=str(person.pk),
                                               object_type__contains="picture")
                   .order_by("id"))
    assert [r.action for r in records] == ["create", "delete"]
    assert records[0].after["sha256"] == hashlib.sha256(raw).hexdigest()
    assert records[0].after["size"] == len(raw)
    assert records[1].before["format"] == "PNG" and not records[1].after
    for r in records:
        text = str(r.before) + str(r.after)
        assert content[:40] not in text and "content" not in text


def test_the_picture_is_apart_from_the_identity_row():
    assert "content" not in {f.name for f in Identity._meta.concrete_fields}


def test_check_decodes_rather_than_trusts_the_first_bytes():
    fake = base64.b64encode(b"\xff\xd8\xff\xe0" + b"JFIF" + b"\0" * 100).decode()
    with pytest.raises(InvalidInputError):
        picture_check(fake)
    assert picture_check(image("WEBP")).format == "WEBP"
