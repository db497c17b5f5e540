"""The organization tree in the console (issue 15 item 4): counts per node, a collapsible tree,
children and "add here" on an organization, recursive delete with a confirmation listing what
goes, and memberOf editable through the service."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from audit.models import ChangeRecord
from identities.models import Identity
from identities.services.people import person_create
from orgs import services
from orgs.models import Organization, OrgUser, Role, RoleLink
from orgs.services import UserFields

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client):
    person_create(username="op", password="pw-123456", superuser=True)
    client.login(username="op", password="pw-123456")
    return client


def _grow(parent, n):
    for number in range(n):
        child = services.organization_create(parent=parent, organization_id=f"c{number}",
                                             friendly_name=f"C{number}")
        services.user_create(organization=child, name=f"u{number}", data=UserFields())


def test_the_list_counts_sub_organizations_users_and_roles(operator, tree):
    page = operator.get(reverse("admin:orgs_organization_changelist"))
    acme = next(org for org in page.context["cl"].result_list if org.path == "acme")
    assert (acme.n_children, acme.n_users, acme.n_roles) == (
        1, 1, Role.objects.filter(organization__path="acme").count())
    assert reverse("admin:orgs_organization_tree") in page.content.decode()


def test_list_and_tree_cost_the_same_queries_however_big_the_tree(
        operator, tree):
    def cost(url):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext
        with CaptureQueriesContext(connection) as queries:
            assert operator.get(url).status_code == 200
        return len(queries)
    urls = (reverse("admin:orgs_organization_changelist"), reverse("admin:orgs_organization_tree"))
    small = [cost(url) for url in urls]
    _grow(tree["sales"], 25)
    assert [cost(url) for url in urls] == small


def test_the_tree_nests_and_collapses_with_counts(operator, tree):
    page = operator.get(reverse("admin:orgs_organization_tree")).content.decode()
    assert page.index(">acme<") < page.index(">sales<") < page.index(">north<")
    assert "<details open><summary>" in page  # collapsible, no script
    assert "1 sub-organization · 1 user" in page  # acme
    rooted = operator.get(reverse("admin:orgs_organization_tree"),
                          {"root": tree["sales"].pk}).content.decode()
    assert ">north<" in rooted and ">acme<" not in rooted and ">virt<" not in rooted


def test_the_tree_needs_the_view_permission(client, tree):
    clerk = person_create(username="clerk", password="pw-Cl3rk-x!")
    Identity.objects.filter(pk=clerk.pk).update(is_staff=True)
    client.force_login(clerk)
    assert client.get(reverse("admin:orgs_organization_tree")).status_code == 403


def test_an_organization_shows_its_children_and_adds_here(operator, tree):
    acme = tree["acme"]
    page = operator.get(reverse("admin:orgs_organization_change", args=[acme.pk]))
    text = page.content.decode()
    assert "Sub-organizations" in text and "sales" in text
    for url in (f"{reverse('admin:orgs_organization_add')}?parent={acme.pk}",
                f"{reverse('admin:orgs_orguser_add')}?organization={acme.pk}",
                f"{reverse('admin:orgs_role_add')}?organization={acme.pk}"):
        assert url.replace("&", "&amp;") in text
    add = operator.get(reverse("admin:orgs_organization_add"), {"parent": acme.pk})
    assert add.context["adminform"].form.initial["parent"] == str(acme.pk)


def test_an_organization_with_children_is_deleted_after_a_confirmation_listing_its_subtree(
        operator, tree):
    acme = tree["acme"]
    url = reverse("admin:orgs_organization_delete", args=[acme.pk])
    confirm = operator.get(url)
    text = confirm.content.decode()
    assert confirm.status_code == 200 and confirm.context["protected"] == []
    for shown in ("acme/sales/north", "user acme/alice", "user acme/sales/bob", "role acme/Admin"):
        assert shown in text, shown
    assert Organization.objects.filter(path__startswith="acme").count() == 3  # nothing yet

    done = operator.post(url, {"post": "yes"})
    assert done.status_code == 302
    assert not Organization.objects.filter(path__startswith="acme").exists()
    assert not OrgUser.objects.filter(name__in=["alice", "bob"]).exists()
    gone = ChangeRecord.objects.filter(action="delete", object_type="orgs.organization")
    assert {c.object_repr for c in gone} >= {"acme", "acme/sales", "acme/sales/north"}


def test_deleting_a_subtree_needs_the_delete_permissions_of_what_it_holds(client, tree):
    clerk = person_create(username="clerk", password="pw-Cl3rk-x!")
    Identity.objects.filter(pk=clerk.pk).update(is_staff=True)
    clerk.user_permissions.add(*Permission.objects.filter(
        codename__in=["view_organization", "delete_organization"]))
    client.force_login(clerk)
    url = reverse("admin:orgs_organization_delete", args=[tree["acme"].pk])
    page = client.get(url)
    assert page.status_code == 200
    assert set(page.context["perms_lacking"]) >= {"organization user", "role"}
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert Organization.objects.filter(path="acme").exists()


def test_the_delete_action_takes_a_parent_and_its_child_together(operator, tree):
    operator.post(reverse("admin:orgs_organization_changelist"), {
        "action": "delete_selected", "post": "yes",
        "_selected_action": [tree["acme"].pk, tree["sales"].pk]})
    assert not Organization.objects.filter(path__startswith="acme").exists()


def _role_post(operator, role, member_of, **kwargs):
    return operator.post(reverse("admin:orgs_role_change", args=[role.pk]),
                         {"member_of_roles": [r.pk for r in member_of]}, **kwargs)


def test_member_of_is_edited_through_the_service_and_recorded(operator, tree):
    admin_role, sales = tree["admin"], tree["sales"]
    boss = services.role_put(organization=sales, name="Boss")
    assert _role_post(operator, boss, [admin_role]).status_code == 302
    assert list(RoleLink.objects.filter(role=boss).values_list("member_of", flat=True)) == [
        admin_role.pk]
    update = ChangeRecord.objects.filter(object_id=str(boss.pk), action="update").get()
    assert (update.before["memberOf"], update.after["memberOf"]) == ([], [admin_role.pk])

    assert _role_post(operator, boss, []).status_code == 302
    assert not RoleLink.objects.filter(role=boss).exists()
    page = operator.get(reverse("admin:orgs_role_change", args=[boss.pk]))
    assert page.status_code == 200


def test_a_member_of_cycle_is_refused_and_changes_nothing(operator, tree):
    admin_role = tree["admin"]
    boss = services.role_put(organization=tree["sales"], name="Boss", member_of=admin_role)
    records = ChangeRecord.objects.count()
    response = _role_post(operator, admin_role, [boss], follow=True)
    assert response.status_code == 200 and "makes a cycle" in response.content.decode()
    assert not RoleLink.objects.filter(role=admin_role).exists()
    assert ChangeRecord.objects.count() == records


def test_member_of_set_service_refuses_unknown_roles(tree):
    from orgs.errors import InvalidReferenceError
    ghost = Role(pk=999_999)
    with pytest.raises(InvalidReferenceError):
        services.role_member_of_set(role=tree["admin"], member_of=[ghost])
    assert not RoleLink.objects.filter(role=tree["admin"]).exists()
