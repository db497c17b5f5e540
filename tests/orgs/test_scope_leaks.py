"""What a client confined by `create_api_client --org` (and `--namespace`) may change and see
through the CustomerID surface beyond the organizations themselves: the mandates
`mandates.remove` revokes, and the related objects a read renders (memberOf, a user's roles,
a role's holders)."""

from __future__ import annotations

import pytest

from audit.models import ChangeRecord
from authorisations.models import Authorisation, AuthorisationType
from authorisations.services.authorisations import authorisation_create, authorisation_revoke
from authorisations.services.catalog import coded_item_create, namespace_create
from orgs import services
from tests.api.test_scope_flags import client_of
from tests.orgs.conftest import ALL, entity, error, ids, short, state

pytestmark = pytest.mark.django_db
S = "/eidm2/services/"
ORG_PERMS = [arg for perm in ALL if perm != "orgs.access_subtree" for arg in ("--perm", perm)]
MODIFY = ("--perm", "AUTHORISATION_MODIFY")


@pytest.fixture
def mandates(tree):
    """alice (acme/alice) holds a live mandate in ns-a and in ns-b; bob (acme/sales/bob) one
    in ns-a only, and in ns-b one already revoked and one expired (neither counts)."""
    made, namespaces = {}, {}
    for code in ("ns-a", "ns-b"):
        namespaces[code] = namespace = namespace_create(code=code)
        coded_item_create(model=AuthorisationType, namespace=namespace, code="mandate")
    for user, code, principal, window in [
            ("alice", "ns-a", "acme", {}), ("alice", "ns-b", "acme", {}),
            ("bob", "ns-a", "acme", {}), ("bob", "ns-b", "earlier", {}),
            ("bob", "ns-b", "old", {"valid_from": _at("2020-01-01"),
                                    "valid_to": _at("2021-01-01")})]:
        made[user, code, principal] = authorisation_create(namespace=namespaces[code], data={
            "type_code": "mandate", "subject_type": "user",
            "subject_value": str(tree[user].pk), "object_type": "string",
            "object_value": principal, **window})
    authorisation_revoke(authorisation=made["bob", "ns-b", "earlier"], details="earlier")
    return {(user, code): row for (user, code, principal), row in made.items()
            if principal == "acme"}


def _at(day: str):
    from datetime import UTC, datetime
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


def revoked() -> set[tuple[str, str]]:
    return {(a.subject_value, a.namespace.code)
            for a in Authorisation.objects.filter(revoked=True, object_value="acme")}


def authorisations_state() -> list:
    return sorted(Authorisation.objects.values_list("pk", "revoked", "modified"))


@pytest.mark.parametrize("args", [
    (*ORG_PERMS, "--org", "acme"),  # no authorisation permission at all
    (*ORG_PERMS, *MODIFY, "--org", "acme"),  # no namespace
    (*ORG_PERMS, *MODIFY, "--org", "acme", "--namespace", "ns-a"),  # ns-b out of reach
    (*ORG_PERMS, "--perm", "AUTHORISATION_VIEW", "--org", "acme", "--namespace", "ns-a",
     "--namespace", "ns-b"),  # both namespaces, but may not change authorisations
], ids=["no-permission", "no-namespace", "one-of-two-namespaces", "view-only"])
def test_mandates_remove_refuses_mandates_out_of_reach_and_changes_nothing(mandates, args):
    api = client_of(*args)
    before, authorisations = state(), authorisations_state()
    message = error(api.put(S + "user/acme/alice?mandates.remove=true&mobile=%2B358401"),
                    403, 3)
    assert "mandates.remove" in message and "ns-b" not in message
    # all or nothing: neither the reachable mandate nor the user's own fields changed
    assert state() == before and authorisations_state() == authorisations
    assert revoked() == set()


