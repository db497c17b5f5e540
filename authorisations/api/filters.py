"""The filter backends every onePortal list uses: namespace isolation, SCIM filter, sorting."""

from __future__ import annotations

from django.utils import timezone
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.filters import BaseFilterBackend
from rest_framework.permissions import BasePermission

from authorisations.queries import USE_NAMESPACE_PERM, namespaces_for, scim_q, sort_path


class NamespaceFilterBackend(BaseFilterBackend):
    """The one choke point of isolation: only rows of the client's namespaces are reachable
    (a global `use_namespace` permission reaches all). A view names the field to filter on."""

    def filter_queryset(self, request, queryset, view):
        field = getattr(view, "namespace_field", "namespace")
        return queryset.filter(**{f"{field}__in": namespaces_for(request.user)})


class NamespaceAccess(BasePermission):
    """Object-level twin of the backend: an object outside the client's namespaces is 404."""

    def has_object_permission(self, request, view, obj) -> bool:
        if request.user.has_perm(USE_NAMESPACE_PERM):
            return True
        if not namespaces_for(request.user).filter(pk=obj.namespace_id).exists():
            raise NotFound()
        return True


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
