"""The console's index dashboard and its log of refused API requests (issue 15 item 6)."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from audit.models import ChangeRecord
from audit.services import record
from authorisations.models import Authorisation, AuthorisationType
from authorisations.services.catalog import coded_item_create, namespace_create
from console.dashboard import figures
from console.models import Refusal
from console.refusals import PRUNE_EVERY
from identities.models import Identity
from identities.services.people import person_create
from orgs.services import organization_create

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_figures():
    cache.delete("console:dashboard")
    yield
    cache.delete("console:dashboard")


@pytest.fixture
def operator(client):
    admin = person_create(username="root", password="pw-Operat0r!", superuser=True)
    client.force_login(admin)
    return client


@pytest.fixture
def tree():
    acme = organization_create(parent=None, organization_id="acme", friendly_name="Acme",
                               organization_type="company")
    organization_create(parent=acme, organization_id="sales", friendly_name="Sales")


def test_the_index_shows_the_dashboard_without_outside_resources(operator, tree):
    page = operator.get(reverse("admin:index"))
    text = page.content.decode()
    assert page.status_code == 200
    for card in ("dashboard-changes", "dashboard-authorisations", "dashboard-users",
                 "dashboard-organizations", "dashboard-refusals"):
        assert f'id="{card}"' in text
    assert "<svg" in text and "<script" not in text.split('id="dashboard"')[1].split(
        "</div>\n</div>")[0]
    assert not re.search(r'(src|href)="(https?:)?//', text)  # offline: nothing from outside


def test_changes_are_counted_by_day_and_surface(tree):
    found = figures()
    assert sum(found.changes["CustomerID"]) == ChangeRecord.objects.filter(
        object_type__startswith="orgs.").count()
    assert found.changes["CustomerID"][-1] == sum(found.changes["CustomerID"])  # all today
    assert dict(found.organizations)["company"] == 1


def test_old_changes_fall_out_of_the_chart():
    old = timezone.now() - timedelta(days=30)
    ChangeRecord.objects.bulk_create([ChangeRecord(
        context=record(action="create", object_type="x.y", object_id="1").context,
        action="create", object_type="orgs.organization", object_id="2", created_at=old)])
    assert "CustomerID" not in figures().changes


def test_authorisations_are_counted_by_state():
    namespace = namespace_create(code="ns1")
    kind = coded_item_create(model=AuthorisationType, namespace=namespace, code="T1")
    now = timezone.now()
    windows = {"active": (now - timedelta(days=1), None, False),
               "expiring": (now - timedelta(days=1), now + timedelta(days=3), False),
               "future": (now + timedelta(days=1), None, False),
               "expired": (now - timedelta(days=9), now - timedelta(days=1), False),
               "revoked": (now - timedelta(days=1), None, True)}
    for n, (start, end, revoked) in enumerate(windows.values()):
        Authorisation.objects.create(
            namespace=namespace, type=kind, subject_type="user", subject_value=f"s{n}",
            object_type="user", object_value="o", valid_from=start, valid_to=end,
            revoked=revoked, created=now, modified=now)
    assert figures().authorisations == {"active": 2, "expiring": 1, "future": 1,
                                         "expired": 1, "revoked": 1}


def test_the_figures_are_kept_in_the_default_cache_and_computed_without_it(tree, settings,
                                                                           caplog):
    # kept where every node reads them (Redis when REDIS_URL is set: config/settings.py)
    found = figures()
    assert cache.get("console:dashboard") == found
    # a Redis that refuses: the page still has its figures (and says so in the log)
    with override_settings(CACHES={**settings.CACHES, "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}}):
        assert figures().organizations == found.organizations
    assert "dashboard: cache unavailable" in caplog.text


def test_the_dashboard_is_for_those_who_may_read_the_change_log(client):
    clerk = person_create(username="clerk", password="pw-Cl3rk-x!")
    Identity.objects.filter(pk=clerk.pk).update(is_staff=True)
    client.force_login(clerk)
    page = client.get(reverse("admin:index"))
    assert page.status_code == 200 and 'id="dashboard"' not in page.content.decode()


def test_refused_api_requests_are_logged_with_secrets_masked(client, settings):
    settings.TESSERA_REFUSAL_LOG = True
    response = client.get("/eidm2/services/user/acme/alice?pwd=hunter2&x=1")
    assert response.status_code in (401, 403, 404)
    refusal = Refusal.objects.get()
    assert refusal.status == response.status_code and refusal.method == "GET"
    assert "hunter2" not in refusal.path and "x=1" in refusal.path
    assert refusal.correlation_id == response["X-Correlation-ID"]
    assert figures().refusals == [refusal]


def test_successes_and_console_pages_are_not_refusals(operator, settings):
    settings.TESSERA_REFUSAL_LOG = True
    assert operator.get("/healthz").status_code == 200
    assert operator.get("/admin/nothing-here/").status_code == 404
    assert not Refusal.objects.exists()


def test_the_log_keeps_its_newest_rows(client, settings, monkeypatch):
    settings.TESSERA_REFUSALS_KEPT = 3
    monkeypatch.setattr("console.refusals.PRUNE_EVERY", 5)
    for _ in range(10):
        client.get("/eidm2/services/user/x/y")
    assert Refusal.objects.count() <= 3 + 5
    newest = Refusal.objects.order_by("-id").first().pk
    assert not Refusal.objects.filter(pk__lte=newest - 3 - 5).exists()
    assert PRUNE_EVERY > 1


def test_the_refusal_log_is_read_only_in_the_console(operator, settings):
    settings.TESSERA_REFUSAL_LOG = True
    operator.get("/eidm2/services/user/x/y")
    refusal = Refusal.objects.get()
    assert operator.get(reverse("admin:console_refusal_changelist")).status_code == 200
    assert operator.post(reverse("admin:console_refusal_delete", args=[refusal.pk]),
                         {"post": "yes"}).status_code == 403
