"""Reads, lists, updates and removals of the CustomerID surface beyond the curl examples."""

import pytest
from django.core.management import call_command

from audit.models import ChangeRecord
from identities.models import Identity
from orgs.models import Assignment, Organization, OrgUser, Role, RoleLink
from tests.orgs.conftest import ALL, entity, error, ids, short, state

pytestmark = pytest.mark.django_db

S = "/eidm2/services/"


def test_type_roles_are_created_with_the_organization(api, tree):
    response = api.post(S + "orgs/?organizationId=globex&friendlyName=Globex"
                            "&organizationClass=company&vatnumber=FI123,FI456")
    assert response.status_code == 200
    assert short(ids(api.get(S + "roles/globex/"))) == [
        "role/globex/OrganizationMainUser", "role/globex/OrganizationUser"]
    _, _, attrs = entity(api.get(S + "org/globex"))
    assert attrs == {"organizationId": ["globex"], "friendlyName": ["Globex"],
                     "organizationType": ["company"], "virtual": ["false"],
                     "vatnumber": ["FI123", "FI456"]}


def test_update_replaces_given_removes_empty_keeps_missing(api, tree):
    api.put(S + "org/acme?vatnumber=1,2&domain=acme.fi")
    api.put(S + "org/acme?vatnumber=3&domain=")
    _, _, attrs = entity(api.get(S + "org/acme/"))
    assert attrs["vatnumber"] == ["3"] and "domain" not in attrs
    assert attrs["friendlyName"] == ["Acme"]


def test_virtual_defaults_to_false_as_the_spec_says(api, tree):
    """001's table: `virtual`, default false. Omitted under a virtual parent it asks for a
    normal organization there, which the vendor refuses with code 9 (nothing written);
    a virtual child is asked for with virtual=true."""
    before = state()
    assert error(api.post(S + "orgs/virt/?organizationId=v2&friendlyName=V2"), 409, 9)
    assert state() == before
    assert api.post(S + "orgs/virt/?organizationId=v2&friendlyName=V2&virtual=true"
                    ).status_code == 200
    assert Organization.objects.get(path="virt/v2").virtual
    assert api.post(S + "orgs/acme/?organizationId=n&friendlyName=N").status_code == 200
    assert not Organization.objects.get(path="acme/n").virtual
    assert api.post(S + "orgs/?organizationId=top&friendlyName=T").status_code == 200
    assert not Organization.objects.get(path="top").virtual
    assert api.post(S + "orgs/?organizationId=vx&friendlyName=VX&virtual=true").status_code == 200
    assert Organization.objects.get(path="vx").virtual
    assert error(api.post(S + "orgs/acme/?organizationId=v&friendlyName=V&virtual=true"),
                 409, 8)


def test_lists_children_or_whole_subtrees(api, tree):
    assert short(ids(api.get(S + "orgs/"))) == ["org/acme", "org/virt"]
    assert short(ids(api.get(S + "orgs/acme/"))) == ["org/acme/sales"]
    assert short(ids(api.get(S + "orgs/acme?recursive=true"))) == [
        "org/acme/sales", "org/acme/sales/north"]
    assert len(ids(api.get(S + "orgs/?recursive=true"))) == 5
    assert short(ids(api.get(S + "users/acme/"))) == ["user/acme/alice"]
    assert short(ids(api.get(S + "users/acme/?recursive=true"))) == [
        "user/acme/alice", "user/acme/sales/bob"]
    assert short(ids(api.get(S + "users/acme/?recursive=true&maxResults=2"))) == [
        "user/acme/alice", "user/acme/sales/bob"]


def test_a_subtree_range_does_not_catch_lookalike_siblings(api, tree):
    for name in ("acme-x", "acme0", "acmE"):
        api.post(S + f"orgs/?organizationId={name}&friendlyName=L")
    assert short(ids(api.get(S + "orgs/acme/?recursive=true"))) == [
        "org/acme/sales", "org/acme/sales/north"]


@pytest.mark.parametrize("query, expected", [
    ("uid=ali", ["user/acme/alice"]),
    ("uid=ali&exactMatch=true", []),
    ("uid=alice&exactMatch=true", ["user/acme/alice"]),
    ("email=EXAMPLE.com", ["user/acme/alice"]),
    ("status=enabled", ["user/acme/alice", "user/acme/sales/bob"]),
    ("age=4", ["user/acme/alice"]),
    ("age=45&exactMatch=true", []),
    ("age=45,46&exactMatch=true", ["user/acme/alice"]),
    ("hetu=131052-308t", ["user/acme/alice"]),
])
def test_user_list_attribute_filters(api, tree, query, expected):
    api.put(S + "user/acme/alice?age=45,46&hetu=131052-308T")
    assert short(ids(api.get(S + f"users/acme/?recursive=true&{query}"))) == expected


