"""The SCIM surface's errors (RFC 7644 §3.12): every error a SCIM body, `status` a string,
`scimType` where the RFC names one, `application/scim+json`.

A request scim2-models refuses carries its own status and scimType; a domain error gets its
status from `foundation.api.exceptions` (as on every surface) and its scimType from the kind
here; errors before any view (an unknown path) answer the same body (`foundation.api.errors`,
style `scim`).
"""

from __future__ import annotations

from django.http import HttpResponse
from pydantic import ValidationError
from rest_framework import exceptions as drf
from rest_framework.views import set_rollback
from scim2_models import Error, SCIMException

from authorisations.queries.scim import FilterError
from core import errors as kinds
from foundation.api.errors import ApiError, additiv_code, render
from foundation.api.exceptions import error_for, log, lookup

# domain kinds → scimType (the nearest class along the kind's MRO)
SCIM_TYPES: dict[type, str] = {
    FilterError: "invalidFilter",
    kinds.InvalidInputError: "invalidValue",
    kinds.UnprocessableError: "invalidValue",
    kinds.ConflictError: "uniqueness",
}


def scim_error(exc: Exception, view) -> ApiError | None:
    """The status, scimType and detail of an exception, or None for an unexpected one."""
    if isinstance(exc, SCIMException):
        return _error(exc.status, exc.scim_type, exc.detail)
    if isinstance(exc, ValidationError):
        first = exc.errors()[0] if exc.errors() else {}
        error = Error.from_validation_error(first) if first else Error(status=400)
        return _error(int(error.status or 400), error.scim_type or "invalidValue",
                      error.detail or "The request is not a valid SCIM request.")
    if isinstance(exc, drf.ParseError):
        return _error(400, "invalidSyntax", f"The body is not valid JSON: {exc.detail}")
    error = error_for(exc, view)
    if error is None:
        return None
    scim_type = lookup(SCIM_TYPES, type(exc)) if isinstance(exc, kinds.DomainError) else None
    if isinstance(exc, drf.ValidationError):
        scim_type = "invalidValue"
    if error.status == 409 and scim_type is None:  # a unique constraint a race reached
        scim_type = "uniqueness"
    return _error(error.status, scim_type, error.message)


def _error(status: int, scim_type: str | None, detail: str) -> ApiError:
    return ApiError(status, additiv_code(status), detail,
                    extra={"scimType": scim_type} if scim_type else None)


def exception_handler(exc: Exception, context: dict) -> HttpResponse:
    view, request = context.get("view"), context["request"]
    error = scim_error(exc, view)
    if error is None:
        log.exception("unhandled error on %s %s", request.method, request.path)
        error = ApiError(500, additiv_code(500), "Internal server error.")
    response = render(error, "scim")
    if getattr(exc, "auth_header", None):
        response["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        response["Retry-After"] = str(int(exc.wait))
    if isinstance(exc, drf.MethodNotAllowed) and view is not None:
        response["Allow"] = ", ".join(view.allowed_methods)
    set_rollback()
    return response
