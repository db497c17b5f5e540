"""OpenAPI post-processing: every operation documents its surface's error responses; query
parameters whose empty value means their default say so; bodies given as raw JSON schemas that
the server requires say so."""

from __future__ import annotations

from foundation.api.errors import reason, style_for_path

# style -> (component name, media type, JSON schema of the error body)
ERROR_SCHEMAS: dict[str, tuple[str, str, dict]] = {
    "additiv": (
        "AdditivError",
        "application/json",
        {
            "type": "object",
            "properties": {
                "Code": {"type": "string", "example": "BadRequest"},
                "Message": {"type": "string"},
                "CorrelationId": {"type": "string"},
            },
            "required": ["Code", "Message", "CorrelationId"],
        },
    ),
    "problem": (
        "Problem",
        "application/problem+json",
        {
            "type": "object",
            "description": "RFC 9457 problem details.",
            "properties": {
                "type": {"type": "string"},
                "title": {"type": "string"},
                "status": {"type": "integer"},
                "detail": {"type": "string"},
                "code": {"type": "string"},
                "correlationId": {"type": "string"},
            },
            "required": ["title", "status", "detail"],
        },
    ),
    "customerid": (
        "CustomerIdError",
        "application/xml",
        {
            "type": "object",
            "description": "CustomerID error: <error><code>N</code><message>…</message></error>.",
            "xml": {"name": "error"},
            "properties": {
                "code": {"type": "integer", "example": 7},
                "message": {"type": "string"},
            },
            "required": ["code", "message"],
        },
    ),
    "oneportal": (
        "OnePortalError",
        "application/json",
        {
            "type": "object",
            "properties": {
                "errorMessage": {
                    "type": "string",
                    "example": "Client does not have required permission AUTHORISATION_VIEW.",
                },
                "statusCode": {"type": "integer", "example": 403},
                "correlationId": {"type": "string"},
            },
            "required": ["errorMessage", "statusCode", "correlationId"],
        },
    ),
    "scim": (
        "ScimError",
        "application/scim+json",
        {
            "type": "object",
            "description": "RFC 7644 §3.12 error.",
            "properties": {
                "schemas": {"type": "array", "items": {
                    "type": "string", "enum": ["urn:ietf:params:scim:api:messages:2.0:Error"]}},
                "status": {"type": "string", "example": "404",
                           "description": "The HTTP status, as a string."},
                "scimType": {"type": "string", "example": "invalidFilter"},
                "detail": {"type": "string"},
            },
            "required": ["schemas", "status", "detail"],
        },
    ),
}

# Errors any operation of a style may answer, besides its own documented ones.
ERROR_STATUSES: dict[str, tuple[int, ...]] = {
    "additiv": (400, 401, 403, 404, 422, 500),
}
DEFAULT_STATUSES = (400, 401, 403, 404, 500)

# Every operation that authenticates may answer 429 while its caller is locked out after
# failed authentication (foundation.api.lockout), with the seconds to wait in Retry-After.
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait: until the lockout ends, or the slowed client's next turn.",
        "schema": {"type": "integer", "minimum": 1},
    }
}
BODY_TOO_LARGE = "The request body is larger than DATA_UPLOAD_MAX_MEMORY_SIZE (5 MiB by default)."
TOO_MANY_ATTEMPTS = ("Too many failed authentication attempts: locked out, or slowed (see "
                     "Retry-After).")


def authenticates(operation: dict) -> bool:
    return any(requirement for requirement in operation.get("security", [{}]))


def add_error_responses(result: dict, generator, request, public) -> dict:
    components = result.setdefault("components", {}).setdefault("schemas", {})
    for path, operations in result.get("paths", {}).items():
        style = style_for_path(path) or "problem"
        name, media_type, schema = ERROR_SCHEMAS[style]
        components.setdefault(name, schema)
        ref = {"$ref": f"#/components/schemas/{name}"}
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            for status in ERROR_STATUSES.get(style, DEFAULT_STATUSES):
                responses.setdefault(str(status), {"description": reason(int(status))})
            if "requestBody" in operation:  # foundation.api.body_limit
                responses.setdefault("413", {"description": BODY_TOO_LARGE})
            if authenticates(operation):
                responses.setdefault("429", {"description": TOO_MANY_ATTEMPTS,
                                             "headers": RETRY_AFTER})
            # Every error response, also one a view declared by description only, has the
            # surface's error body.
            for status, response in responses.items():
                if status[0] in "45" and not response.get("content"):
                    response["content"] = {media_type: {"schema": ref}}
    return result


CONSISTENCY = "Tessera-Consistency"
CONSISTENCY_READ = {
    "name": CONSISTENCY, "in": "header", "required": False, "schema": {"type": "string"},
    "description": ("A token a write answered: the read is served from a copy that has that "
                    "write, or from the primary (docs/deployment.md, \"Read-your-writes\")."),
}
CONSISTENCY_WRITTEN = {CONSISTENCY: {
    "schema": {"type": "string"},
    "description": ("Where a read replica serves reads: an opaque token of this write's "
                    "position; send it back on a read that must see the write."),
}}


def add_consistency_headers(result: dict, generator, request, public) -> dict:
    """The read-your-writes token (foundation.consistency) on every authenticated operation:
    a read may send it, a successful write answers it."""
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or not authenticates(operation):
                continue
            if method == "get":
                operation.setdefault("parameters", []).append(dict(CONSISTENCY_READ))
            elif method in {"post", "put", "patch", "delete"}:
                for status, response in operation.get("responses", {}).items():
                    if status.startswith("2"):
                        response.setdefault("headers", {}).update(CONSISTENCY_WRITTEN)
    return result


# An OpenApiParameter cannot say `allowEmptyValue`; `extensions=EMPTY_IS_DEFAULT` marks one.
EMPTY_IS_DEFAULT = {"x-empty-is-default": True}


def allow_empty_values(result: dict, generator, request, public) -> dict:
    """`allowEmptyValue: true` on the query parameters marked EMPTY_IS_DEFAULT (`?asOf=` is
    the same as no asOf)."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                if parameter.pop("x-empty-is-default", False) and parameter["in"] == "query":
                    parameter["allowEmptyValue"] = True
    return result


# drf-spectacular publishes a request body given as a raw JSON schema (a bare array of ids) as
# optional; `**REQUIRED_BODY` in that schema marks a body the server requires.
REQUIRED_BODY = {"x-required-body": True}


def require_marked_bodies(result: dict, generator, request, public) -> dict:
    """`requestBody.required: true` where a media type's schema carries REQUIRED_BODY (the
    marker is left out of a copy: the schema dict may be shared between operations)."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            body = operation.get("requestBody") if isinstance(operation, dict) else None
            for media in (body or {}).get("content", {}).values():
                schema = media.get("schema")
                if isinstance(schema, dict) and schema.get("x-required-body"):
                    media["schema"] = {key: value for key, value in schema.items()
                                       if key != "x-required-body"}
                    body["required"] = True
    return result
