"""The one exception handler of every API: any error becomes the surface's own error body.

Views may set `error_style` (a key of `foundation.api.errors.STYLES`) and `validation_status`
(400 by default; the additiv surfaces answer 422 for a body they cannot process), and
`error_numbers` (a table of error kinds to the vendor's error numbers: CustomerID's
`orgs.api.codes.NUMBERS`). The services' domain errors (`core.errors.DomainError`: every app's
refusals) carry only their kind and message; they are mapped here and nowhere else: the kind to
its HTTP status (`STATUSES`, for every surface) and, where a surface numbers its errors, to its
vendor number (the view's `error_numbers`), both found along the kind's MRO.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TypeVar

from django.core import exceptions as django_exceptions
from django.db import DataError, IntegrityError
from django.http import Http404, HttpResponse
from rest_framework import exceptions as drf
from rest_framework.views import set_rollback

from core import errors as kinds
from foundation.api.errors import ApiError, additiv_code, render, style_for_path

log = logging.getLogger("tessera.api")


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


T = TypeVar("T")

# The HTTP status of each generic kind; an app's kind specialises one of them (orgs.errors).
STATUSES: dict[type[kinds.DomainError], int] = {
    kinds.DomainError: 400,
    kinds.InvalidInputError: 400,
    kinds.NotFoundError: 404,
    kinds.ForbiddenError: 403,
    kinds.ConflictError: 409,
    kinds.UnprocessableError: 422,
    kinds.PreconditionFailedError: 412,
}


def lookup(table: Mapping[type, T], kind: type) -> T | None:
    """The entry of the nearest class along the kind's MRO that the table names, or None."""
    return next((table[cls] for cls in kind.__mro__ if cls in table), None)


def status_of(kind: type[kinds.DomainError]) -> int:
    status = lookup(STATUSES, kind)
    assert status is not None  # DomainError is in the table
    return status


def error_for(exc: Exception, view) -> ApiError | None:
    if isinstance(exc, kinds.DomainError):
        status = status_of(type(exc))
        number = lookup(getattr(view, "error_numbers", None) or {}, type(exc))
        return ApiError(status, additiv_code(status), exc.message, number=number)
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
    return ApiError(status, additiv_code(status), message)


def style_of(view, request) -> str:
    return getattr(view, "error_style", None) or style_for_path(request.path) or "problem"


def exception_handler(exc: Exception, context: dict) -> HttpResponse:
    view = context.get("view")
    return respond(exc, context, error_for(exc, view), style_of(view, context["request"]))


def respond(exc: Exception, context: dict, error: ApiError | None, style: str) -> HttpResponse:
    """The answer to `exc` as `error` in `style` (a 500 when None), with the headers the
    exception asks for, the request's transaction rolled back: every surface's handler ends
    here."""
    view = context.get("view")
    request = context["request"]
    if error is None:
        log.exception("unhandled error on %s %s", request.method, request.path)
        error = ApiError(500, additiv_code(500), "Internal server error.")
    response = render(error, style)
    if getattr(exc, "auth_header", None):
        response["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        response["Retry-After"] = str(int(exc.wait))
    if isinstance(exc, drf.MethodNotAllowed) and view is not None:
        response["Allow"] = ", ".join(view.allowed_methods)
    set_rollback()
    return response
