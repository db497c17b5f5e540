"""Profile pictures keep their admin thumbnail, made once when the picture is set (issue 22
item 13); this fills it for the pictures stored before, one at a time."""

import io

from django.db import migrations, models

THUMBNAIL_PIXELS = 160  # identities.pictures.THUMBNAIL_PIXELS when this was written


def thumbnail_of(content: bytes) -> bytes:
    """As identities.pictures made it then: at most 160 px a side (a JPEG decoded reduced, a
    GIF by its first frame), PNG; empty when the stored bytes no longer decode."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(content)) as image:
            image.draft(image.mode, (THUMBNAIL_PIXELS, THUMBNAIL_PIXELS))
            image.thumbnail((THUMBNAIL_PIXELS, THUMBNAIL_PIXELS))
            alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
            out = io.BytesIO()
            image.convert("RGBA" if alpha else "RGB").save(out, "PNG", optimize=True)
            return out.getvalue()
    except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError):
        return b""


def fill(apps, schema_editor):
    ProfilePicture = apps.get_model("identities", "ProfilePicture")
    ids = list(ProfilePicture.objects.values_list("pk", flat=True))
    for pk in ids:  # one picture in memory at a time
        content = ProfilePicture.objects.filter(pk=pk).values_list("content", flat=True).get()
        ProfilePicture.objects.filter(pk=pk).update(thumbnail=thumbnail_of(bytes(content)))


class Migration(migrations.Migration):

    dependencies = [
        ('identities', '0012_search_sort_indexes'),
    ]

    operations = [
        migrations.AddField(
            model_name='profilepicture',
            name='thumbnail',
            field=models.BinaryField(default=b'', help_text='PNG, at most 160 px a side.'),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
    ]
