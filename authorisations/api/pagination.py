"""The vendor's paging: a 0-based `startIndex` (default 0) and `count`.

RFC 7644 counts from 1, but the onePortal vendor counts from 0 ("0-based pagination start
index" in every list call of its SDK), and a client written for the vendor must page through
without overlap. The response echoes the start it was given.
"""

from __future__ import annotations

from django.conf import settings
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response

from core.patterns import matches

MAX_START = 2**31 - 1


def int_param(request, name: str, default: int) -> int:
    """An integer query parameter (decimal digits, an optional minus); empty is the default.
    Any integer is taken (below the range it reads as the range's start, RFC 7644)."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    if not matches(r"-?[0-9]+", raw):
        raise ValidationError({name: ["Expected an integer."]})
    if len(raw.lstrip("-").lstrip("0")) > 12:  # far out of range; int() refuses 4,300 digits
        value = -MAX_START if raw.startswith("-") else MAX_START + 1
    else:
        value = int(raw)
    if value > MAX_START:
        raise ValidationError({name: [f"Must be at most {MAX_START}."]})
    return value


def page_window(request) -> tuple[int, int]:
    """(startIndex, count): 0-based; a negative start is 0 and a negative count is 0, as RFC
    7644 treats out-of-range values; count is capped at API_MAX_PAGE_SIZE."""
    start = max(0, int_param(request, "startIndex", 0))
    count = int_param(request, "count", settings.API_DEFAULT_PAGE_SIZE)
    return start, max(0, min(count, settings.API_MAX_PAGE_SIZE))


def page_body(total: int, start: int, resources: list) -> dict:
    return {"totalResults": total, "startIndex": start, "itemsPerPage": len(resources),
            "resources": resources}


class ScimPagination(BasePagination):
    def paginate_queryset(self, queryset, request, view=None):
        self.start, count = page_window(request)
        self.total = queryset.count()
        if count == 0 or self.start >= self.total:
            return []
        return list(queryset[self.start:self.start + count])

    def get_paginated_response(self, data):
        return Response(page_body(self.total, self.start, data))

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["totalResults", "startIndex", "itemsPerPage", "resources"],
            "properties": {
                "totalResults": {"type": "integer"},
                "startIndex": {"type": "integer"},
                "itemsPerPage": {"type": "integer"},
                "resources": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        # out-of-range values read as the nearest valid one, as RFC 7644 §3.4.2.4 does
        return [
            {"name": "startIndex", "in": "query", "required": False, "allowEmptyValue": True,
             "description": "0-based index of the first result, as the vendor counts "
                            "(default 0; below 0 reads as 0; empty: the default).",
             "schema": {"type": "integer", "maximum": MAX_START}},
            {"name": "count", "in": "query", "required": False, "allowEmptyValue": True,
             "description": f"Results per page (default {settings.API_DEFAULT_PAGE_SIZE}; "
                            f"more than {settings.API_MAX_PAGE_SIZE} reads as "
                            f"{settings.API_MAX_PAGE_SIZE}, below 0 as 0; empty: the default).",
             "schema": {"type": "integer", "maximum": MAX_START}},
        ]
