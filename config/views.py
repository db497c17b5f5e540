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

from config.api.errors import ApiError, additiv_code, render, style_for_path

log = logging.getLogger("tessera")


@require_safe
def landing(request: HttpRequest) -> HttpResponse:
    """`/`: where to go from here (the console, the API docs, health), not a 404."""
    return render_page(request, "landing.html")


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
