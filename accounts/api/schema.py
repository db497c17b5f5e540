"""The OpenAPI shapes of the Ainua PATCH maps: free-form keys (external ids), so written as
JSON Schema by hand, from the patterns the server checks (`accounts.validation`)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse

from accounts.models import MAX_COMMON_ID, MAX_EXTERNAL_ID, MAX_NAME
from accounts.validation import (
    COMMON_ID,
    EXTERNAL_ID,
    MAX_EMAIL,
    MAX_ENTRIES,
    MAX_PERSON_NAME,
    NAME,
    TEXT,
)

KEYS = (f"Keys are the connector's external ids: 1 to {MAX_EXTERNAL_ID} characters without "
        "NUL (OpenAPI 3.0 cannot state a rule on keys).")
TAG = "Ainua Accounts API"

ACCOUNT_ENTRY = {
    "type": "object",
    "nullable": True,
    "description": "The account, or null to remove this connector's binding of it.",
    "properties": {
        "name": {"type": "string", "pattern": NAME, "description":
                 f"The account's name: 1 to {MAX_NAME} characters once trimmed."},
        "id": {"type": "string", "nullable": True, "pattern": COMMON_ID, "description":
               "The common id (typically the company registration id; free text, trimmed, "
               f"1 to {MAX_COMMON_ID} characters): accounts with the same one are merged. "
               "Absent or null: an account of its own."},
    },
    "required": ["name"],
    "additionalProperties": False,
}
ACCOUNTS_BODY = {
    "type": "object",
    "description": "Accounts by the connector's external account id. " + KEYS,
    "additionalProperties": ACCOUNT_ENTRY,
    "maxProperties": MAX_ENTRIES,
}
USERS_LIST_BODY = {
    "type": "array",
    "description": "The complete set of this connector's users of the account, by user "
                   "external id (replaces the connector's list; [] clears; duplicates "
                   "collapse).",
    "items": {"type": "string", "pattern": EXTERNAL_ID, "maxLength": MAX_EXTERNAL_ID,
              "minLength": 1},
    "maxItems": MAX_ENTRIES,
}
USER_ENTRY = {
    "type": "object",
    "nullable": True,
    "description": "The user, or null to remove this connector's user (its bindings wait, "
                   "pending, until it is named again).",
    "properties": {
        "email": {"type": "string", "format": "email", "maxLength": MAX_EMAIL,
                  "description": "Users of every connector with the same email (in any "
                                 "case) are one identity."},
        "name": {"type": "string", "pattern": TEXT, "maxLength": MAX_NAME},
        "firstName": {"type": "string", "pattern": TEXT, "maxLength": MAX_PERSON_NAME},
        "lastName": {"type": "string", "pattern": TEXT, "maxLength": MAX_PERSON_NAME},
    },
    "required": ["email"],
    "additionalProperties": False,
}
USERS_BODY = {
    "type": "object",
    "description": "Users by the connector's external user id. " + KEYS,
    "additionalProperties": USER_ENTRY,
    "maxProperties": MAX_ENTRIES,
}
SUMMARY = {
    "type": "object",
    "description": "What the call did, counted by entry (the vendor answers 200 with no "
                   "body; clients ignore it).",
    "properties": {name: {"type": "integer", "minimum": 0}
                   for name in ("created", "updated", "removed", "unchanged")},
    "required": ["created", "updated", "removed", "unchanged"],
}
OK = OpenApiResponse(SUMMARY, description="Applied (or nothing to change).")
ACCOUNT_ID = OpenApiParameter(
    "account_id", {"type": "string", "pattern": EXTERNAL_ID, "maxLength": MAX_EXTERNAL_ID},
    OpenApiParameter.PATH,
    description="The account's common id, or, for an account without one, this connector's "
                "external account id.")

ACCOUNTS_EXAMPLE = OpenApiExample("The spec's example",
                                  value={"account_123": {"name": "Acme Ltd.", "id": "123456-8"}},
                                  request_only=True)
USERS_LIST_EXAMPLE = OpenApiExample("The spec's example", value=["user_001", "user_002"],
                                    request_only=True)
USERS_EXAMPLE = OpenApiExample("Two users", value={
    "user_001": {"email": "anna@example.com", "name": "Anna Example"}, "user_003": None},
    request_only=True)
