"""The hierarchies in the admin: the ladder's buttons, role and member restrictions, a
member's "acts over" and "above"; every write through the services, with change records."""

import pytest
from django.urls import reverse

from audit.models import ChangeRecord
from identities.models import IdentityRole, MemberRestriction, RoleRestriction, Tenant
from identities.services.people import person_create
from tests.identities.hierarchy import ladder, people

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client):
    client.force_login(person_create(username="root", password="pw-Operat0r!", superuser=True))
    return client


@pytest.fixture
def roles():
    return ladder(4)


def ranks() -> list[int]:
    return list(IdentityRole.objects.order_by("hierarchy_level").values_list("pk", flat=True))


def test_the_ladder_is_in_rank_order_with_buttons_that_move(operator, roles):
    page = operator.get(reverse("admin:identities_identityrole_changelist"))
    assert page.status_code == 200
    html = page.content.decode()
    positions = [html.index(reverse("admin:identities_identityrole_move", args=[r.pk, "up"]))
                 for r in roles]
    assert positions == sorted(positions)  # top first
    url = reverse("admin:identities_identityrole_move", args=[roles[2].pk, "up"])
    assert operator.get(url).status_code == 405  # a write is a POST
    response = operator.post(url)
    assert response.status_code == 302
    assert ranks()[1:3] == [roles[2].pk, roles[1].pk]
    assert ChangeRecord.objects.filter(object_type="identities.identityrole",
                                       action="update", actor_repr="root").count() == 2


def test_role_restrictions_are_edited_on_the_role_page(operator, roles):
    url = reverse("admin:identities_identityrole_change", args=[roles[0].pk])
    page = operator.get(url)
    assert page.status_code == 200 and "hierarchy (roles below" in page.content.decode().lower()
    response = operator.post(url, {"key": roles[0].key, "name": roles[0].name,
                                   "restricted_roles": [roles[2].pk, roles[3].pk]})
    assert response.status_code == 302, response.content
    assert set(RoleRestriction.objects.filter(role=roles[0])
               .values_list("restricted_role_id", flat=True)) == {roles[2].pk, roles[3].pk}
    record = ChangeRecord.objects.filter(object_type="identities.identityrole",
                                         object_id=str(roles[0].pk)).latest("id")
    assert record.after == {"restricted_roles": sorted([roles[2].pk, roles[3].pk])}
    assert record.actor_repr == "root"
    page = operator.get(url).content.decode()
    assert f"2. {roles[1].name}" in page and roles[3].name in page  # hierarchy and the select
    history = operator.get(reverse("admin:identities_identityrole_history",
                                   args=[roles[0].pk]))
    assert history.status_code == 200 and "restricted_roles" in history.content.decode()


def test_a_members_page_answers_whom_it_acts_over_and_who_is_above(operator, roles):
    tenant = Tenant.objects.get(key="default")
    team = people(tenant, [roles[0], roles[1], roles[2], roles[3]])
    url = reverse("admin:identities_member_change", args=[team[1].pk])
    html = operator.get(url).content.decode().lower()
    assert "acts over" in html and "2 members" in html and "1 members" in html
    assert team[2].identity.username in html and team[0].identity.username in html
    response = operator.post(url, {"identity_role": roles[1].pk, "is_enabled": "on",
                                   "restricted_member_ids": f"{team[3].pk}"})
    assert response.status_code == 302, response.content
    assert list(MemberRestriction.objects.filter(member=team[1])
                .values_list("restricted_member_id", flat=True)) == [team[3].pk]
    record = ChangeRecord.objects.filter(object_type="identities.member",
                                         object_id=str(team[1].pk)).latest("id")
    assert record.after == {"restricted_members": [team[3].pk]}
    html = operator.get(url).content.decode().lower()
    assert "1 members" in html and team[3].identity.username not in html.split("acts over")[1]


def test_a_member_of_another_tenant_is_refused_and_nothing_changes(operator, roles):
    tenant = Tenant.objects.get(key="default")
    other = Tenant.objects.create(key="other", name="Other")
    team = people(tenant, [roles[0], roles[1]])
    stranger = people(other, [roles[2]], prefix="s")[0]
    url = reverse("admin:identities_member_change", args=[team[0].pk])
    count = ChangeRecord.objects.count()
    for text in (f"{stranger.pk}", "abc"):
        response = operator.post(url, {"identity_role": roles[0].pk, "is_enabled": "on",
                                       "restricted_member_ids": text})
        assert response.status_code == 200  # the form again, with the error
        assert "restricted_member_ids" in response.context["adminform"].form.errors
    assert not MemberRestriction.objects.exists() and ChangeRecord.objects.count() == count
