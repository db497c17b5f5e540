"""The one exception handler of every API: any error becomes the surface's own error body.

Views may set `error_style` (a key of `config.api.errors.STYLES`) and `validation_status`
(400 by default; the additiv surfaces answer 422 for a body they cannot process). Exceptions may
carry `api_code` to name a surface-specific error code.
"""

from __future__ import annotations

import logging

from django.core import exceptions as django_exceptions
from django.db import DataError, IntegrityError
from django.http import Http404, HttpResponse
from rest_framework import exceptions as drf
from rest_framework.views import set_rollback

from config.api.errors import ApiError, additiv_code, render, style_for_path

log = logging.getLogger("tessera.api")


class ApiException(drf.APIException):
    """An error with an explicit status and code, raised by views for surface-specific cases."""

    def __init__(self, message: str, *, status: int = 400, code: str | None = None):
        super().__init__(detail=message)
        self.status_code = status
        self.api_code = code


def flatten(detail, prefix: str = "") -> list[str]:
    """DRF's nested error detail as `field: message` strings."""
    if isinstance(detail, dict):
        out = []
        for key, value in detail.items():
            name = key if key != "non_field_errors" else ""
            out += flatten(value, f"{prefix}.{name}" if prefix and name else (name or prefix))
        return out
    if isinstance(detail, list):
        out = []
        for index, value in enumerate(detail):
            nested = isinstance(value, (dict, list))
            out += flatten(value, f"{prefix}[{index}]" if nested else prefix)
        return out
    return [f"{prefix}: {detail}" if prefix else str(detail)]


def error_for(exc: Exception, view) -> ApiError | None:
    if isinstance(exc, (Http404, django_exceptions.ObjectDoesNotExist)):
        exc = drf.NotFound()
    elif isinstance(exc, django_exceptions.PermissionDenied):
        exc = drf.PermissionDenied()
    elif isinstance(exc, django_exceptions.ValidationError):
        exc = drf.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        )
    elif isinstance(exc, django_exceptions.RequestDataTooBig):
        return ApiError(413, additiv_code(413), "The request body is too large.")
    elif isinstance(exc, django_exceptions.SuspiciousOperation):
        return ApiError(400, additiv_code(400), "The request was refused as malformed.")
    elif isinstance(exc, DataError):
        # A value the database cannot store: a NUL character, an out-of-range number, …
        log.info("data error answered as 400: %s", exc)
        return ApiError(400, additiv_code(400), "The request holds a value that cannot be stored.")
    elif isinstance(exc, IntegrityError):
        log.warning("integrity error answered as 409: %s", exc)
        return ApiError(409, additiv_code(409), "The request conflicts with existing data.")

    if not isinstance(exc, drf.APIException):
        return None
    status = exc.status_code
    if isinstance(exc, drf.ValidationError):
        status = getattr(view, "validation_status", 400)
        message = "; ".join(flatten(exc.detail)) or "Invalid input."
    elif isinstance(exc, drf.ParseError):
        message = f"The request was not in the required format: {exc.detail}"
    else:
        message = str(exc.detail)
    code = getattr(exc, "api_code", None) or additiv_code(status)
    return ApiError(status, code, message)


def style_of(view, request) -> str:
    return getattr(view, "error_style", None) or style_for_path(request.path) or "problem"


def exception_handler(exc: Exception, context: dict) -> HttpResponse:
    view = context.get("view")
    request = context["request"]
    error = error_for(exc, view)
    if error is None:
        log.exception("unhandled error on %s %s", request.method, request.path)
        error = ApiError(500, additiv_code(500), "Internal server error.")
    response = render(error, style_of(view, request))
    if getattr(exc, "auth_header", None):
        response["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        response["Retry-After"] = str(int(exc.wait))
    if isinstance(exc, drf.MethodNotAllowed) and view is not None:
        response["Allow"] = ", ".join(view.allowed_methods)
    set_rollback()
    return response
