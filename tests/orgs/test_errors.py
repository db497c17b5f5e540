"""Each refused call answers its documented status and `<error>` code, and changes nothing."""

import pytest

from orgs import services
from tests.orgs.conftest import error, state

pytestmark = pytest.mark.django_db

S = "/eidm2/services/"
CASES = [
    # organizations
    ("post", "orgs/?friendlyName=X", 400, 1, "organizationId"),
    ("post", "orgs/?organizationId=x", 400, 1, "friendlyName"),
    ("post", "orgs/?organizationId=acme&friendlyName=A", 409, 4, "already exists"),
    ("post", "orgs/acme/?organizationId=sales&friendlyName=S", 409, 4, "already exists"),
    ("post", "orgs/?organizationId=x&friendlyName=X&vatnumbr=1", 400, 1, "vatnumbr"),
    ("post", "orgs/nope/?organizationId=x&friendlyName=X", 404, 5, "nope"),
    ("post", "orgs/acme/?organizationId=x&friendlyName=X&virtual=true", 409, 8, "not virtual"),
    ("post", "orgs/virt/?organizationId=x&friendlyName=X&virtual=false", 409, 9, "virtual"),
    ("post", "orgs/?organizationId=a%20b&friendlyName=X", 400, 1, "organizationId"),
    ("post", "orgs/?organizationId=..&friendlyName=X", 400, 1, "organizationId"),
    ("post", "orgs/?organizationId=x&friendlyName=X&organizationType=nope", 400, 1, "nope"),
    ("post", "orgs/?organizationId=x&friendlyName=X&organizationType=company"
             "&organizationClass=department", 400, 1, "differ"),
    ("post", "orgs/?organizationId=x&friendlyName=" + "F" * 5000, 400, 1, "too long"),
    ("post", "orgs/?organizationId=x&friendlyName=" + "F" * 300, 400, 1, "longer"),
    ("post", "orgs/?organizationId=" + "x" * 65 + "&friendlyName=X", 400, 1, "organizationId"),
    ("post", "orgs/?organizationId=x&friendlyName=X&friendlyName=Y", 400, 1, "more than once"),
    ("post", "orgs/?organizationId=x&friendlyName=X&virtual=maybe", 400, 1, "virtual"),
    ("post", "orgs/?organizationId=x&friendlyName=X%00Y", 400, 1, "NUL"),
    ("post", "orgs/?organizationId=x&friendlyName=X&vatnumber=1%002", 400, 1, "NUL"),
    ("post", "orgs/?organizationId=x&friendlyName=X&vatnumber=" + "1" * 300, 400, 1, "longer"),
    ("put", "org/acme?friendlyName=", 400, 1, "friendlyName"),
    ("put", "org/acme?colour=red", 400, 1, "colour"),
    ("put", "org/nope?friendlyName=N", 404, 7, "nope"),
    ("delete", "org/acme", 409, 1, "recursive=true"),
    ("delete", "org/nope?recursive=true", 404, 7, "nope"),
    ("get", "org/acme//sales", 400, 1, "path"),
    ("get", "org/" + "/".join(["a"] * 20), 400, 1, "deeper"),
    ("patch", "org/acme", 405, 13, "PATCH"),
    ("get", "nothing/here", 404, 7, ""),
    # users
    ("post", "users/virt/?uid=z", 409, 9, "virtual"),
    ("post", "users/virt/v1/?uid=z", 409, 9, "virtual"),
    ("post", "users/nope/?uid=z", 404, 5, "nope"),
    ("post", "users/acme/?uid=alice", 409, 4, "alice"),
    ("post", "users/acme/?uid=restuser", 409, 4, "restuser"),
    ("post", "users/acme/?hetu=131052-308X", 400, 1, "check character"),
    ("post", "users/acme/?hetu=310252-308T", 400, 1, "date"),
    ("post", "users/acme/?hetu=1310523-08T", 400, 1, "hetu"),
    ("post", "users/acme/?hetu=131052-001T", 400, 1, "individual"),
    ("post", "users/acme/?age2=3", 400, 1, "age2"),
    ("post", "users/acme/?email=not-an-email", 400, 1, "email"),
    ("post", "users/acme/?mobile=call-me", 400, 1, "mobile"),
    ("post", "users/acme/?uid=" + "u" * 151, 400, 1, "uid"),
    ("post", "users/acme/?pwd.activated=perhaps", 400, 1, "pwd.activated"),
    ("post", "users/acme/?firstname=A%00B", 400, 1, "NUL"),
    ("put", "user/acme/nobody?mobile=%2B358401", 404, 7, "nobody"),
    ("put", "user/acme/alice?enable=true&disable=true", 400, 1, "enable"),
    ("put", "user/acme/alice?uid=bob", 409, 4, "bob"),
    ("put", "user/acme/alice?hetu=131052-308X", 400, 1, "check character"),
    ("put", "user/virt/newbie?create=true", 409, 9, "virtual"),
    ("put", "user/acme/roles?create=true", 405, 13, "PUT"),
    ("put", "user/acme?mobile=1", 400, 1, "user path"),
    ("get", "users/acme/?maxResults=1&recursive=true", 400, 12, "More than 1"),
    ("get", "users/acme/?maxResults=abc", 400, 1, "maxResults"),
    ("get", "users/acme/?maxResults=0", 400, 1, "maxResults"),
    ("get", "users/acme/?shoesize=3", 400, 1, "shoesize"),
    ("get", "orgs/?recursive=true&maxResults=4", 400, 12, "More than 4"),
    # roles and assignments
    ("put", "role/acme/Admin", 409, 4, "already exists"),
    ("put", "role/acme/X?memberOf=acme/Nope", 400, 10, "Nope"),
    ("put", "role/acme/Admin?memberOf=acme/Admin", 409, 10, "cycle"),
    ("put", "role/nope/X", 404, 5, "nope"),
    ("put", "role/acme/X?colour=red", 400, 1, "colour"),
    ("delete", "role/acme/Nope", 404, 7, "Nope"),
    ("post", "assignments/acme/Admin", 400, 1, "user"),
    ("post", "assignments/acme/Admin?user=acme/nobody", 400, 10, "nobody"),
    ("post", "assignments/acme/Admin?user=acme/sales/bob", 409, 4, "already has"),
    ("post", "assignments/acme/Nope?user=acme/alice", 404, 7, "Nope"),
    ("delete", "assignments/acme/Admin?user=acme/alice", 400, 10, "does not have"),
]


