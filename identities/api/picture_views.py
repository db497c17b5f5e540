"""The DFS profile-picture calls (spec 003, `/v1.0/identities/{identityId}/profilepicture`):
a thin view over identities.services.pictures. The spec lists 400 (no 422) for these routes,
so a body it cannot process answers 400 here. Decisions: docs/identities.md ("Profile pictures")."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from identities.api import dfs_serializers as s
from identities.api.dfs_common import (
    IDENTITY_ID,
    TAG_IDENTITIES,
    TRUE,
    identity_or_404,
    validated,
)
from identities.api.views import AdditivView
from identities.services.pictures import picture_delete, picture_of, picture_set


class ProfilePictureView(AdditivView):
    validation_status = 400
    required_permissions = {"GET": "identities.view_identity",
                            "PUT": "identities.change_identity",
                            "DELETE": "identities.change_identity"}

    @extend_schema(tags=[TAG_IDENTITIES], operation_id="identities_picture_get_v1_0",
                   summary="Get identity picture", parameters=[IDENTITY_ID],
                   description="Without a picture of its own: the built-in default image, "
                               "`IsDefaultImage: true`.",
                   responses={200: s.ProfilePictureItem})
    def get(self, request, identityId: str):  # noqa: N803 (the spec's name)
        identity = identity_or_404(self, identityId)
        content, is_default = picture_of(identity)
        return Response({"ImageContentBase64": content, "IsDefaultImage": is_default})

    @extend_schema(tags=[TAG_IDENTITIES], operation_id="identities_picture_put_v1_0",
                   summary="Upload identity picture", parameters=[IDENTITY_ID],
                   description="A JPEG, PNG, GIF or WebP image (checked by decoding it), at "
                               "most PROFILE_PICTURE_MAX_BYTES (1 MiB) and "
                               "PROFILE_PICTURE_MAX_PIXELS (4096x4096); a PNG, GIF, WebP or "
                               "progressive JPEG, which are decoded whole, at most "
                               "PROFILE_PICTURE_MAX_DECODED_PIXELS (1024x1024). A refused one "
                               "answers 400 and keeps the stored picture.",
                   request=s.ProfilePictureUpload, responses={200: TRUE})
    def put(self, request, identityId: str):  # noqa: N803
        identity = identity_or_404(self, identityId)
        data = validated(s.ProfilePictureUpload, request)
        picture_set(identity=identity, content_base64=data.get("ImageContentBase64"))
        return Response(True)

    @extend_schema(tags=[TAG_IDENTITIES], operation_id="identities_picture_delete_v1_0",
                   summary="Delete identity picture", parameters=[IDENTITY_ID],
                   description="Back to the default image; `true` also when there was none.",
                   responses={200: TRUE})
    def delete(self, request, identityId: str):  # noqa: N803
        picture_delete(identity=identity_or_404(self, identityId))
        return Response(True)
