"""The request parameters of the CustomerID surface: query string (and form body) values.

Known parameters are typed here; every other name must be a configured custom attribute
(checked by the services), so a typo is an error rather than silently ignored.
"""

from __future__ import annotations

from django.http import QueryDict

from core.patterns import matches
from orgs.attributes import MAX_VALUE
from orgs.errors import InvalidArgumentsError

TRUE = {"true", "1", "yes", "on"}
FALSE = {"false", "0", "no", "off"}
MAX_PARAM = 4096
MAX_PARAMS = 100


class Params:
    def __init__(self, query: QueryDict, *, known: set[str], ignored: frozenset[str] = frozenset()):
        if len(query) > MAX_PARAMS:
            raise InvalidArgumentsError(f"More than {MAX_PARAMS} parameters.")
        self.values: dict[str, str] = {}
        self.custom: dict[str, list[str]] = {}
        for key in query:
            values = query.getlist(key)
            if len(values) > 1:
                raise InvalidArgumentsError(
                    f"Parameter {key[:64]!r} given more than once; separate values with commas."
                )
            value = values[0]
            if len(value) > MAX_PARAM:
                raise InvalidArgumentsError(f"Parameter {key[:64]!r} is too long.")
            if "\x00" in key or "\x00" in value:  # no column can hold one (see rows.text)
                raise InvalidArgumentsError(f"Parameter {key[:64]!r} contains a NUL character.")
            if key in ignored:
                continue
            if key in known:
                self.values[key] = value
            else:
                self.custom[key] = split_values(value)

    def text(self, name: str, *, required: bool = False) -> str | None:
        value = self.values.get(name)
        if required and not (value or "").strip():
            raise InvalidArgumentsError(f"Parameter {name} is mandatory.")
        return value

    def flag(self, name: str, default: bool | None = False) -> bool | None:
        value = self.values.get(name)
        if value is None:
            return default
        if value.lower() in TRUE:
            return True
        if value.lower() in FALSE:
            return False
        raise InvalidArgumentsError(f"Parameter {name} must be true or false.")

    def number(self, name: str, *, maximum: int) -> int | None:
        value = self.values.get(name)
        if value is None:
            return None
        if not matches(r"[0-9]+", value) or not 0 < int(value) <= maximum:
            raise InvalidArgumentsError(f"Parameter {name} must be an integer 1-{maximum}.")
        return int(value)

    def attributes(self) -> dict[str, list[str]]:
        return self.custom


def split_values(value: str) -> list[str]:
    """`a,b , c` → [a, b, c]; an empty value → [] (which removes the attribute)."""
    values = [part.strip() for part in value.split(",")]
    values = [part for part in values if part]
    for part in values:
        if len(part) > MAX_VALUE:
            raise InvalidArgumentsError(f"A value is longer than {MAX_VALUE} characters.")
    return values
