"""The admin of the DFS catalogs, members and identities: writes through the services."""

import pytest
from django.urls import reverse

from audit.models import ChangeRecord
from identities.models import BankBranch, IdentityRole, Member, Salutation, Tenant
from identities.services.people import person_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client):
    client.force_login(person_create(username="root", password="pw-Operat0r!", superuser=True))
    return client


def ranks() -> list[str]:
    return list(IdentityRole.objects.order_by("hierarchy_level").values_list("key", flat=True))


def test_roles_are_added_last_moved_by_actions_and_deleted_densely(operator):
    response = operator.post(reverse("admin:identities_identityrole_add"),
                             {"key": "intern", "name": "Intern"})
    assert response.status_code == 302, response.content
    before = ranks()
    assert before[-1] == "intern"
    intern = IdentityRole.objects.get(key="intern")
    operator.post(reverse("admin:identities_identityrole_changelist"),
                  {"action": "move_up", "_selected_action": [intern.pk]})
    assert ranks() == [*before[:-2], "intern", before[-2]]
    operator.post(reverse("admin:identities_identityrole_delete", args=[intern.pk]),
                  {"post": "yes"})
    levels = list(IdentityRole.objects.order_by("hierarchy_level")
                  .values_list("hierarchy_level", flat=True))
    assert levels == list(range(1, len(levels) + 1)) and "intern" not in ranks()
    assert ChangeRecord.objects.filter(object_type="identities.identityrole",
                                       object_id=str(intern.pk), action="delete").exists()


def test_a_role_rename_is_recorded_and_keeps_its_rank(operator):
    role = IdentityRole.objects.get(hierarchy_level=2)
    response = operator.post(reverse("admin:identities_identityrole_change", args=[role.pk]),
                             {"key": role.key, "name": "Renamed"})
    assert response.status_code == 302, response.content
    role.refresh_from_db()
    assert (role.name, role.hierarchy_level) == ("Renamed", 2)
    assert ChangeRecord.objects.filter(object_type="identities.identityrole",
                                       action="update").count() == 1


@pytest.mark.parametrize("model, data", [
    (Salutation, {"name": "Prof"}),
    (BankBranch, {"name": "Geneva", "country_id": 41}),
])
def test_catalog_entries_are_added_and_changed_with_records(operator, model, data):
    name = model._meta.model_name
    response = operator.post(reverse(f"admin:identities_{name}_add"), data)
    assert response.status_code == 302, response.content
    entry = model.objects.get(name=data["name"])
    operator.post(reverse(f"admin:identities_{name}_change", args=[entry.pk]),
                  {**data, "name": "Changed"})
    entry.refresh_from_db()
    assert entry.name == "Changed"
    actions = set(ChangeRecord.objects.filter(object_type=f"identities.{name}",
                                              object_id=str(entry.pk))
                  .values_list("action", flat=True))
    assert actions == {"create", "update"}


def test_a_member_changes_role_and_access_and_the_identity_page_lists_it(operator):
    alice = person_create(username="alice")
    member = Member.objects.create(tenant=Tenant.objects.get(key="default"), identity=alice,
                                   identity_role_id=1)
    response = operator.post(reverse("admin:identities_member_change", args=[member.pk]),
                             {"identity_role": 2})  # is_enabled unchecked
    assert response.status_code == 302, response.content
    member.refresh_from_db()
    assert (member.identity_role_id, member.is_enabled) == (2, False)
    assert ChangeRecord.objects.filter(object_type="identities.member",
                                       object_id=str(member.pk), action="update").exists()
    page = operator.get(reverse("admin:identities_identity_change", args=[alice.pk]))
    assert page.status_code == 200 and b"Supervisor" in page.content
    listing = operator.get(reverse("admin:identities_member_changelist"),
                           {"is_enabled__exact": "0", "identity_role__id__exact": "2"})
    assert listing.status_code == 200 and b"alice" in listing.content
