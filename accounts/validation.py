"""The shapes of the Ainua PATCH bodies, checked without the database (the API's and the
import's one check). A refusal is a ValidationError naming the entry's key and field; the
patterns are the ones the OpenAPI schema publishes (`accounts.api.schema`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

from accounts.models import MAX_COMMON_ID, MAX_EXTERNAL_ID, MAX_NAME
from core.patterns import SPACE, matches

MAX_ENTRIES = 10_000  # entries of a map, ids of a users list
MAX_PERSON_NAME = 150  # an identity's first and last name (Django's user model)
MAX_EMAIL = 254


def trimmed_text(max_length: int) -> str:
    """Text that is 1..max_length characters once trimmed (str.strip), without NUL."""
    inner = max_length - 2
    return (rf"^[{SPACE}]*[^\x00{SPACE}]([^\x00]{{0,{inner}}}[^\x00{SPACE}])?[{SPACE}]*$")


COMMON_ID = trimmed_text(MAX_COMMON_ID)
NAME = trimmed_text(MAX_NAME)
EXTERNAL_ID = rf"^[^\x00]{{1,{MAX_EXTERNAL_ID}}}$"
TEXT = r"^[^\x00]*$"

ACCOUNT_KEYS = frozenset({"name", "id"})
USER_KEYS = {"email": "email", "name": "name", "firstName": "first_name",
             "lastName": "last_name"}


class AccountEntry(NamedTuple):
    """An entry of PATCH accounts: the name and the common id (None: an account of its own)."""

    name: str
    common_id: str | None


class UserEntry(NamedTuple):
    """An entry of PATCH users."""

    email: str
    name: str
    first_name: str
    last_name: str


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}.get(
        type(value), "a number")


def _key_of(key: str) -> str:
    """A key as an error message names it (shortened)."""
    return key if len(key) <= 80 else key[:77] + "..."


def unicode_check(value: str, where: str) -> None:
    """Text a database can store: JSON may carry a lone UTF-16 surrogate (`"\\ud800"`),
    which no UTF-8 column holds."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError({where: ["Not valid Unicode (a lone surrogate)."]}) from None


def external_id_check(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise ValidationError({where: [f"Expected a string, got {_describe(value)}."]})
    if not matches(EXTERNAL_ID, value):
        raise ValidationError({where: [
            f"An external id is 1 to {MAX_EXTERNAL_ID} characters without NUL."]})
    unicode_check(value, where)
    return value


def _map(body: Any, noun: str) -> Mapping[str, Any]:
    if not isinstance(body, dict):
        raise ValidationError({"body": [f"Expected an object of {noun} by external id, got "
                                        f"{_describe(body)}."]})
    if len(body) > MAX_ENTRIES:
        raise ValidationError({"body": [f"At most {MAX_ENTRIES} entries a request."]})
    for key in body:
        external_id_check(key, _key_of(key))
    return body


def _text(entry: dict, key: str, field: str, pattern: str, *, required: bool,
          max_length: int) -> str | None:
    if field not in entry:
        if required:
            raise ValidationError({f"{_key_of(key)}.{field}": ["This field is required."]})
        return None
    value = entry[field]
    where = f"{_key_of(key)}.{field}"
    if not isinstance(value, str):
        raise ValidationError({where: [f"Expected a string, got {_describe(value)}."]})
    if not matches(pattern, value) or (pattern == TEXT and len(value) > max_length):
        raise ValidationError({where: [
            f"Expected text of 1 to {max_length} characters (trimmed), without NUL."
            if pattern != TEXT else
            f"Expected text of at most {max_length} characters, without NUL."]})
    unicode_check(value, where)
    return value.strip()


def _entry_object(key: str, entry: Any, allowed) -> dict | None:
    if entry is None:
        return None
    if not isinstance(entry, dict):
        raise ValidationError({_key_of(key): [
            f"Expected an object or null, got {_describe(entry)}."]})
    unknown = sorted(set(entry) - set(allowed))
    if unknown:
        raise ValidationError({_key_of(key): [
            "Unknown field(s): " + ", ".join(name[:40] for name in unknown[:5])
            + f"; expected {', '.join(allowed)}."]})
    return entry


def accounts_clean(body: Any) -> dict[str, AccountEntry | None]:
    """PATCH accounts: `{"<external id>": {"name": str, "id": str?} | null}`."""
    cleaned: dict[str, AccountEntry | None] = {}
    for key, raw in _map(body, "accounts").items():
        entry = _entry_object(key, raw, ("name", "id"))
        if entry is None:
            cleaned[key] = None
            continue
        name = _text(entry, key, "name", NAME, required=True, max_length=MAX_NAME)
        common_id = None
        if entry.get("id") is not None:
            common_id = _text(entry, key, "id", COMMON_ID, required=True,
                              max_length=MAX_COMMON_ID)
        cleaned[key] = AccountEntry(name, common_id)
    return cleaned


def user_ids_clean(body: Any) -> list[str]:
    """PATCH accounts/{id}/users: an array of user external ids (duplicates collapse)."""
    if not isinstance(body, list):
        raise ValidationError({"body": [
            f"Expected an array of user external ids, got {_describe(body)}."]})
    if len(body) > MAX_ENTRIES:
        raise ValidationError({"body": [f"At most {MAX_ENTRIES} user ids a request."]})
    for index, value in enumerate(body):
        external_id_check(value, f"[{index}]")
    return list(dict.fromkeys(body))


_EMAIL = EmailValidator(message="Enter a valid email address.")


def email_check(value: str, where: str) -> str:
    if len(value) > MAX_EMAIL or "\x00" in value:
        raise ValidationError({where: [f"An email address is at most {MAX_EMAIL} characters."]})
    unicode_check(value, where)
    try:
        _EMAIL(value)
    except ValidationError:
        raise ValidationError({where: ["Enter a valid email address."]}) from None
    return value


def users_clean(body: Any) -> dict[str, UserEntry | None]:
    """PATCH users: `{"<external user id>": {"email": str, "name"?, "firstName"?,
    "lastName"?} | null}`."""
    cleaned: dict[str, UserEntry | None] = {}
    for key, raw in _map(body, "users").items():
        entry = _entry_object(key, raw, tuple(USER_KEYS))
        if entry is None:
            cleaned[key] = None
            continue
        email = entry.get("email")
        where = f"{_key_of(key)}.email"
        if "email" not in entry:
            raise ValidationError({where: ["This field is required."]})
        if not isinstance(email, str):
            raise ValidationError({where: [f"Expected a string, got {_describe(email)}."]})
        email_check(email, where)
        name = _text(entry, key, "name", TEXT, required=False, max_length=MAX_NAME) or ""
        first = _text(entry, key, "firstName", TEXT, required=False,
                      max_length=MAX_PERSON_NAME) or ""
        last = _text(entry, key, "lastName", TEXT, required=False,
                     max_length=MAX_PERSON_NAME) or ""
        cleaned[key] = UserEntry(email, name, first, last)
    return cleaned