def test_mandates_remove_revokes_every_mandate_the_client_reaches(mandates, tree):
    api = client_of(*ORG_PERMS, *MODIFY, "--org", "acme", "--namespace", "ns-a")
    earlier = ChangeRecord.objects.count()
    # bob's ns-b mandates are revoked or expired already: only ns-a's is live
    assert api.put(S + "user/acme/sales/bob?mandates.remove=true").status_code == 200
    assert revoked() == {(str(tree["bob"].pk), "ns-a")}
    records = ChangeRecord.objects.order_by("pk")[earlier:]
    assert [r.object_id for r in records if r.action == ChangeRecord.Action.REVOKE] == [
        str(mandates["bob", "ns-a"].pk)]


def test_mandates_remove_with_global_namespace_reach_revokes_them_all(mandates, tree):
    api = client_of(*ORG_PERMS, *MODIFY, "--perm", "authorisations.use_namespace",
                    "--org", "acme")
    assert api.put(S + "user/acme/alice?mandates.remove=true").status_code == 200
    assert revoked() == {(str(tree["alice"].pk), "ns-a"), (str(tree["alice"].pk), "ns-b")}


def test_mandates_remove_without_mandates_needs_no_authorisation_permission(mandates, tree):
    api = client_of(*ORG_PERMS, "--org", "acme")
    assert api.put(S + "user/acme/alice?mandates.remove=true&mobile=%2B358401"
                   ).status_code == 403
    services.user_update(user=tree["alice"], data=services.UserFields(),
                         mandates_remove=True)  # an internal caller: every namespace
    assert api.put(S + "user/acme/alice?mandates.remove=true&mobile=%2B358401"
                   ).status_code == 200
    assert tree["alice"].__class__.objects.get(pk=tree["alice"].pk).mobile == "+358401"


# --- reads that render related objects ---------------------------------------------------------

@pytest.fixture
def linked(api, tree):
    """acme/sales/Seller is a member of acme/Admin (outside acme/sales) and of
    acme/sales/Team (inside); bob (inside) holds Seller, alice (outside) holds Team."""
    for url in ("role/acme/sales/Team", "role/acme/sales/Seller?memberOf=acme/Admin",
                "role/acme/sales/Seller?memberOf=acme/sales/Team"):
        assert api.put(S + url).status_code == 200
    assert api.post(S + "assignments/acme/sales/Seller?user=acme/sales/bob").status_code == 200
    assert api.post(S + "assignments/acme/sales/Team?user=acme/alice").status_code == 200
    return client_of(*ORG_PERMS, "--org", "acme/sales")


def member_of(response) -> list[str]:
    assert response.status_code == 200, response.content
    _, _, attrs = entity(response)
    return short(attrs.get("memberOf", []))


def test_a_role_read_lists_only_the_member_of_roles_the_client_reaches(api, linked):
    assert member_of(api.get(S + "role/acme/sales/Seller")) == [
        "role/acme/Admin", "role/acme/sales/Team"]
    assert member_of(linked.get(S + "role/acme/sales/Seller")) == ["role/acme/sales/Team"]


def test_other_reads_of_related_objects_keep_to_the_clients_reach(api, linked):
    assert short(ids(api.get(S + "user/acme/sales/bob/roles?recursive=true"))) == [
        "role/acme/Admin", "role/acme/sales/Seller", "role/acme/sales/Team"]
    assert short(ids(linked.get(S + "user/acme/sales/bob/roles?recursive=true"))) == [
        "role/acme/sales/Seller", "role/acme/sales/Team"]
    assert short(ids(linked.get(S + "user/acme/sales/bob/roles"))) == ["role/acme/sales/Seller"]
    assert short(ids(api.get(S + "assignments/acme/sales/Team"))) == [
        "user/acme/alice", "user/acme/sales/bob"]
    assert short(ids(linked.get(S + "assignments/acme/sales/Team"))) == ["user/acme/sales/bob"]
    assert short(ids(linked.get(S + "roles/acme/sales/?recursive=true"))) == [
        "role/acme/sales/Seller", "role/acme/sales/Team"]
