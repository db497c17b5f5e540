"""The error styles of Tessera's surfaces, defined once.

Each surface answers errors in its vendor's own shape. A style turns (status, code, message) into
a response body; `style_for_path` picks the style of a URL, so errors raised before any view runs
(an unknown path, an unhandled exception) still answer in the surface's shape.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from xml.sax.saxutils import escape as xml_escape

from django.http import HttpResponse

from audit import context as scope


@dataclass(frozen=True)
class ApiError:
    status: int
    code: str  # a short machine-readable code (the additiv `Code`, a problem `type` suffix, …)
    message: str
    extra: dict | None = None
    number: int | None = None  # the vendor's error number (CustomerID), when the error has one


def reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def additiv_code(status: int) -> str:
    """The additiv `Code` for a status: its reason phrase in PascalCase (e.g. `BadRequest`)."""
    return reason(status).title().replace(" ", "").replace("-", "")


def render_additiv(error: ApiError) -> HttpResponse:
    """Specs 002/003: `{"Code": "BadRequest", "Message": "…", "CorrelationId": "…"}`."""
    body = {"Code": error.code, "Message": error.message, "CorrelationId": scope.correlation_id()}
    if error.extra:
        body.update(error.extra)
    return _json(body, error.status, "application/json")


def render_problem(error: ApiError) -> HttpResponse:
    """RFC 9457 problem details, for surfaces whose vendor documents no error style."""
    body = {
        "type": "about:blank",
        "title": reason(error.status),
        "status": error.status,
        "detail": error.message,
        "code": error.code,
        "correlationId": scope.correlation_id(),
    }
    if error.extra:
        body.update(error.extra)
    return _json(body, error.status, "application/problem+json")


# CustomerID (spec 001) error numbers by HTTP status, for errors raised without an explicit
# number (authentication, method not allowed, parse errors, …), in the vendor's numbering; any
# other status (a crash) is 6, internal server error. The table is in docs/orgs.md.
CUSTOMERID_CODES = {
    400: "1", 401: "2", 403: "3", 404: "7", 405: "13", 409: "4", 413: "12", 415: "1",
    429: "2",  # locked out after failed authentication: an authentication failure
}
CUSTOMERID_INTERNAL_ERROR = "6"


def render_customerid(error: ApiError) -> HttpResponse:
    """Spec 001: `<error><code>N</code><message>…</message></error>` (application/xml)."""
    code = (error.number if error.number is not None
            else CUSTOMERID_CODES.get(error.status, CUSTOMERID_INTERNAL_ERROR))
    body = f"<error><code>{code}</code><message>{xml_escape(error.message)}</message></error>"
    return HttpResponse(body, status=error.status, content_type="application/xml")


def render_oneportal(error: ApiError) -> HttpResponse:
    """Spec 004: `{"errorMessage": "…", "statusCode": 403, "correlationId": "…"}`."""
    body = {
        "errorMessage": error.message,
        "statusCode": error.status,
        "correlationId": scope.correlation_id(),
    }
    return _json(body, error.status, "application/json")


SCIM_ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


def render_scim(error: ApiError) -> HttpResponse:
    """RFC 7644 §3.12: `{"schemas": [SCIM_ERROR], "status": "404", "detail": "…"}`, the
    status as a string, with `scimType` (in `extra`) where the RFC names one."""
    body = {"schemas": [SCIM_ERROR], "status": str(error.status), "detail": error.message}
    if error.extra:
        body.update(error.extra)
    return _json(body, error.status, "application/scim+json")


def _json(body: dict, status: int, content_type: str) -> HttpResponse:
    return HttpResponse(json.dumps(body), status=status, content_type=content_type)


STYLES: dict[str, Callable[[ApiError], HttpResponse]] = {
    "additiv": render_additiv,
    "problem": render_problem,
    "customerid": render_customerid,
    "oneportal": render_oneportal,
    "scim": render_scim,
}

# URL prefixes of the API surfaces and their error style; the first match wins.
API_PREFIXES: list[tuple[str, str]] = [
    ("/v1.0/", "additiv"),
    ("/v1.1/", "additiv"),
    ("/v2.0/", "additiv"),
    ("/api/rest/", "oneportal"),
    ("/api/", "problem"),
    ("/integrations/", "problem"),
    ("/eidm2/", "customerid"),
    ("/scim/", "scim"),
    ("/oauth/", "problem"),
    ("/connect/", "problem"),
    ("/apidoc/schema", "problem"),
    ("/healthz", "problem"),
]


def style_for_path(path: str) -> str | None:
    """The error style of an API path, or None for a page (admin, docs) that answers HTML."""
    for prefix, style in API_PREFIXES:
        if path.startswith(prefix):
            return style
    return None


def render(error: ApiError, style: str) -> HttpResponse:
    return STYLES[style](error)
