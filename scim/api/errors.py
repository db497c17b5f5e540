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
from scim2_models import Error, SCIMException

from authorisations.queries.scim import FilterError
from core import errors as kinds
from foundation.api.errors import ApiError, additiv_code
from foundation.api.exceptions import error_for, lookup, respond

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
    return respond(exc, context, scim_error(exc, context.get("view")), "scim")
