"""The API's choke point of isolation, for every surface: a filter backend and its object-level
twin, both asking foundation.reach. A view names its realm and the field that leads to it."""

from __future__ import annotations

from rest_framework.exceptions import NotFound
from rest_framework.filters import BaseFilterBackend
from rest_framework.permissions import BasePermission

from foundation import reach


class ReachFilterBackend(BaseFilterBackend):
    """Only rows the client reaches. The view sets `reach_realm` and `reach_field` (a foreign
    key to the realm's model, `pk` for the model itself, or a tree realm's path field)."""

    def filter_queryset(self, request, queryset, view):
        return queryset.filter(reach.of(request.user, view.reach_realm).q(view.reach_field))


class ReachPermission(BasePermission):
    """An object outside the client's reach answers 404, not 403: its existence does not
    leak. (Views whose querysets pass the backend never see one; this holds for the rest.)"""

    def has_object_permission(self, request, view, obj) -> bool:
        realm, field = view.reach_realm, view.reach_field
        target = obj
        if field != "pk":
            for part in field.split("__"):
                target = getattr(target, part)
        if not reach.of(request.user, realm).covers(target):
            raise NotFound()
        return True
