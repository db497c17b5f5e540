"""Profile pictures decode within a bound (issue 22 item 13): a baseline JPEG is decoded
reduced, any other picture above PROFILE_PICTURE_MAX_DECODED_PIXELS is refused from its header
before anything is decoded, and the admin's thumbnail is made once, when the picture is set.

What a decode costs is measured two ways: the images Pillow allocates (`Image.core.new`, the
buffer every decoder fills; tracemalloc does not see it, Pillow allocates with C's malloc) and,
on Linux, the growth of the process's peak resident memory (`/proc/self/clear_refs`)."""

from __future__ import annotations

import base64
import io

import pytest
from django.urls import reverse
from PIL import Image

from audit.models import ChangeRecord
from identities.models import ProfilePicture
from identities.services.pictures import THUMBNAIL_PIXELS, picture_check, picture_set
from tests.identities.dfs import assert_additiv_error

pytestmark = pytest.mark.django_db
MIB = 1024 * 1024


def encoded(kind: str, size: tuple[int, int], **options) -> str:
    """A flat picture: a 4096x4096 PNG takes 58 KB, and would decode to 64 MiB."""
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, kind, **options)
    return base64.b64encode(out.getvalue()).decode()


class Decodes:
    """The images Pillow allocates while active (width x height of each)."""

    def __init__(self, monkeypatch):
        self.sizes: list[tuple[int, int]] = []
        for name in ("new", "fill"):
            real = getattr(Image.core, name)
            monkeypatch.setattr(Image.core, name, self._spy(real))

    def _spy(self, real):
        def allocate(mode, size, *args):
            self.sizes.append(tuple(size))
            return real(mode, size, *args)
        return allocate

    @property
    def largest(self) -> int:
        return max((w * h for w, h in self.sizes), default=0)


def _status(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise LookupError(field)


def peak_growth(call) -> int | None:
    """How far the process's peak resident memory rose above where it stood during `call`
    (Linux), or None where the peak cannot be reset."""
    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")  # the peak (VmHWM) back to the current resident size
        start = _status("VmRSS")
    except (OSError, LookupError):
        return None
    call()
    return _status("VmHWM") - start


def put(api, identity, content):
    return api.put(f"/v1.0/identities/{identity.pk}/profilepicture",
                   {"ImageContentBase64": content}, format="json")


def test_a_large_png_is_refused_from_its_header_without_being_decoded(api, person,
                                                                      monkeypatch):
    """4096x4096 (58 KB compressed, 64 MiB decoded): 400 in the spec's shape, before `load()`;
    it was accepted, decoding the whole 64 MiB."""
    content = encoded("PNG", (4096, 4096))
    decodes = Decodes(monkeypatch)
    responses = []
    growth = peak_growth(lambda: responses.append(put(api, person, content)))
    assert_additiv_error(responses[0], 400, "more than 1048576 pixels to decode")
    assert decodes.largest == 0
    if growth is not None:
        assert growth < 16 * MIB, growth
    assert not ProfilePicture.objects.exists()
    assert not ChangeRecord.objects.filter(object_type="identities.profilepicture").exists()


@pytest.mark.parametrize("kind, options", [
    ("GIF", {}), ("WEBP", {}), ("JPEG", {"progressive": True}),
])
def test_other_pictures_decoded_whole_are_refused_above_the_bound_too(person, monkeypatch,
                                                                      kind, options):
    """A progressive JPEG's decoder holds the whole image's coefficients at any scale."""
    content = encoded(kind, (2048, 2048), **options)
    decodes = Decodes(monkeypatch)
    with pytest.raises(Exception, match="more than 1048576 pixels to decode"):
        picture_check(content)
    assert decodes.largest == 0


def test_a_large_baseline_jpeg_is_decoded_reduced(api, person, monkeypatch):
    """4096x4096: accepted (the spec's 200), decoded at 1/8 a side (512x512, 1 MiB) rather than
    whole (64 MiB); its stored size is its own."""
    content = encoded("JPEG", (4096, 4096))
    decodes = Decodes(monkeypatch)
    responses = []
    growth = peak_growth(lambda: responses.append(put(api, person, content)))
    assert responses[0].status_code == 200 and responses[0].json() is True
    assert decodes.largest == 512 * 512
    if growth is not None:
        assert growth < 16 * MIB, growth
    picture = ProfilePicture.objects.get(identity=person)
    assert (picture.width, picture.height) == (4096, 4096)
    assert api.get(f"/v1.0/identities/{person.pk}/profilepicture").json()[
        "ImageContentBase64"] == content


def test_the_bound_is_a_setting(person, settings):
    settings.PROFILE_PICTURE_MAX_DECODED_PIXELS = 160 * 160
    with pytest.raises(Exception, match="more than 25600 pixels to decode"):
        picture_check(encoded("PNG", (161, 160)))
    assert picture_check(encoded("PNG", (160, 160))).width == 160
    # a baseline JPEG counts what it decodes: 1280x1280 at 1/8 is 160x160
    assert picture_check(encoded("JPEG", (1280, 1280))).width == 1280
    with pytest.raises(Exception, match="more than 25600 pixels to decode"):
        picture_check(encoded("JPEG", (1288, 1280)))  # 161x160 at 1/8


@pytest.fixture
def operator(client):
    from identities.services.people import person_create

    staff = person_create(username="operator", password="pw-Operat0r!")
    staff.is_staff = staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    return client


def test_the_thumbnail_is_made_once_when_the_picture_is_set(operator, person, monkeypatch):
    """The admin's thumbnail view serves the stored PNG: several views decode nothing (each
    opened and decoded the picture before)."""
    opened = []
    real = Image.open
    monkeypatch.setattr(Image, "open", lambda *a, **kw: opened.append(1) or real(*a, **kw))
    picture_set(identity=person, content_base64=encoded("PNG", (600, 300)))
    assert len(opened) == 1  # the check's decode also made the thumbnail
    opened.clear()
    decodes = Decodes(monkeypatch)
    url = reverse("admin:identities_identity_picture", args=[person.pk])
    served = []
    for _ in range(3):
        response = operator.get(url)
        assert response.status_code == 200 and response["Content-Type"] == "image/png"
        served.append(response.content)
    assert opened == [] and decodes.sizes == []
    monkeypatch.undo()
    stored = bytes(ProfilePicture.objects.get(identity=person).thumbnail)
    assert served == [stored] * 3
    thumbnail = Image.open(io.BytesIO(stored))
    assert (thumbnail.format, thumbnail.size) == ("PNG", (THUMBNAIL_PIXELS, 80))
