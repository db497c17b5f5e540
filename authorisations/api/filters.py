"""The SCIM filter backend every onePortal list uses (isolation is foundation.api.reach's)."""

from __future__ import annotations

from collections.abc import Mapping

from django.utils import timezone
from rest_framework.exceptions import ValidationError
from rest_framework.filters import BaseFilterBackend

from authorisations.queries import scim_q, sort_path, sortable
from authorisations.queries.scim import (
    MAX_FILTER_LENGTH,
    SCIM_EXTENSION,
    SCIM_FORMAT,
    Attr,
    filter_kinds,
)
from core.patterns import SPACE


class ScimFilterBackend(BaseFilterBackend):
    """`filter` (SCIM), `sortBy` and `sortOrder`, through the view's attribute whitelist."""

    def filter_queryset(self, request, queryset, view):
        attrs = view.filter_attrs
        queryset = queryset.filter(scim_q(request.query_params.get("filter"), attrs,
                                          at=timezone.now()))
        path = sort_path(request.query_params.get("sortBy"), attrs)
        descending = sort_descending(request)
        if path:
            prefix = "-" if descending else ""
            queryset = queryset.order_by(f"{prefix}{path}", f"{prefix}pk")
        return queryset

    def get_schema_operation_parameters(self, view):
        return scim_parameters(view.filter_attrs)


def scim_parameters(attrs: Mapping[str, Attr]) -> list[dict]:
    """`filter`, `sortBy` and `sortOrder` as the OpenAPI schema documents them; an empty value
    is the default (no filter, the default order)."""
    return [
        {"name": "filter", "in": "query", "required": False, "allowEmptyValue": True,
         "description": "A SCIM filter (RFC 7644 §3.4.2.2, format `scim-filter`) over the "
                        "attributes " + ", ".join(attrs) + f"; at most {MAX_FILTER_LENGTH} "
                        "characters; blank: no filter.",
         "schema": {"type": "string", "maxLength": MAX_FILTER_LENGTH, "anyOf": [
             {"type": "string", "pattern": f"^[{SPACE}]*$"},
             {"type": "string", "format": SCIM_FORMAT, SCIM_EXTENSION: filter_kinds(attrs)},
         ]}},
        {"name": "sortBy", "in": "query", "required": False, "allowEmptyValue": True,
         "description": "An attribute to sort by (either case; default: created, then id).",
         "schema": {"type": "string", "enum": sortable(attrs)}},
        {"name": "sortOrder", "in": "query", "required": False, "allowEmptyValue": True,
         "description": "Either case (default ascending).",
         "schema": {"type": "string", "enum": ["ascending", "descending"]}},
    ]


def sort_descending(request) -> bool:
    order = (request.query_params.get("sortOrder") or "ascending").lower()
    if order not in ("ascending", "descending"):
        raise ValidationError({"sortOrder": ["Expected ascending or descending."]})
    return order == "descending"
