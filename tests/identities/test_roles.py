"""The identity role catalog: `GET /v2.0/roles` and the rank it keeps dense and unique."""

import pytest
from django.db import IntegrityError, transaction

from audit.models import ChangeRecord
from identities.models import IdentityRole
from identities.services.roles import identity_role_create, identity_role_move
from tests.identities.dfs import ROLE_PERMS, assert_additiv_error

pytestmark = pytest.mark.django_db
URL = "/v2.0/roles"


def levels() -> list[tuple[str, int]]:
    return list(IdentityRole.objects.order_by("hierarchy_level")
                .values_list("key", "hierarchy_level"))


def test_the_migration_seeds_at_least_three_roles_ranked_densely():
    ranks = [level for _, level in levels()]
    assert len(ranks) >= 3 and ranks == list(range(1, len(ranks) + 1))


def test_roles_answer_id_key_name_and_level_in_rank_order(make_caller):
    response = make_caller(ROLE_PERMS).basic().get(URL)
    assert response.status_code == 200, response.content
    body = response.json()
    assert [r["HierarchyLevel"] for r in body] == list(range(1, len(body) + 1))
    top = IdentityRole.objects.get(hierarchy_level=1)
    assert body[0] == {"Id": top.id, "Key": top.key, "Name": top.name, "HierarchyLevel": 1}


def test_an_empty_catalog_is_an_empty_list(make_caller):
    IdentityRole.objects.all().delete()
    response = make_caller(ROLE_PERMS).bearer().get(URL)
    assert response.status_code == 200 and response.json() == []


def test_roles_need_the_view_permission_and_credentials(make_caller, client):
    assert_additiv_error(make_caller([]).basic().get(URL), 403, "view_identityrole")
    assert_additiv_error(client.get(URL), 401)


def test_a_rank_is_unique_in_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        IdentityRole.objects.create(key="dup", name="Dup", hierarchy_level=1)


def test_a_move_swaps_with_the_neighbour_and_is_recorded():
    before = levels()
    second = IdentityRole.objects.get(hierarchy_level=2)
    identity_role_move(role=second, up=True)
    after = levels()
    assert after[0] == (before[1][0], 1) and after[1] == (before[0][0], 2)
    assert ChangeRecord.objects.filter(object_type="identities.identityrole",
                                       action="update").count() == 2


def test_a_move_past_the_top_or_bottom_changes_nothing():
    before = levels()
    identity_role_move(role=IdentityRole.objects.get(hierarchy_level=1), up=True)
    last = IdentityRole.objects.order_by("-hierarchy_level").first()
    identity_role_move(role=last, up=False)
    assert levels() == before


def test_a_new_role_ranks_last():
    count = IdentityRole.objects.count()
    role = identity_role_create(key="intern", name="Intern")
    assert role.hierarchy_level == count + 1