def test_user_update_every_attribute(api, tree):
    response = api.put(
        S + "user/acme/alice?email=a@b.fi&firstname=Alice&surname=Smith&mobile=%2B35840123"
            "&locale=fi_FI&hetu=131052-308t&pwd=s3cret-Pass&pwd.activated=true&age=45"
            "&otp.state=x&otp.activated=true&sms.activated=false")
    assert response.status_code == 200, response.content
    _, _, attrs = entity(api.get(S + "user/acme/alice"))
    assert attrs == {"uid": ["alice"], "email": ["a@b.fi"], "firstname": ["Alice"],
                     "surname": ["Smith"], "mobile": ["+35840123"], "locale": ["fi_FI"],
                     "hetu": ["131052-308T"], "pwd.activated": ["true"],
                     "status": ["enabled"], "age": ["45"]}
    identity = Identity.objects.get(username="alice")
    assert identity.check_password("s3cret-Pass") and identity.password != "s3cret-Pass"
    change = ChangeRecord.objects.filter(object_type="orgs.orguser").latest("id")
    assert change.after["hetu"] == "***" and "131052" not in str(change.before)
    assert "s3cret" not in str(change.after)


def test_empty_password_disables_the_password_method(api, tree):
    api.put(S + "user/acme/alice?pwd=first-Pass")
    api.put(S + "user/acme/alice?pwd=")
    assert not Identity.objects.get(username="alice").has_usable_password()
    _, _, attrs = entity(api.get(S + "user/acme/alice"))
    assert attrs["pwd.activated"] == ["false"]


def test_disable_enable_and_status(api, tree):
    api.put(S + "user/acme/alice?disable=true")
    user = OrgUser.objects.get(name="alice")
    assert user.status == "disabled" and not user.identity.is_active
    api.put(S + "user/acme/alice?enable=true")
    user.refresh_from_db()
    user.identity.refresh_from_db()
    assert user.status == "enabled" and user.identity.is_active


def test_put_with_create_makes_the_user_under_the_given_name(api, tree):
    response = api.put(S + "user/acme/sales/carol/?create=true&uid=carol")
    assert short(ids(response)) == ["user/acme/sales/carol"]
    assert OrgUser.objects.get(name="carol").identity.username == "carol"
    # again: an update, not a duplicate
    assert api.put(S + "user/acme/sales/carol/?create=true&mobile=%2B3584").status_code == 200
    assert OrgUser.objects.filter(name="carol").count() == 1


def test_roles_remove_takes_every_assignment(api, tree):
    api.post(S + "assignments/acme/OrganizationUser?user=acme/sales/bob")
    assert Assignment.objects.filter(user__name="bob").count() == 2
    assert api.put(S + "user/acme/sales/bob?roles.remove=true").status_code == 200
    assert not Assignment.objects.filter(user__name="bob").exists()
    assert ChangeRecord.objects.filter(object_type="orgs.assignment", action="delete").count() == 2


def test_mandates_remove_revokes_the_users_mandates_only(api, tree, make_caller):
    from authorisations.models import Authorisation, AuthorisationType
    from authorisations.services.catalog import (
        api_client_namespaces_grant,
        coded_item_create,
        namespace_create,
    )

    namespace = namespace_create(code="ns", name="NS")
    for code in ("mandate", "employment"):
        coded_item_create(model=AuthorisationType, namespace=namespace, code=code)
    client = make_caller(["AUTHORISATION_CREATE", "AUTHORISATION_VIEW"])
    api_client_namespaces_grant(identity=client.identity, codes=["ns"])
    authz = client.basic()
    alice, bob = str(tree["alice"].pk), str(tree["bob"].pk)
    made = {}
    for name, kind, subject in [("alice-mandate", "mandate", alice),
                                ("alice-employment", "employment", alice),
                                ("bob-mandate", "mandate", bob)]:
        response = authz.post("/api/rest/v1/authorisation", {
            "authType": kind, "subject": {"type": "user", "value": subject},
            "object": {"type": "string", "value": "acme"}}, format="json")
        assert response.status_code in (200, 201), response.content
        made[name] = response.json()["id"]

    error(api.put(S + "user/acme/alice?mandates.remove=sometimes"), 400, 1)
    assert not Authorisation.objects.filter(revoked=True).exists()
    # revoking needs the authorisation permission and the namespace (tests/orgs/test_scope_leaks)
    error(api.put(S + "user/acme/alice?mandates.remove=true"), 403, 3)
    revoker = make_caller([*ALL, "AUTHORISATION_MODIFY"], name="revoker")
    api_client_namespaces_grant(identity=revoker.identity, codes=["ns"])
    api = revoker.basic()
    assert api.put(S + "user/acme/alice?mandates.remove=true").status_code == 200
    revoked = set(Authorisation.objects.filter(revoked=True).values_list("pk", flat=True))
    assert {str(pk) for pk in revoked} == {made["alice-mandate"]}
    row = Authorisation.objects.get(pk=made["alice-mandate"])
    assert "mandates.remove" in row.revocation_details
    assert ChangeRecord.objects.filter(action="revoke", actor_repr="revoker").count() == 1


