"""Profile pictures of identities (`/v1.0/identities/{id}/profilepicture`, spec 003): set,
remove, read. A picture is checked for what it is by decoding it with Pillow (JPEG, PNG, GIF,
WebP), never by its first bytes; refused (`InvalidInputError`, 400) when it is not base64, not
such an image, or over PROFILE_PICTURE_MAX_BYTES / PROFILE_PICTURE_MAX_PIXELS /
PROFILE_PICTURE_MAX_DECODED_PIXELS, and then the stored picture stays as it was. Change
records hold the picture's digest, size and format, never its bytes.

The decoding is bounded (issue 22 item 13): a baseline JPEG is decoded reduced (Pillow's
`draft`, up to 1/8 a side, no smaller than the thumbnail), any other image whole, and the
pixels to decode are checked from the header, before `load()`, against
PROFILE_PICTURE_MAX_DECODED_PIXELS. The one decode also makes the admin's thumbnail, stored
with the picture, so that showing it never decodes anything."""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from PIL import Image, UnidentifiedImageError

from audit.models import AuditContext, ChangeRecord
from audit.services import GONE, audited, record
from core.errors import InvalidInputError
from identities.models import Identity, ProfilePicture

Action = ChangeRecord.Action
FORMATS = frozenset({"JPEG", "PNG", "GIF", "WEBP"})
FIELD = "ImageContentBase64"
# the built-in picture answered for an identity without one (a 96x96 PNG silhouette)
DEFAULT_IMAGE_BASE64 = (
    "iVBORw0KGgoAAAANSUhEUgAAAGAAAABgCAIAAABt+uBvAAABpUlEQVR42u3bMXICMQyFYVaTI6Wh4PQp"
    "0uQKKdLkHJwAFtZ6T5b3V8uA5W8ke2HE9vv3fyEeR0AAEEAAAQQQQAABRAAEEEAAzRYfMyTx9f3z6KXb"
    "9bM2t63w544nLvNI1QC9RVPLFI10Bt/bA2h8h2aj6KXjN4p2Omaj6KjjNIqmOjaj6Kvj+Xy+apQCeY4J"
    "6SpUEEDTAjkf53RrUUEAAQQQQAABBBBA6eH8gV23FhUE0MxAni6TrkIFVQOpi0j9+dG6BQwtbGoxxU48"
    "B5zvDMrdj+0hy3pIZ+3K+QjqvsXG92aegCm45kd26J8PYsJsYqBXpE49o8iTNEAAEQDtRP2k/e5lX3uR"
    "Fdxig4MGZi8fUPoAhkfKASSdg1EzaYFsI0I6JhWQ/08VIqZYRke0biyjI1o9s8VqaUTtFkvqJOYTS+ok"
    "ZhWr6mTlFgvrpGTIt3kl0PzlM55nLK8zmC0tpgHqVT4jOcdJdA5nTotlA/Utn2P5U0EAOYG699eBXVBB"
    "AAE0C9AaB9C7e6GCAAIIIIAAAggggAiAxEDlf5tIjNf3QgXtxB2v37h5qH2LYwAAAABJRU5ErkJggg=="
)


THUMBNAIL_PIXELS = 160  # the longer side of an admin thumbnail (shown at 40 and 160 px)
REFUSED_KIND = "Not a JPEG, PNG, GIF or WebP image."


@dataclass(frozen=True)
class Checked:
    """An image that passed the checks, with what the change log records of it and its
    thumbnail."""

    content: bytes
    format: str
    width: int
    height: int
    thumbnail: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def _refused(message: str) -> InvalidInputError:
    return InvalidInputError(f"{FIELD}: {message}")


def _pixels_to_decode(image: Image.Image) -> int:
    """Ask the decoder to reduce while decoding (a baseline JPEG: 1/2, 1/4 or 1/8 a side, no
    smaller than a thumbnail; other formats cannot, and `draft` leaves them) and answer the
    pixels the decode will hold. A progressive JPEG's decoder holds every coefficient of the
    whole image, whatever the scale, so it counts whole."""
    whole = image.width * image.height
    image.draft(image.mode, (THUMBNAIL_PIXELS, THUMBNAIL_PIXELS))
    if image.format == "JPEG" and image.info.get("progressive"):
        return whole
    return image.width * image.height