@pytest.mark.parametrize("method, url, status, code, text", CASES,
                         ids=[f"{c[0]} {c[1][:60]}" for c in CASES])
def test_refused_and_nothing_changed(api, tree, method, url, status, code, text):
    before = state()
    response = getattr(api, method)(S + url)
    message = error(response, status, code)
    assert text in message
    assert state() == before


def test_a_role_cycle_through_two_roles_is_refused(api, tree):
    assert api.put(S + "role/acme/Admin?memberOf=acme/OrganizationUser").status_code == 200
    before = state()
    message = error(api.put(S + "role/acme/OrganizationUser?memberOf=acme/Admin"), 409, 10)
    assert "cycle" in message
    # and through three
    assert api.put(S + "role/acme/OrganizationUser?memberOf=acme/OrganizationMainUser"
                   ).status_code == 200
    before = state()
    error(api.put(S + "role/acme/OrganizationMainUser?memberOf=acme/Admin"), 409, 10)
    assert state() == before


def test_the_bad_hetu_is_never_echoed_nor_logged(api, tree, caplog):
    response = api.post(S + "users/acme/?hetu=131052-308X")
    assert b"131052" not in response.content
    assert "131052" not in caplog.text


def test_without_credentials_401_with_a_basic_challenge(client, tree):
    before = state()
    response = client.post(S + "orgs/?organizationId=x&friendlyName=X")
    error(response, 401, 2)
    assert response["WWW-Authenticate"].startswith("Basic")
    assert state() == before


def test_wrong_password_is_401(restuser, tree):
    from rest_framework.test import APIClient

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Basic cmVzdHVzZXI6d3Jvbmc=")  # restuser:wrong
    error(api.get(S + "org/acme"), 401, 2)


def test_bearer_tokens_work_too(restuser, tree):
    response = restuser.bearer().get(S + "org/acme")
    assert response.status_code == 200


@pytest.mark.parametrize("method, url, perm", [
    ("get", "org/acme", "view_organization"),
    ("post", "orgs/?organizationId=x&friendlyName=X", "add_organization"),
    ("delete", "org/acme/sales/north", "delete_organization"),
    ("put", "user/acme/alice?mobile=%2B3581", "change_orguser"),
    ("put", "role/acme/New", "add_role"),
    ("post", "assignments/acme/Admin?user=acme/alice", "add_assignment"),
])
def test_without_the_permission_is_403_naming_it(make_caller, tree, method, url, perm):
    api = make_caller(["orgs.access_subtree"]).basic()
    before = state()
    message = error(getattr(api, method)(S + url), 403, 3)
    assert perm in message
    assert state() == before


def test_put_user_create_needs_the_add_permission(make_caller, tree):
    api = make_caller(["orgs.access_subtree", "orgs.change_orguser"]).basic()
    before = state()
    error(api.put(S + "user/acme/newbie?create=true"), 403, 3)
    assert state() == before
    assert api.put(S + "user/acme/alice?mobile=%2B35840").status_code == 200


def test_service_errors_roll_back_everything(tree):
    from orgs.errors import AlreadyExistsError

    before = state()
    with pytest.raises(AlreadyExistsError):
        services.organization_create(parent=None, organization_id="acme", friendly_name="A")
    assert state() == before
