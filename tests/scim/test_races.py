"""SCIM writes under concurrent requests (PostgreSQL, real threads): PATCHes of one user never
lose each other's changes (each applies to the user as read under its row locks), one userName
created twice at once is one user and a 409 uniqueness."""

from __future__ import annotations

import pytest

from orgs.models import OrgUser
from tests.races import postgresql_only, together
from tests.scim.conftest import Scim, patch_body, user_body

pytestmark = [postgresql_only, pytest.mark.django_db(transaction=True)]


def test_concurrent_patches_of_one_user_all_land(acme_token):
    scim = Scim(acme_token.secret)
    user = scim.post("/Users", user_body("alice@example.com")).json()["id"]
    kinds = ["home", "other", "work", "school", "club", "alumni", "spare", "old"]

    def add(kind: str):
        return lambda: Scim(acme_token.secret).patch(f"/Users/{user}", patch_body(
            {"op": "add", "path": "emails",
             "value": [{"value": f"{kind}@example.com", "type": kind}]})).status_code

    assert together([add(kind) for kind in kinds]) == [200] * len(kinds)
    emails = scim.get(f"/Users/{user}").json()["emails"]
    assert sorted(e["type"] for e in emails) == sorted(kinds)


def test_one_user_name_created_twice_at_once_is_one_user(acme_token):
    def create():
        response = Scim(acme_token.secret).post("/Users", user_body("same@example.com"))
        return response.status_code, response.json().get("scimType")

    results = together([create for _ in range(6)])
    assert sorted(results, key=str)[0] == (201, None)
    assert sorted(results, key=str)[1:] == [(409, "uniqueness")] * 5
    assert OrgUser.objects.filter(identity__username="same@example.com").count() == 1
