"""Identity and tenant saves that change nothing leave no change record and run no UPDATE;
a password set to the one it already is, neither (issue 10, defect 9)."""

import pytest
from django.urls import reverse

from identities.models import Tenant
from identities.services.people import identity_set_password, person_create
from tests.unchanged import records, save_unchanged

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client):
    client.force_login(person_create(username="root", password="pw-Operat0r!", superuser=True))
    return client


def test_admin_saves_of_an_unchanged_identity_and_tenant(operator):
    carol = person_create(username="carol", first_name="Carol", email="c@example.com",
                          password="Xk29-vnq-Plo")
    save_unchanged(operator, reverse("admin:identities_identity_change", args=[carol.pk]))
    save_unchanged(operator, reverse("admin:identities_tenant_change",
                                     args=[Tenant.objects.get(key="default").pk]))


def test_admin_password_change_to_the_same_password_records_nothing(operator):
    carol = person_create(username="carol", password="Xk29-vnq-Plo")
    url = reverse("admin:auth_user_password_change", args=[carol.pk])
    count = records()
    same = {"password1": "Xk29-vnq-Plo", "password2": "Xk29-vnq-Plo", "usable_password": "true"}
    assert operator.post(url, same).status_code == 302
    assert records() == count
    new = {"password1": "Zz81-new-Pass", "password2": "Zz81-new-Pass", "usable_password": "true"}
    assert operator.post(url, new).status_code == 302
    assert records() == count + 1
    carol.refresh_from_db()
    assert carol.check_password("Zz81-new-Pass")


def test_disabling_a_disabled_password_records_nothing():
    dora = person_create(username="dora")
    count = records()
    identity_set_password(identity=dora, password=None)
    assert records() == count and not dora.has_usable_password()
