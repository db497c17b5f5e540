"""CustomerID writes that change nothing leave no change record and run no UPDATE, through
the API and the admin; a real change records one (issue 10, defect 9)."""

import pytest
from django.urls import reverse

from identities.services.people import person_create
from orgs.models import OrgUser
from tests.unchanged import save_unchanged, twice

pytestmark = pytest.mark.django_db
S = "/eidm2/services/"
USER = ("user/acme/alice?email=a@example.com&firstname=Alice&surname=A&mobile=%2B358401"
        "&locale=fi_FI&hetu=131052-308T&pwd=Secret-1&pwd.activated=true&enable=true&age=45,46")


def test_user_put_twice_with_every_attribute_and_a_password(api, tree):
    twice(lambda: api.put(S + USER), then=lambda: api.put(S + USER.replace("401", "402")))
    alice = OrgUser.objects.select_related("identity").get(identity__username="alice")
    assert alice.identity.check_password("Secret-1") and alice.hetu == "131052-308T"
    assert alice.mobile == "+358402"


def test_user_put_of_the_same_password_keeps_its_hash_and_a_new_one_records(api, tree):
    twice(lambda: api.put(S + "user/acme/alice?pwd=First-1"),
          then=lambda: api.put(S + "user/acme/alice?pwd=Second-2"))
    assert OrgUser.objects.get(identity__username="alice").identity.check_password("Second-2")


def test_user_put_of_a_new_hetu_records_though_both_show_masked(api, tree):
    twice(lambda: api.put(S + "user/acme/alice?hetu=131052-308T"),
          then=lambda: api.put(S + "user/acme/alice?hetu=010101A123N"))
    assert OrgUser.objects.get(identity__username="alice").hetu == "010101A123N"


def test_user_put_of_an_empty_password_on_a_disabled_one_changes_nothing(api, tree):
    twice(lambda: api.put(S + "user/acme/alice?pwd="))
    assert not OrgUser.objects.get(identity__username="alice").identity.has_usable_password()


def test_user_put_with_create_on_an_existing_user_is_an_unchanged_update(api, tree):
    twice(lambda: api.put(S + "user/acme/sales/carol?create=true&uid=carol&mobile=0401"))


def test_user_put_removing_roles_and_mandates_it_no_longer_has(api, tree):
    twice(lambda: api.put(S + "user/acme/sales/bob?roles.remove=true&mandates.remove=true"))
    assert not tree["bob"].assignments.exists()


def test_org_put_twice(api, tree):
    twice(lambda: api.put(S + "org/acme?friendlyName=Acme%20Oy&vatnumber=1,2"),
          then=lambda: api.put(S + "org/acme?vatnumber=3"))


def test_role_put_of_a_member_of_it_already_has(api, tree):
    assert api.put(S + "role/virt/v1/Partner").status_code == 200
    twice(lambda: api.put(S + "role/acme/Admin?memberOf=virt/v1/Partner"))


@pytest.fixture
def operator(client):
    client.force_login(person_create(username="root", password="pw-Operat0r!", superuser=True))
    return client


def test_admin_saves_of_an_unchanged_organization_and_user(operator, api, tree):
    assert api.put(S + USER).status_code == 200
    assert api.put(S + "org/acme?vatnumber=1,2").status_code == 200
    save_unchanged(operator, reverse("admin:orgs_organization_change", args=[tree["acme"].pk]))
    save_unchanged(operator, reverse("admin:orgs_orguser_change", args=[tree["alice"].pk]))
    alice = OrgUser.objects.select_related("identity").get(identity__username="alice")
    assert alice.hetu == "131052-308T" and alice.identity.check_password("Secret-1")
    assert alice.attributes == {"age": ["45", "46"]}
