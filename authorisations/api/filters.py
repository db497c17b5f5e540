"""The SCIM filter backend every onePortal list uses (isolation is config.api.reach's)."""

from __future__ import annotations

from django.utils import timezone
from rest_framework.exceptions import ValidationError
from rest_framework.filters import BaseFilterBackend

from authorisations.queries import scim_q, sort_path


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
        return [
            {"name": "filter", "in": "query", "required": False,
             "description": "A SCIM filter (RFC 7644 §3.4.2.2) over the attributes: "
                            + ", ".join(view.filter_attrs) + ".",
             "schema": {"type": "string"}},
            {"name": "sortBy", "in": "query", "required": False,
             "description": "An attribute to sort by.", "schema": {"type": "string"}},
            {"name": "sortOrder", "in": "query", "required": False,
             "schema": {"type": "string", "enum": ["ascending", "descending"]}},
        ]


def sort_descending(request) -> bool:
    order = (request.query_params.get("sortOrder") or "ascending").lower()
    if order not in ("ascending", "descending"):
        raise ValidationError({"sortOrder": ["Expected ascending or descending."]})
    return order == "descending"
