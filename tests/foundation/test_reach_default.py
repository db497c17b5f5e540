"""Reach is the default of every API view (foundation.api.reach): each routed REST framework
view declares its realm or opts out, here, with its reason; an undeclared view is refused."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from foundation import reach
from foundation.api.reach import NoRealm, ReachFilterBackend, ReachPermission, declared_realm
from foundation.reach import Realm
from identities.models import TENANTS, Identity, Tenant

SCIM_DISCOVERY = "SCIM discovery: the same documents for every token, no rows"
SCIM_USERS = ("SCIM: a token is confined to its own organization's subtree by the token itself "
              "(scim.queries.users starts every read from it; tests/scim/test_isolation.py)")

# The routed views that see no rows of a realm, each with why. A view opting out in its code
# (reach_realm = NoRealm(...)) is listed here too, so that every opt-out is reviewed in one place.
OPT_OUTS = {
    "config.views.healthz": "health: whether the service and its database answer, no rows",
    "drf_spectacular.views.SpectacularAPIView": "the OpenAPI schema: documentation, no rows",
    "drf_spectacular.views.SpectacularSwaggerView": "the Swagger UI page: documentation",
    "drf_spectacular.views.SpectacularRedocView": "the ReDoc page: documentation",
    "accounts.api.views.AccountsView": "Ainua: a write-only map confined to the connector",
    "accounts.api.views.AccountUsersView": "Ainua: a write-only map confined to the connector",
    "accounts.api.views.UsersView": "Ainua: a write-only map confined to the connector",
    "events.api.views.ChangesView": "the change feed: each record within its own realm, "
                                    "every realm at once (events.reach; tests/events)",
    "scim.api.discovery.ServiceProviderConfigView": SCIM_DISCOVERY,
    "scim.api.discovery.ResourceTypesView": SCIM_DISCOVERY,
    "scim.api.discovery.ResourceTypeView": SCIM_DISCOVERY,
    "scim.api.discovery.SchemasView": SCIM_DISCOVERY,
    "scim.api.discovery.SchemaView": SCIM_DISCOVERY,
    "scim.api.users.UsersView": SCIM_USERS,
    "scim.api.users.UsersSearchView": SCIM_USERS,
    "scim.api.users.UserView": SCIM_USERS,
    "scim.api.users.RootSearchView": SCIM_USERS,
}


def _name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__name__}"  # api_view's class is named after its function


def routed_views() -> dict[str, type[APIView]]:
    """Every REST framework view class config.urls routes to (viewsets included)."""
    found: dict[str, type[APIView]] = {}

    def walk(resolver: URLResolver) -> None:
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern)
                continue
            assert isinstance(pattern, URLPattern)
            cls = getattr(pattern.callback, "cls", None)
            if isinstance(cls, type) and issubclass(cls, APIView):
                found[_name(cls)] = cls

    walk(get_resolver("config.urls"))
    return found


def _problems(name: str, cls: type[APIView]) -> list[str]:
    if name in OPT_OUTS:
        realm = getattr(cls, "reach_realm", None)
        if realm is not None and not isinstance(realm, NoRealm):
            return [f"{name} is listed as an opt-out but declares {realm!r}"]
        return []
    try:
        realm = declared_realm(cls)
    except ImproperlyConfigured as error:
        return [str(error)]
    if isinstance(realm, NoRealm):
        return [f"{name} opts out ({realm.reason}) but is not in OPT_OUTS"]
    assert isinstance(realm, Realm)
    problems = []
    checks = [list(cls.permission_classes)]
    for extra in getattr(cls, "get_extra_actions", list)():
        if "permission_classes" in extra.kwargs:
            checks.append(list(extra.kwargs["permission_classes"]))
    if not all(any(issubclass(c, ReachPermission) for c in found) for found in checks):
        problems.append(f"{name} declares {realm.name} but does not check ReachPermission")
    if issubclass(cls, GenericAPIView) and (
            not any(issubclass(b, ReachFilterBackend) for b in cls.filter_backends)
            or not getattr(cls, "reach_field", None)):
        problems.append(f"{name} lists rows but filters them by no reach_field")
    return problems


def test_every_routed_view_declares_its_realm_or_opts_out():
    views = routed_views()
    assert len(views) > 50  # the walk found the surfaces
    problems = [p for name, cls in sorted(views.items()) for p in _problems(name, cls)]
    assert problems == []
    assert sorted(set(OPT_OUTS) - set(views)) == []  # no stale opt-out


def test_the_walk_catches_a_view_that_drops_its_declaration(monkeypatch):
    from identities.api.views import AdditivView
    monkeypatch.delattr(AdditivView, "reach_realm")
    problems = [p for name, cls in routed_views().items() for p in _problems(name, cls)]
    assert any(p.startswith("MemberView declares no reach") for p in problems)


# --- at run time: the defaults refuse an undeclared view ------------------------------------------

class Bare(APIView):
    """A view whose author forgot reach: REST framework's defaults only."""

    def get(self, request):
        return Response({"ok": True})


class BareList(GenericAPIView):
    def get_queryset(self):
        return Tenant.objects.all()

    def get(self, request):
        return Response([t.key for t in self.filter_queryset(self.get_queryset())])


class Declared(BareList):
    reach_realm, reach_field = TENANTS, "pk"


class OptedOut(Bare):
    reach_realm = NoRealm("a test view with no rows")


def _get(view, user):
    request = APIRequestFactory().get("/x")
    force_authenticate(request, user=user)
    return view.as_view()(request)


@pytest.mark.django_db
def test_the_default_permission_refuses_a_view_that_declares_nothing(caplog):
    """ImproperlyConfigured: the API's handler logs it and answers 500, never the rows."""
    user = Identity.objects.create(username="someone")
    for view in (Bare, BareList):
        caplog.clear()
        response = _get(view, user)
        assert response.status_code == 500 and "ok" not in response.content.decode()
        assert [r.exc_info[0] for r in caplog.records if r.exc_info] == [ImproperlyConfigured]
        assert "declares no reach" in str(caplog.records[-1].exc_info[1])
    assert _get(OptedOut, user).data == {"ok": True}


@pytest.mark.django_db
def test_the_default_backend_filters_a_declared_view_by_the_clients_reach():
    user = Identity.objects.create(username="someone")
    Tenant.objects.create(key="other", name="Other")
    assert _get(Declared, user).data == []
    reach.grant(user, TENANTS, Tenant.objects.get(key="other"))
    assert _get(Declared, Identity.objects.get(pk=user.pk)).data == ["other"]
    assert _get(Declared, AnonymousUser()).status_code in (401, 403)


def test_opting_out_needs_a_reason():
    with pytest.raises(ImproperlyConfigured):
        NoRealm(" ")