def _thumbnail(image: Image.Image) -> bytes:
    """The loaded image scaled down to at most THUMBNAIL_PIXELS a side (a GIF: its first
    frame), as PNG."""
    image.thumbnail((THUMBNAIL_PIXELS, THUMBNAIL_PIXELS))
    alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    out = io.BytesIO()
    image.convert("RGBA" if alpha else "RGB").save(out, "PNG", optimize=True)
    return out.getvalue()


def picture_check(content_base64: str | None) -> Checked:
    """Decode and check a picture, and make its thumbnail (400 when refused)."""
    if not content_base64:
        raise _refused("A picture is required (DELETE removes one).")
    limit = settings.PROFILE_PICTURE_MAX_BYTES
    if len(content_base64) > 4 * (limit // 3 + 1) + 4:
        raise _refused(f"The picture is larger than {limit} bytes.")
    try:
        content = base64.b64decode(content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise _refused("Not base64.") from None
    if len(content) > limit:
        raise _refused(f"The picture is larger than {limit} bytes.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as image:
                kind, (width, height) = image.format, image.size
                if kind not in FORMATS:
                    raise _refused(REFUSED_KIND)
                if width * height > settings.PROFILE_PICTURE_MAX_PIXELS:
                    raise _refused(f"The picture has more than "
                                   f"{settings.PROFILE_PICTURE_MAX_PIXELS} pixels.")
                decoded = settings.PROFILE_PICTURE_MAX_DECODED_PIXELS
                if _pixels_to_decode(image) > decoded:
                    raise _refused(
                        f"The picture has more than {decoded} pixels to decode (a PNG, GIF, "
                        "WebP or progressive JPEG is decoded whole; a baseline JPEG reduced).")
                image.load()  # decodes it: a truncated or corrupt file fails here
                thumbnail = _thumbnail(image)
    except InvalidInputError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError,
            Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _refused(REFUSED_KIND) from None
    return Checked(content=content, format=kind, width=width, height=height,
                   thumbnail=thumbnail)


def _state(picture: ProfilePicture) -> dict:
    """What the change log holds of a picture: never its bytes."""
    return {"identity": str(picture.identity_id), "format": picture.format,
            "size": picture.size, "width": picture.width, "height": picture.height,
            "sha256": picture.sha256}


def picture_set(*, identity: Identity, content_base64: str | None,
                context: AuditContext | None = None) -> ProfilePicture:
    """Store the identity's picture (replacing one); the same picture again writes nothing."""
    checked = picture_check(content_base64)
    with transaction.atomic(), audited(context):
        Identity.objects.select_for_update().filter(pk=identity.pk).first()
        picture = ProfilePicture.objects.filter(identity=identity).first()
        before = None if picture is None else _state(picture)
        if picture is not None and picture.sha256 == checked.sha256:
            return picture
        picture = picture or ProfilePicture(identity=identity)
        picture.content, picture.format = checked.content, checked.format
        picture.size, picture.sha256 = len(checked.content), checked.sha256
        picture.width, picture.height = checked.width, checked.height
        picture.thumbnail = checked.thumbnail
        picture.save()
        record(action=Action.CREATE if before is None else Action.UPDATE, instance=picture,
               before=before, after=_state(picture))
    return picture


def picture_delete(*, identity: Identity, context: AuditContext | None = None) -> bool:
    """Remove the identity's picture (back to the default); False when it had none."""
    with transaction.atomic(), audited(context):
        picture = (ProfilePicture.objects.select_for_update().defer("content", "thumbnail")
                   .filter(identity=identity).first())
        if picture is None:
            return False
        record(action=Action.DELETE, instance=picture, before=_state(picture), after=GONE)
        picture.delete()
    return True


def picture_of(identity: Identity) -> tuple[str, bool]:
    """The identity's picture as base64, and whether it is the built-in default."""
    content = (ProfilePicture.objects.filter(identity=identity)
               .values_list("content", flat=True).first())
    if content is None:
        return DEFAULT_IMAGE_BASE64, True
    return base64.b64encode(bytes(content)).decode("ascii"), False


def picture_thumbnail(identity_id) -> bytes | None:
    """The identity's thumbnail, a PNG of at most THUMBNAIL_PIXELS a side made when the picture
    was set (the admin's list column and change page), or None without a picture. Nothing is
    decoded here."""
    thumbnail = (ProfilePicture.objects.filter(identity_id=identity_id)
                 .values_list("thumbnail", flat=True).first())
    return bytes(thumbnail) if thumbnail else None
