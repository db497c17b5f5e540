"""onePortal writes that change nothing leave no change record and run no UPDATE, through
the API and the admin; a real change records one (issue 10, defect 9)."""

import pytest
from django.urls import reverse

from authorisations.models import AuthorisationSource, AuthorisationType
from identities.services.people import person_create
from tests.authorisations.conftest import BASE, body
from tests.unchanged import save_unchanged, twice

pytestmark = pytest.mark.django_db


def test_authorisation_put_and_patch_twice(api_a):
    created = api_a.post(f"{BASE}/authorisation", body(validFrom="2030-01-01T00:00:00Z"),
                         format="json").json()
    url = f"{BASE}/authorisation/{created['id']}"
    sent = body(validFrom="2030-01-01T00:00:00Z", validTo="2031-01-01T00:00:00Z",
                authSource="hr")
    twice(lambda: api_a.put(url, sent, format="json"),
          then=lambda: api_a.put(url, {**sent, "validTo": "2032-01-01T00:00:00Z"},
                                 format="json"))
    twice(lambda: api_a.patch(url, {"validTo": "2033-01-01T00:00:00Z"}, format="json"))


@pytest.mark.parametrize("kind", ["authorisation_type", "authorisation_source"])
def test_type_and_source_put_and_patch_twice(api_a, kind):
    created = api_a.post(f"{BASE}/{kind}", {"code": "lease", "name": "Lease",
                                            "description": "d"}, format="json")
    assert created.status_code == 201, created.content
    url = f"{BASE}/{kind}/{created.json()['id']}"
    twice(lambda: api_a.put(url, {"code": "lease", "name": "Lease", "description": "d"},
                            format="json"),
          then=lambda: api_a.patch(url, {"name": "Leasing"}, format="json"))
    twice(lambda: api_a.patch(url, {"description": "e"}, format="json"))


@pytest.mark.parametrize("kind", ["authorisation", "authorisation_type",
                                  "authorisation_source"])
def test_a_record_put_back_as_read_changes_nothing(api_a, kind):
    """What the vendor's SDK does: read the full object, send it back on a write."""
    sent = (body(validTo="2031-01-01T00:00:00Z", authSource="hr", author="me")
            if kind == "authorisation" else {"code": "lease", "name": "Lease"})
    created = api_a.post(f"{BASE}/{kind}", sent, format="json")
    assert created.status_code == 201, created.content
    url = f"{BASE}/{kind}/{created.json()['id']}"
    twice(lambda: api_a.put(url, api_a.get(url).json(), format="json"))


@pytest.fixture
def operator(client):
    client.force_login(person_create(username="root", password="pw-Operat0r!", superuser=True))
    return client


def test_admin_saves_of_unchanged_namespace_type_source_and_authorisation(operator, api_a,
                                                                         ns_a):
    created = api_a.post(f"{BASE}/authorisation", body(validTo="2031-01-01T00:00:00Z",
                                                       authSource="hr"), format="json")
    assert created.status_code == 201, created.content
    for url in (
        reverse("admin:authorisations_namespace_change", args=[ns_a.pk]),
        reverse("admin:authorisations_authorisationtype_change",
                args=[AuthorisationType.objects.filter(namespace=ns_a).first().pk]),
        reverse("admin:authorisations_authorisationsource_change",
                args=[AuthorisationSource.objects.filter(namespace=ns_a).first().pk]),
        reverse("admin:authorisations_authorisation_change", args=[created.json()["id"]]),
    ):
        save_unchanged(operator, url)
