"""The parameters of a list or search (RFC 7644 §3.4.2, §3.4.3), from a query string or a
search body, read leniently where the RFC says how (startIndex below 1 is 1, a negative count
is 0, a count above the maximum is cut to it) and refused (400 invalidValue) where it does not
(a number that is no number, an unknown sortOrder)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scim.errors import InvalidValueError
from scim.resources import DEFAULT_COUNT, MAX_RESULTS

ORDERS = {"ascending": False, "descending": True}


@dataclass(frozen=True)
class Listing:
    filter: str | None
    sort_by: str | None
    descending: bool
    start: int
    count: int
    selection: Any  # the ResponseParameters of the answer

    @classmethod
    def of_query(cls, query: Mapping[str, Any], selection: Any) -> Listing:
        return cls.of(query.get, selection)

    @classmethod
    def of_search(cls, body: Mapping[str, Any], selection: Any) -> Listing:
        return cls.of(body.get, selection)

    @classmethod
    def of(cls, get, selection: Any) -> Listing:
        text = get("filter")
        if text is not None and not isinstance(text, str):
            raise InvalidValueError("filter must be a string.")
        sort_by = get("sortBy")
        if sort_by is not None and not isinstance(sort_by, str):
            raise InvalidValueError("sortBy must be a string.")
        order = get("sortOrder")
        if order is not None and (not isinstance(order, str) or order.lower() not in ORDERS):
            raise InvalidValueError("sortOrder must be ascending or descending.")
        start = max(_number(get("startIndex"), "startIndex", 1), 1)
        count = min(max(_number(get("count"), "count", DEFAULT_COUNT), 0), MAX_RESULTS)
        return cls(filter=text or None, sort_by=sort_by or None,
                   descending=bool(order) and ORDERS[order.lower()], start=start, count=count,
                   selection=selection)


def _number(value: Any, name: str, default: int) -> int:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise InvalidValueError(f"{name} must be an integer.")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit() and len(value) < 12:
        return int(value)
    raise InvalidValueError(f"{name} must be an integer.")
