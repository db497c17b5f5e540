"""The OpenAPI shapes of the SCIM service, written as JSON Schema by hand. The full description
of each resource is what the service itself publishes at /Schemas (RFC 7643 §7); these say
enough for a client generator and for schemathesis."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse

from scim.resources import (
    DEFAULT_COUNT,
    ENTERPRISE_SCHEMA,
    LIST_SCHEMA,
    MAX_RESULTS,
    MEDIA_TYPE,
    USER_SCHEMA,
)

MEDIA_TYPES = (MEDIA_TYPE, "application/json")
TEXT = {"type": "string"}
URNS = {"type": "array", "items": TEXT, "minItems": 1}
ENTRIES = {"type": "array", "items": {"type": "object", "properties": {
    "value": TEXT, "type": TEXT, "primary": {"type": "boolean"}, "display": TEXT}}}
META = {"type": "object", "readOnly": True, "properties": {
    "resourceType": TEXT, "created": {"type": "string", "format": "date-time"},
    "lastModified": {"type": "string", "format": "date-time"}, "location": TEXT,
    "version": {"type": "string", "description": "The weak entity tag, also the ETag header."},
}}
USER_PROPERTIES = {
    "schemas": URNS,
    "id": {"type": "string", "format": "uuid", "readOnly": True,
           "description": "The person's identity id, also the CustomerID user's name."},
    "externalId": TEXT,
    "userName": {"type": "string", "description": "The CustomerID uid (the identity's "
                 "username): unique, no whitespace, at most 150 characters."},
    "name": {"type": "object", "properties": {key: TEXT for key in (
        "formatted", "familyName", "givenName", "middleName", "honorificPrefix",
        "honorificSuffix")}},
    "displayName": TEXT,
    "active": {"type": "boolean", "description": "CustomerID status enabled (true) or "
               "disabled (false): sign-in."},
    "password": {"type": "string", "writeOnly": True},
    "emails": ENTRIES,
    "phoneNumbers": ENTRIES,
    "locale": TEXT,
    ENTERPRISE_SCHEMA: {"type": "object", "additionalProperties": True},
    "meta": META,
}
USER = {"type": "object", "properties": USER_PROPERTIES, "additionalProperties": True,
        "description": f"A SCIM User ({USER_SCHEMA}, the Enterprise User extension, every "
                       "other core attribute as /Schemas describes it)."}
USER_BODY = {**USER, "required": ["schemas", "userName"]}
DOCUMENT = {"type": "object", "additionalProperties": True,
            "properties": {"schemas": URNS, "meta": META}}


def list_of(item: dict) -> dict:
    return {"type": "object", "required": ["schemas", "totalResults", "Resources"],
            "properties": {"schemas": {"type": "array", "items": {
                "type": "string", "enum": [LIST_SCHEMA]}},
                "totalResults": {"type": "integer", "minimum": 0},
                "itemsPerPage": {"type": "integer", "minimum": 0},
                "startIndex": {"type": "integer", "minimum": 1},
                "Resources": {"type": "array", "items": item}}}


PATCH_BODY = {"type": "object", "required": ["schemas", "Operations"], "properties": {
    "schemas": URNS,
    "Operations": {"type": "array", "minItems": 1, "items": {
        "type": "object", "required": ["op"], "properties": {
            "op": {"type": "string", "description": "add, replace or remove (any case)."},
            "path": TEXT, "value": {}}}},
}}
SEARCH_BODY = {"type": "object", "properties": {
    "schemas": URNS, "filter": TEXT, "sortBy": TEXT,
    "sortOrder": {"type": "string", "enum": ["ascending", "descending"]},
    "startIndex": {"type": "integer"}, "count": {"type": "integer"},
    "attributes": {"type": "array", "items": TEXT},
    "excludedAttributes": {"type": "array", "items": TEXT},
}}


def bodies(schema: dict) -> dict:
    return {media: schema for media in MEDIA_TYPES}


def document(description: str) -> dict:
    return {200: OpenApiResponse(DOCUMENT, description=description)}


def listed(description: str) -> dict:
    return {200: OpenApiResponse(list_of(DOCUMENT), description=description)}


USER_ANSWER = OpenApiResponse(USER, description="The user (its version also in the ETag header).")
USER_LIST = OpenApiResponse(list_of(USER), description="A page of the organization's users.")

SELECTION = [
    OpenApiParameter("attributes", str, description="Only these attributes (comma-separated; "
                     "id and schemas are always answered)."),
    OpenApiParameter("excludedAttributes", str, description="All but these attributes "
                     "(comma-separated)."),
]
LIST_PARAMETERS = [
    OpenApiParameter("filter", str, description="An RFC 7644 §3.4.2.2 filter over userName, "
                     "name.givenName, name.familyName, emails(.value, .type), phoneNumbers, "
                     "locale, active, externalId, id, meta.created, meta.lastModified."),
    OpenApiParameter("startIndex", {"type": "integer"}, description="1-based (below 1: 1)."),
    OpenApiParameter("count", {"type": "integer"}, description=(
        f"At most this many (default {DEFAULT_COUNT}, at most {MAX_RESULTS}; below 0: 0).")),
    OpenApiParameter("sortBy", str, description="userName, name.givenName, name.familyName, "
                     "emails, externalId, id, meta.created, meta.lastModified, …"),
    OpenApiParameter("sortOrder", {"type": "string", "enum": ["ascending", "descending"]}),
    *SELECTION,
]
IF_MATCH = OpenApiParameter(
    "If-Match", str, OpenApiParameter.HEADER,
    description="Only if the user's version (its ETag) is still this one; else 412.")
IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match", str, OpenApiParameter.HEADER,
    description="304 with no body when the user's version is still this one.")
USER_ID = OpenApiParameter("user_id", str, OpenApiParameter.PATH,
                           description="The user's id (its identity's UUID).")

CREATE_EXAMPLE = OpenApiExample("A user from an identity provider", request_only=True, value={
    "schemas": [USER_SCHEMA, ENTERPRISE_SCHEMA], "userName": "anna@example.com",
    "externalId": "7f6f1d0e", "name": {"givenName": "Anna", "familyName": "Example"},
    "emails": [{"value": "anna@example.com", "type": "work", "primary": True}],
    "active": True, ENTERPRISE_SCHEMA: {"department": "Sales"}})
PATCH_EXAMPLE = OpenApiExample("Microsoft Entra ID switches a user off", request_only=True,
                               value={"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                                      "Operations": [{"op": "Replace", "path": "active",
                                                      "value": "False"}]})
CONFLICT = OpenApiResponse(description="userName is another user's (scimType uniqueness).")
PRECONDITION_FAILED = OpenApiResponse(description="If-Match names another version.")
NOT_MODIFIED = OpenApiResponse(description="If-None-Match names the current version.")
