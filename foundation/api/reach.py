"""The API's choke point of isolation, for every surface: reach is the default of every view.

config.settings makes `ReachPermission` and `ReachFilterBackend` REST framework's defaults, and
every surface's base view lists `ReachPermission` beside its own permission checks. A view
declares which realm (foundation.reach) its rows belong to and how they lead there:

- `reach_realm = NAMESPACES` (a `foundation.reach.Realm`) and `reach_field`, the field of its
  rows that leads to the realm (a foreign key to the realm's model, `pk` for the model itself,
  or a tree realm's path field). Querysets pass `ReachFilterBackend`, objects
  `ReachPermission.has_object_permission`; views that look rows up by hand (a path, an id in
  the URL) ask `reach_of(view)` (the same answer the classes use) and hand it to their queries.
- or `reach_realm = NoRealm("why")`: the view has no rows of a realm (a token endpoint, a
  write-only map scoped otherwise); the reason is written where the view is.

A view that does neither is refused at its first request with ImproperlyConfigured: it never
sees everything by omission. tests/foundation/test_reach_default.py walks every routed view.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from rest_framework.exceptions import NotFound
from rest_framework.filters import BaseFilterBackend
from rest_framework.permissions import BasePermission

from foundation import reach
from foundation.reach import Realm


@dataclass(frozen=True)
class NoRealm:
    """A view's explicit opt-out: it has no rows of any realm, for the reason given."""

    reason: str

    def __post_init__(self) -> None:
        if not self.reason.strip():
            raise ImproperlyConfigured("NoRealm needs the reason the view has no realm")


def declared_realm(view: Any) -> Realm | NoRealm:
    """The view's (or view class's) declaration, else ImproperlyConfigured (never
    "everything")."""
    realm = getattr(view, "reach_realm", None)
    if not isinstance(realm, Realm | NoRealm):
        name = (view if isinstance(view, type) else type(view)).__qualname__
        raise ImproperlyConfigured(
            f"{name} declares no reach: set reach_realm to a foundation.reach.Realm (with "
            f"reach_field) or to foundation.api.reach.NoRealm('why it has no rows of a realm')")
    return realm


def reach_of(view: Any) -> reach.Reach:
    """What the view's client reaches of the view's declared realm: the one answer the default
    backend and permission use, and the one views hand to their queries (foundation.reach
    remembers it on the identity: one database question per request and realm)."""
    realm = declared_realm(view)
    if isinstance(realm, NoRealm):
        raise ImproperlyConfigured(f"{type(view).__qualname__} has no realm ({realm.reason})")
    return reach.of(view.request.user, realm)


def _field(view: Any) -> str:
    field = getattr(view, "reach_field", None)
    if not field:
        raise ImproperlyConfigured(f"{type(view).__qualname__} filters rows by its realm "
                                   f"but names no reach_field")
    return field


class ReachFilterBackend(BaseFilterBackend):
    """Only rows the client reaches, by the view's `reach_field`; a NoRealm view's rows as
    they are."""

    def filter_queryset(self, request, queryset, view):
        if isinstance(declared_realm(view), NoRealm):
            return queryset
        return queryset.filter(reach_of(view).q(_field(view)))


class ReachPermission(BasePermission):
    """A view must declare its reach (else ImproperlyConfigured). An object outside the
    client's reach answers 404, not 403: its existence does not leak. (Views whose querysets
    pass the backend never see one; this holds for the rest.)"""

    def has_permission(self, request, view) -> bool:
        declared_realm(view)
        return True

    def has_object_permission(self, request, view, obj) -> bool:
        if isinstance(declared_realm(view), NoRealm):
            return True
        field, target = _field(view), obj
        if field != "pk":
            for part in field.split("__"):
                target = getattr(target, part)
        if not reach_of(view).covers(target):
            raise NotFound()
        return True
