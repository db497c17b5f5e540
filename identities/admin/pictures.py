"""Profile picture thumbnails in the identity admin (issue 13 item 10): a column of the
changelist and a field of the change page, served by an admin-only view.

The page carries `<img>` tags whose URL names the picture's digest (so a replaced picture is
not served stale from the browser's cache); the changelist learns which identities have a
picture from a subquery of its own query, so it runs no query per row and never loads the
bytes. The view answers the picture's PNG thumbnail, made once when the picture was set and
stored with it (identities.services.pictures.picture_thumbnail): never the uploaded bytes, so a
changelist of 100 identities stays small whatever was uploaded, and nothing is decoded on a
view. Decisions: docs/identities.md ("Profile pictures")."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpResponse
from django.urls import path, reverse
from django.utils.html import format_html

from identities.models import ProfilePicture
from identities.services.pictures import picture_thumbnail


class PictureThumbnailMixin:
    """For the Identity ModelAdmin: `picture` (list column) and `picture_large` (change page
    field), and the view `admin:identities_identity_picture`."""

    def get_queryset(self, request):
        digest = ProfilePicture.objects.filter(identity=OuterRef("pk")).values("sha256")[:1]
        return super().get_queryset(request).annotate(picture_sha256=Subquery(digest))

    def get_urls(self):
        view = self.admin_site.admin_view(self.picture_view)
        return [path("<path:object_id>/picture/", view, name="identities_identity_picture"),
                *super().get_urls()]

    def picture_view(self, request, object_id: str):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        try:
            content = picture_thumbnail(self.model._meta.pk.to_python(object_id))
        except ValidationError as error:  # not a UUID
            raise Http404 from error
        if content is None:
            raise Http404("No picture.")
        response = HttpResponse(content, content_type="image/png")
        response["Cache-Control"] = "private, max-age=86400"  # the URL names the digest
        response["X-Content-Type-Options"] = "nosniff"
        return response

    def _img(self, obj, pixels: int):
        digest = getattr(obj, "picture_sha256", None)
        if not digest:
            return "—"
        url = reverse(f"{self.admin_site.name}:identities_identity_picture", args=[obj.pk])
        # no style attribute: the CSP allows no inline style (the height follows the width)
        return format_html('<img src="{}?v={}" width="{}" alt="picture of {}" loading="lazy">',
                           url, digest[:16], pixels, obj.username)

    def picture(self, obj):
        return self._img(obj, 40)

    picture.short_description = "picture"

    def picture_large(self, obj):
        return self._img(obj, 160)

    picture_large.short_description = "picture"
