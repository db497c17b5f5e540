"""Issue 15, item 7: a service's refusal re-shows the admin form with what was typed and the
error on its field (foundation.admin.mixins.ServiceErrorsMixin), as a validation error does;
nothing is written. The authorisation add form starts `Valid from` at now."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import ChangeRecord
from identities.services.people import person_create
from orgs import services as org_services
from orgs.errors import AlreadyExistsError
from orgs.models import Organization, OrgUser
from tests.admin_forms import changed, form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client):
    client.force_login(person_create(username="root", password="pw-Operat0r!", superuser=True))
    return client


def test_a_duplicate_organization_id_is_shown_on_its_field_with_what_was_typed(operator):
    org_services.organization_create(parent=None, organization_id="acme", friendly_name="Acme")
    url = reverse("admin:orgs_organization_add")
    before = ChangeRecord.objects.count()
    data = changed(form_data(operator.get(url).content),
                   {"name": "acme", "friendly_name": "Acme Twice", "attributes": "{}"})
    response = operator.post(url, data)
    assert response.status_code == 200  # the form again, not a redirect
    form = response.context["adminform"].form
    assert form.errors["name"] == ["Organization 'acme' already exists."]
    assert form["friendly_name"].value() == "Acme Twice"
    assert 'value="Acme Twice"' in response.content.decode()
    assert Organization.objects.count() == 1 and ChangeRecord.objects.count() == before

    # corrected, the same form saves
    response = operator.post(url, {**data, "name": ["acme2"]})
    assert response.status_code == 302
    assert Organization.objects.filter(name="acme2", friendly_name="Acme Twice").exists()


def test_a_refusal_about_no_field_is_shown_at_the_top_of_the_form(operator):
    virt = org_services.organization_create(parent=None, organization_id="virt",
                                            friendly_name="Virtual", virtual=True)
    url = reverse("admin:orgs_orguser_add")
    data = changed(form_data(operator.get(url).content),
                   {"organization": virt.pk, "name": "vera", "firstname": "Vera",
                    "attributes": "{}"})
    response = operator.post(url, data)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "virtual" in " ".join(form.non_field_errors())
    assert form["firstname"].value() == "Vera"
    assert not OrgUser.objects.exists()


def test_the_refusals_field_comes_from_the_error_or_the_admins_table():
    from django.contrib import admin
    from django.core.exceptions import ValidationError

    organizations = admin.site._registry[Organization]
    assert organizations.refusal_errors(AlreadyExistsError("taken")) == {"name": ["taken"]}
    assert organizations.refusal_errors(ValidationError({"friendly_name": ["bad"]})) == {
        "friendly_name": ["bad"]}
    assert organizations.refusal_errors(ValidationError("whole")) == {None: ["whole"]}


def test_valid_from_defaults_to_now_on_the_authorisation_add_form(operator):
    response = operator.get(reverse("admin:authorisations_authorisation_add"))
    initial = response.context["adminform"].form["valid_from"].value()
    assert abs(initial - timezone.now()) < timedelta(seconds=5)
    data = form_data(response.content)
    assert data["valid_from_0"] == [initial.strftime("%Y-%m-%d")]
