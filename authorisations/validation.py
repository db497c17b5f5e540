"""The shape of an authorisation as clients send it, checked once for the API and the import.

`clean_authorisation` takes the JSON-like body (`nsCode`, `authType`, `authSource`, `subject`,
`object`, `validFrom`, `validTo`) and answers the cleaned values under model-ish keys, or raises
`ValidationError` with one message list per wire field. References (types, sources, identities)
are checked by the services, in one query per batch.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from authorisations.models import ObjectType, SubjectType
from core.patterns import INSTANT_EDGES, UUID, matches

WRITABLE = ("nsCode", "authType", "authSource", "subject", "object", "validFrom", "validTo",
            "author")
# Keys a client may send back unchanged from a read; they are ignored, never written.
READ_ONLY = ("id", "revoked", "revokedAt", "revocationDetails", "active", "created", "modified",
             "creator", "createdAt", "meta")
PARTY_MAX = 255
INSTANT = ("An ISO 8601 date-time: with an offset (RFC 3339) or, without one, UTC; within the "
           "years 0001-9999 wherever its offset puts it.")
SUBJECT_TYPES = frozenset(SubjectType.values)
OBJECT_TYPES = frozenset(ObjectType.values)


def clean_authorisation(data: Any, *, partial: bool = False) -> dict[str, Any]:
    if not isinstance(data, Mapping):
        raise ValidationError({"body": ["Expected a JSON object."]})
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    for key in data:
        if key not in KNOWN:
            errors[str(key)] = ["Unknown field."]
    # Straight-line over a fixed table (no closures per call): the import runs this per row.
    for key, target, check, arg, required in FIELDS:
        if key in data:
            try:
                out[target] = check(data[key], arg)
            except ValueError as error:
                errors[key] = [str(error)]
        elif required and not partial:
            errors[key] = ["This field is required."]
    if errors:
        raise ValidationError(errors)
    for name in ("subject", "object"):
        if name in out:
            out[f"{name}_type"], out[f"{name}_value"] = out.pop(name)
    window_check(out.get("valid_from"), out.get("valid_to"))
    return out


def window_check(valid_from: datetime | None, valid_to: datetime | None) -> None:
    if valid_from is not None and valid_to is not None and valid_to <= valid_from:
        raise ValidationError({"validTo": ["validTo must be later than validFrom."]})


def text(value: Any, max_length: int, *, nullable: bool = False) -> str | None:
    if value is None and nullable:
        return None
    if not isinstance(value, str):
        raise ValueError("Expected a string.")
    if not value.strip():
        raise ValueError("This field may not be blank.")
    if len(value) > max_length:
        raise ValueError(f"Ensure this field has no more than {max_length} characters.")
    if "\x00" in value:
        raise ValueError("Null characters are not allowed.")
    return value


def party(value: Any, types: frozenset[str]) -> tuple[str, str]:
    """A subject or object: `{"type": …, "value": …}`; a `user` value is an identity UUID."""
    if not isinstance(value, Mapping):
        raise ValueError('Expected an object {"type": …, "value": …}.')
    if len(value) > 2 or any(key not in PARTY_KEYS for key in value):
        unknown = sorted(set(value) - PARTY_KEYS)
        if unknown:
            raise ValueError(f"Unknown field {unknown[0]}.")
    if "type" not in value or "value" not in value:
        raise ValueError("Both type and value are required.")
    kind = value["type"]
    if not isinstance(kind, str) or kind.lower() not in types:
        raise ValueError(f"type must be one of {', '.join(sorted(types))}.")
    kind = kind.lower()
    raw = text(value["value"], PARTY_MAX)
    if kind == SubjectType.USER:
        if not matches(UUID, raw):
            raise ValueError("A user's value must be the identity's id (a UUID).")
        raw = str(uuid.UUID(raw))
    return kind, raw


def instant(value: Any, *, nullable: bool = False) -> datetime | None:
    """An ISO 8601 date-time; offsets honoured, answered in UTC, no offset means UTC."""
    if value is None and nullable:
        return None
    if not isinstance(value, str):
        raise ValueError("Expected an ISO 8601 date-time string.")
    if value.strip().startswith(INSTANT_EDGES):
        raise ValueError(f"{value[:64]!r} is too close to the edge of the years 0001-9999.")
    try:
        # RFC 3339 lets "t" and "z" be written in lower case; Django's parser wants them upper.
        parsed = parse_datetime(value.strip().upper()) if len(value) <= 64 else None
        if parsed is not None:
            if timezone.is_naive(parsed):
                parsed = parsed.replace(tzinfo=UTC)
            parsed = parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        parsed = None
    if parsed is None:
        raise ValueError(f"{value[:64]!r} is not an ISO 8601 date-time.")
    return parsed


MAX_NAMES = 50
LOCALE = re.compile(r"[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*")


def names_clean(value: Any) -> list[dict[str, str]] | None:
    """A type's or source's `names`: a list of {locale, value}, one per locale (null: none).

    Entries whose locale and value are both null are skipped: the vendor's SDK turns every
    name into such an entry as it builds its object, so a list of only those (answered
    `None`) asks for no change."""
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_NAMES:
        raise ValueError(f"Expected a list of at most {MAX_NAMES} {{locale, value}} objects.")
    out: list[dict[str, str]] = []
    seen: set[str] = set()
    garbled = 0
    for entry in value:
        if (isinstance(entry, Mapping) and set(entry) <= {"locale", "value"}
                and entry.get("locale") is None and entry.get("value") is None):
            garbled += 1
            continue
        if not isinstance(entry, Mapping) or set(entry) != {"locale", "value"}:
            raise ValueError("Each name is an object {locale, value}.")
        locale, name = text(entry["locale"], 35), text(entry["value"], 200)
        if not LOCALE.fullmatch(locale):
            raise ValueError(f"{locale!r} is not a language tag (fi, sv-FI, en-GB).")
        if locale.lower() in seen:
            raise ValueError(f"Locale {locale} is named twice.")
        seen.add(locale.lower())
        out.append({"locale": locale, "value": name})
    return None if garbled and not out else out


PARTY_KEYS = frozenset({"type", "value"})
KNOWN = frozenset(WRITABLE + READ_ONLY)


def _text(value: Any, max_length: int) -> str | None:
    return text(value, max_length)


def _nullable_text(value: Any, max_length: int) -> str | None:
    return text(value, max_length, nullable=True)


def _nullable_instant(value: Any, _: None) -> datetime | None:
    return instant(value, nullable=True)


# (wire key, cleaned key, check, its argument, required)
FIELDS = (
    ("nsCode", "ns_code", _nullable_text, 64, False),
    ("authType", "type_code", _text, 100, True),
    ("authSource", "source_code", _nullable_text, 100, False),
    ("subject", "subject", party, SUBJECT_TYPES, True),
    ("object", "object", party, OBJECT_TYPES, True),
    ("validFrom", "valid_from", _nullable_instant, None, False),
    ("validTo", "valid_to", _nullable_instant, None, False),
    ("author", "author", _nullable_text, 255, False),
)
