"""Custom attributes of organizations and users (CustomerID's configured fields), and the
text rules every orgs write shares."""

from __future__ import annotations

from collections.abc import Mapping

from orgs.errors import InvalidArgumentsError

MAX_VALUE = 256
MAX_VALUES = 32
# An attribute change: a list of values, or None / [] to remove the attribute.
AttributeChanges = Mapping[str, "list[str] | None"]


def attributes_apply(
    current: Mapping[str, list[str]], changes: AttributeChanges | None, allowed: list[str],
    what: str,
) -> dict[str, list[str]]:
    """The attributes after `changes`: only configured names; an empty value removes one."""
    result = {key: list(values) for key, values in current.items()}
    for name, values in (changes or {}).items():
        if name not in allowed:
            raise InvalidArgumentsError(f"Unknown {what} attribute {name[:64]!r}.")
        if not values:
            result.pop(name, None)
            continue
        if len(values) > MAX_VALUES:
            raise InvalidArgumentsError(f"Attribute {name!r} has more than {MAX_VALUES} values.")
        for value in values:
            if len(value) > MAX_VALUE:
                raise InvalidArgumentsError(
                    f"A value of attribute {name!r} is longer than {MAX_VALUE} characters."
                )
        result[name] = list(values)
    return result


def text_check(value: str, name: str, max_length: int) -> str:
    if len(value) > max_length:
        raise InvalidArgumentsError(f"{name} is longer than {max_length} characters.")
    return value


def attributes_from_cells(row: Mapping[str, object], known: frozenset[str],
                          allowed: list[str]) -> dict[str, list[str]]:
    """A bulk file row's custom attributes: its columns beyond the `known` ones, each a list
    (NDJSON) or comma-separated text; an empty one is absent."""
    result: dict[str, list[str]] = {}
    for key, value in row.items():
        if key in known:
            continue
        if key not in allowed:
            raise InvalidArgumentsError(f"unknown attribute {key[:64]!r}")
        values = value if isinstance(value, list) else str(value or "").split(",")
        values = [str(v).strip() for v in values if str(v).strip()]
        if any("\x00" in v for v in values):
            raise InvalidArgumentsError(f"{key[:64]} contains a NUL character")
        if values:
            result[key] = values
    return result
