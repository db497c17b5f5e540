"""Project-level views: the landing page, health, and JSON errors for API paths that no view
handles."""

from __future__ import annotations

import logging

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render as render_page
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe
from django.views.defaults import page_not_found, server_error
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.permissions import AllowAny

from foundation.api.errors import ApiError, additiv_code, render, style_for_path

log = logging.getLogger("tessera")


@require_safe
def landing(request: HttpRequest) -> HttpResponse:
    """`/`: where to go from here (the console, the API docs, health), not a 404."""
    return render_page(request, "landing.html")


# four tiles of a mosaic in the admin's colours: browsers ask every site for /favicon.ico,
# and a 404 there is a console error on the first page of every visit
FAVICON = (b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">'
           b'<rect width="7" height="7" fill="#417690"/><rect x="9" width="7" height="7" '
           b'fill="#79aec8"/><rect y="9" width="7" height="7" fill="#79aec8"/>'
           b'<rect x="9" y="9" width="7" height="7" fill="#f5dd5d"/></svg>')


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """`/favicon.ico`: a small SVG (browsers take it whatever the name says)."""
    return HttpResponse(FAVICON, content_type="image/svg+xml",
                        headers={"Cache-Control": "public, max-age=86400"})


@extend_schema(
    tags=["Tessera"],
    summary="Health of the service and its database",
    responses={
        200: inline_serializer(
            "Health",
            {"status": serializers.CharField(), "database": serializers.CharField()},
        ),
        503: inline_serializer(
            "HealthDown",
            {"status": serializers.CharField(), "database": serializers.CharField()},
        ),
    },
)
@api_view(["GET"])
@authentication_classes([])
@permission_classes([AllowAny])
def healthz(request) -> HttpResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any failure of the database means "down"
        log.exception("health check: the database does not answer")
        return JsonResponse({"status": "unavailable", "database": "error"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@csrf_exempt  # it changes nothing; a CSRF check would answer an unsafe method Django's 403 page
def api_not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """The catch-all of API prefixes: a 404 in the surface's style, even with DEBUG on."""
    style = style_for_path(request.path) or "problem"
    return render(ApiError(404, additiv_code(404), f"No resource at {request.path}."), style)


def handler404(request: HttpRequest, exception: Exception) -> HttpResponse:
    if style_for_path(request.path):
        return api_not_found(request)
    return page_not_found(request, exception)


def handler500(request: HttpRequest) -> HttpResponse:
    style = style_for_path(request.path)
    if style:
        return render(ApiError(500, additiv_code(500), "Internal server error."), style)
    return server_error(request)
