"""Migration identities 0013: the pictures stored before get their thumbnail, made once."""

import io

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from PIL import Image

BEFORE = [("identities", "0012_search_sort_indexes")]
AFTER = [("identities", "0013_profile_picture_thumbnail")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


def picture(kind: str, size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (20, 120, 200)).save(out, kind)
    return out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_forward_makes_the_thumbnails_of_the_stored_pictures():
    try:
        apps = migrate(BEFORE)
        Identity = apps.get_model("identities", "Identity")
        ProfilePicture = apps.get_model("identities", "ProfilePicture")
        stored = {"jpeg": ("JPEG", (1200, 600)), "gif": ("GIF", (50, 100)),
                  "broken": ("PNG", (8, 8))}
        for username, (kind, size) in stored.items():
            identity = Identity.objects.create(username=username, password="!")
            content = picture(kind, size)
            ProfilePicture.objects.create(
                identity=identity, content=content[:20] if username == "broken" else content,
                format=kind, size=len(content), width=size[0], height=size[1], sha256="x")

        apps = migrate(AFTER)
        ProfilePicture = apps.get_model("identities", "ProfilePicture")
        thumbnails = {row.identity.username: bytes(row.thumbnail)
                      for row in ProfilePicture.objects.select_related("identity")}
        sizes = {name: Image.open(io.BytesIO(png)).size
                 for name, png in thumbnails.items() if png}
        assert sizes == {"jpeg": (160, 80), "gif": (50, 100)}
        assert thumbnails["broken"] == b""  # the admin answers 404, as without a picture
        assert all(png.startswith(b"\x89PNG") for png in thumbnails.values() if png)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