def test_assignment_across_organizations_and_through_member_of(api, tree):
    # a role of the virtual organization, given to a user of acme
    assert api.put(S + "role/virt/v1/Partner").status_code == 200
    assert api.post(S + "assignments/virt/v1/Partner?user=acme/alice").status_code == 200
    # Admin is a member of Partner: Admin's holders hold Partner too
    response = api.put(S + "role/acme/Admin?memberOf=" + "https://h/eidm2/services/role/virt/v1/"
                           "Partner")
    assert response.status_code == 200
    assert short(ids(api.get(S + "assignments/virt/v1/Partner"))) == [
        "user/acme/alice", "user/acme/sales/bob"]
    assert short(ids(api.get(S + "user/acme/sales/bob/roles"))) == ["role/acme/Admin"]
    assert short(ids(api.get(S + "user/acme/sales/bob/roles?recursive=true"))) == [
        "role/acme/Admin", "role/virt/v1/Partner"]
    _, _, attrs = entity(api.get(S + "role/acme/Admin"))
    assert attrs["memberOf"] == ["http://testserver/eidm2/services/role/virt/v1/Partner"]


def test_recursive_delete_removes_exactly_the_subtree(api, tree):
    api.put(S + "role/acme/sales/north/Local?memberOf=acme/Admin")
    api.put(S + "user/acme/sales/north/dave?create=true&uid=dave")
    api.post(S + "assignments/acme/sales/north/Local?user=acme/alice")  # from outside
    api.post(S + "assignments/acme/Admin?user=acme/sales/north/dave")  # to outside
    api.post(S + "orgs/?organizationId=acme-sales&friendlyName=Lookalike")
    outside_users = set(OrgUser.objects.exclude(organization__path__startswith="acme/sales")
                        .values_list("pk", flat=True))
    records_before = ChangeRecord.objects.count()

    response = api.delete(S + "org/acme/sales?recursive=true")
    assert response.status_code == 200, response.content
    assert short(ids(response)) == [
        "org/acme/sales", "org/acme/sales/north", "role/acme/sales/north/Local",
        "user/acme/sales/bob", "user/acme/sales/north/dave"]
    assert sorted(Organization.objects.values_list("path", flat=True)) == [
        "acme", "acme-sales", "virt", "virt/v1"]
    assert set(OrgUser.objects.values_list("pk", flat=True)) == outside_users
    assert not Identity.objects.filter(username__in=["bob", "dave"]).exists()
    assert not Role.objects.filter(name="Local").exists()
    assert not RoleLink.objects.exists()
    assert Assignment.objects.count() == 0  # alice→Local, bob→Admin, dave→Admin all gone
    tomb = ChangeRecord.objects.filter(pk__gt=0).order_by("id")[records_before:]
    kinds = sorted((r.object_type, r.action) for r in tomb)
    assert kinds == sorted([("orgs.organization", "delete")] * 2 + [("orgs.role", "delete")]
                           + [("orgs.orguser", "delete")] * 2
                           + [("orgs.assignment", "delete")] * 3)
    bob = next(r for r in tomb if r.object_repr == "acme/sales/bob")
    assert bob.before["username"] == "bob" and bob.actor_repr == "restuser"
    assert bob.object_id == str(tree["bob"].pk)
    north = next(r for r in tomb if r.object_repr == "acme/sales/north")
    assert north.before["friendly_name"] == "North" and north.before["attributes"] == {}


def test_delete_without_recursive_removes_a_leaf_with_its_roles_and_users(api, tree):
    api.put(S + "user/acme/sales/north/erin?create=true")
    api.put(S + "role/acme/sales/north/R")
    response = api.delete(S + "org/acme/sales/north")
    assert short(ids(response)) == ["org/acme/sales/north", "role/acme/sales/north/R",
                                    "user/acme/sales/north/erin"]


def test_remove_role_and_user(api, tree):
    assert short(ids(api.delete(S + "role/acme/Admin"))) == ["role/acme/Admin"]
    assert not Assignment.objects.exists()
    assert short(ids(api.delete(S + "user/acme/alice"))) == ["user/acme/alice"]
    assert not Identity.objects.filter(username="alice").exists()
    assert error(api.get(S + "user/acme/alice"), 404, 7)


def test_create_api_client_with_org_scopes_the_client(tree, capsys):
    import json

    call_command("create_api_client", "scoped", "--org", "acme/sales", "--org", "virt",
                 "--json")
    creds = json.loads(capsys.readouterr().out)
    from foundation.reach import of
    from orgs.models import SUBTREES

    assert of(Identity.objects.get(username=creds["username"]), SUBTREES).roots == (
        "acme/sales", "virt")
