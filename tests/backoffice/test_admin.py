"""The back-office admin: menus as a tree, groups with their policies inline, a member's
menus and policies; every write through the services (change records, History pages)."""

import pytest
from django.urls import reverse

from audit.models import ChangeRecord
from backoffice.models import AccessPolicy, AccessPolicyGroup, MemberBackOffice, Menu
from backoffice.queries import member_menus, member_policy_ids
from backoffice.services.assignments import member_menus_set
from identities.services.people import person_create
from identities.services.tenants import member_upsert, tenant_create
from tests.backoffice.catalogs import document, load, state

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme():
    tenant = tenant_create(key="acme", name="Acme")
    load(document("acme"))
    return tenant


@pytest.fixture
def member(acme):
    return member_upsert(tenant=acme, identity=person_create(username="ada"))


@pytest.fixture
def operator(client):
    client.force_login(person_create(username="root", password="pw-Operat0r!", superuser=True))
    return client


def test_menus_are_listed_as_an_indented_tree(operator, acme):
    tenant_create(key="globex", name="Globex")
    load(document("globex", base=100))
    response = operator.get(reverse("admin:backoffice_menu_changelist"),
                            {"tenant__id__exact": acme.id})
    assert response.status_code == 200
    page = response.content.decode()
    names = ["Dashboard", "Clients", "Client list", "Export", "Onboarding"]
    places = [page.index(f"{'└ ' if n > 1 else ''}{name}<")
              for n, name in enumerate(names)]
    assert places == sorted(places)  # tree order
    assert "\u2003\u2002" * 2 + "└ Export" in page  # depth 2 (no inline style: the CSP)


def test_a_menu_is_added_below_another_and_recorded(operator, acme):
    response = operator.post(reverse("admin:backoffice_menu_add"), {
        "tenant": acme.id, "key": "reports", "name": "Reports", "parent": 2, "position": 5})
    assert response.status_code == 302, response.content
    menu = Menu.objects.get(key="reports")
    assert menu.parent_id == 2
    assert ChangeRecord.objects.filter(object_type="backoffice.menu", object_id=str(menu.pk),
                                       action="create").exists()
    history = operator.get(reverse("admin:backoffice_menu_history", args=[menu.pk]))
    assert history.status_code == 200 and b"reports" in history.content


def test_a_menu_cannot_go_below_itself_nor_lose_its_children(operator, acme):
    before = state()
    response = operator.post(reverse("admin:backoffice_menu_change", args=[2]), {
        "key": "clients", "name": "Clients", "parent": 5, "position": 1}, follow=True)
    assert b"cannot be placed below itself" in response.content
    response = operator.post(reverse("admin:backoffice_menu_delete", args=[2]), {"post": "yes"},
                             follow=True)
    assert Menu.objects.filter(pk=2).exists()
    assert state() == before


def test_a_group_and_its_policies_are_edited_inline_through_the_services(operator, acme):
    group = AccessPolicyGroup.objects.get(pk=1)
    url = reverse("admin:backoffice_accesspolicygroup_change", args=[group.pk])
    data = {"key": "clients", "name": "Clients", "position": 0,
            "policies-TOTAL_FORMS": 3, "policies-INITIAL_FORMS": 2,
            "policies-MIN_NUM_FORMS": 0, "policies-MAX_NUM_FORMS": 1000,
            "policies-0-id": 1, "policies-0-group": 1, "policies-0-key": "read",
            "policies-0-name": "Read all", "policies-0-position": 0,
            "policies-1-id": 2, "policies-1-group": 1, "policies-1-key": "write",
            "policies-1-name": "Write", "policies-1-position": 1, "policies-1-DELETE": "on",
            "policies-2-group": 1, "policies-2-key": "export", "policies-2-name": "Export",
            "policies-2-position": 2}
    response = operator.post(url, data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert list(AccessPolicy.objects.filter(group=group).order_by("id")
                .values_list("key", "name")) == [("read", "Read all"), ("export", "Export")]
    actions = set(ChangeRecord.objects.filter(object_type="backoffice.accesspolicy")
                  .values_list("object_id", "action"))
    new = AccessPolicy.objects.get(key="export").pk
    assert {("1", "update"), ("2", "delete"), (str(new), "create")} <= actions


def test_a_members_menus_and_policies_are_set_through_the_services(operator, member):
    url = reverse("admin:backoffice_memberbackoffice_change", args=[member.pk])
    page = operator.get(url)
    assert page.status_code == 200 and b"Client list" in page.content
    response = operator.post(url, {"menus": [1, 2, 3], "default_menus": [2],
                                   "access_policies": [3]})
    assert response.status_code == 302, response.content
    given = member_menus(member)
    assert ([m.id for m in given.menus], given.default_ids) == ([1, 2, 3], [2])
    assert member_policy_ids(member) == [3]
    records = ChangeRecord.objects.filter(object_type="backoffice.memberbackoffice",
                                          object_id=str(member.pk))
    assert records.count() == 2  # the menus, then the policies
    history = operator.get(reverse("admin:backoffice_memberbackoffice_history",
                                   args=[member.pk]))
    assert history.status_code == 200 and b"access_policy_ids" in history.content


def test_a_default_not_among_the_menus_is_refused_and_changes_nothing(operator, member):
    member_menus_set(member=member, menu_ids=[1], default_menu_ids=[1])
    before = state()
    url = reverse("admin:backoffice_memberbackoffice_change", args=[member.pk])
    response = operator.post(url, {"menus": [2], "default_menus": [3],
                                   "access_policies": [1]}, follow=True)
    assert b"A default menu must be among MenuIds" in response.content
    assert state() == before


def test_deleting_a_member_or_an_identity_records_what_it_was_given(operator, acme, member):
    member_menus_set(member=member, menu_ids=[1, 2], default_menu_ids=[2])
    operator.post(reverse("admin:identities_member_delete", args=[member.pk]), {"post": "yes"})
    gone = ChangeRecord.objects.get(object_type="backoffice.memberbackoffice",
                                    object_id=str(member.pk), action="delete")
    assert gone.before == {"menu_ids": [1, 2], "default_menu_ids": [2],
                           "access_policy_ids": []} and gone.after is None
    other = member_upsert(tenant=acme, identity=person_create(username="bob"))
    member_menus_set(member=other, menu_ids=[4], default_menu_ids=[])
    operator.post(reverse("admin:identities_identity_delete", args=[other.identity_id]),
                  {"post": "yes"})
    assert not MemberBackOffice.objects.filter(pk=other.pk).exists()
    gone = ChangeRecord.objects.get(object_type="backoffice.memberbackoffice",
                                    object_id=str(other.pk), action="delete")
    assert gone.before["menu_ids"] == [4]
