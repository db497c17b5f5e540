"""The DFS identity calls (spec 003) through HTTP: create, read, update by flags, passwords,
duplicates, references, reach, and client-supplied audit contexts."""

import uuid

import pytest
from django.contrib.auth.hashers import check_password

from audit.models import AuditContext, ChangeRecord
from identities.models import Identity, IdentityRole, Member, Tenant
from identities.services.people import person_create
from identities.services.tenants import tenant_create
from tests.identities.dfs import (
    ALL,
    CREATE_SAMPLE,
    UPDATE_SAMPLE,
    assert_additiv_error,
    sample,
)

pytestmark = pytest.mark.django_db
URL = "/v1.0/identities"


def url(identity_id) -> str:
    return f"{URL}/{identity_id}"


def context_id(api, tenant_key: str = "default") -> int:
    response = api.post(f"/v2.0/tenants/{tenant_key}/auditcontext/generate", {}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["AuditContextId"]


@pytest.fixture
def api(make_caller):
    return make_caller(ALL).basic()


def create(api, **changes) -> str:
    body = sample(CREATE_SAMPLE, AuditContextId=context_id(api), **changes)
    response = api.post(URL, body, format="json")
    assert response.status_code == 200, response.content
    return response.json()["IdentityId"]


def state() -> tuple:
    return (Identity.objects.count(), Member.objects.count(), ChangeRecord.objects.count(),
            sorted(Identity.objects.values_list("username", "first_name", "external_id",
                                                "password")))


# --- create and read ---------------------------------------------------------------------------

def test_the_create_sample_is_accepted_and_reads_back(api):
    identity_id = create(api)
    response = api.get(url(identity_id))
    assert response.status_code == 200, response.content
    body = response.json()
    member = Member.objects.get(identity_id=identity_id)
    role = IdentityRole.objects.get(pk=1)
    assert member.tenant.key == "default"
    assert body == {
        "MemberId": member.id, "IdentityId": identity_id, "UserName": "jconnor",
        "FirstName": "John", "LastName": "Connor", "SalutationId": 2,
        "Email": "jct@additiv.com", "Description": "John Connor account description",
        "Phone": "41|522672742", "Fax": "41|32112335", "Mobile": None, "Url": None,
        "ExternalId": "EX006D34-9",
        "BankBranch": {"Id": 1, "Name": "Head office", "CountryId": None},
        "AssignedContactsCount": 0, "IdentityProviderSettingId": 1,
        "IdentityRole": {"Id": 1, "Key": role.key, "Name": role.name,
                         "HierarchyLevel": role.hierarchy_level},
        "IdentityProvider": {"Id": 1, "Name": "Tessera"},
        "IsSignInEnabled": True, "IsTenantAccessEnabled": True,
    }
    identity = Identity.objects.get(pk=identity_id)
    assert check_password("superseretPassword.123", identity.password)
    assert identity.kind == Identity.Kind.PERSON


def test_create_accepts_username_in_any_case_and_no_password(api):
    body = sample(CREATE_SAMPLE, AuditContextId=None, Password=None, Username=None,
                  ExternalId=None)
    body["UserName"] = "another"
    response = api.post(URL, body, format="json")
    assert response.status_code == 200, response.content
    identity = Identity.objects.get(pk=response.json()["IdentityId"])
    assert identity.username == "another" and not identity.has_usable_password()


def test_create_writes_its_records_under_the_callers_context(api):
    given = context_id(api)
    response = api.post(URL, sample(CREATE_SAMPLE, AuditContextId=given), format="json")
    identity_id = response.json()["IdentityId"]
    member = Member.objects.get(identity_id=identity_id)
    records = [*ChangeRecord.objects.filter(object_type="identities.identity",
                                            object_id=identity_id),
               *ChangeRecord.objects.filter(object_type="identities.member",
                                            object_id=str(member.id))]
    assert {(r.object_type, r.context_id) for r in records} == {
        ("identities.identity", given), ("identities.member", given)}


@pytest.mark.parametrize("changes, field", [
    ({"IdentityRoleId": 999}, "IdentityRoleId"),
    ({"SalutationId": 999}, "SalutationId"),
    ({"BankBranchId": 999}, "BankBranchId"),
    ({"AuditContextId": 10**12}, "AuditContextId"),
    ({"Password": "123"}, "Password"),
    ({"Email": "not-an-email"}, "Email"),
    ({"IdentityRoleId": "1"}, "IdentityRoleId"),
    ({"IdentityRoleId": 2**31}, "IdentityRoleId"),
    ({"SalutationId": True}, "SalutationId"),
    ({"FirstName": "x" * 151}, "FirstName"),
    ({"FirstName": 12}, "FirstName"),
    ({"Username": "has space"}, "Username"),
    ({"Username": None}, "Username"),
    ({"AuditContextId": 2**63}, "AuditContextId"),
    ({"Description": "x" * 100_000}, "Description"),
    ({"Phone": "1\u0000"}, "Phone"),
])
def test_a_refused_create_is_422_naming_the_field_and_writes_nothing(api, changes, field):
    body = sample(CREATE_SAMPLE, AuditContextId=None)
    body.update(changes)
    before = state()
    assert_additiv_error(api.post(URL, body, format="json"), 422, field)
    assert state() == before


def test_an_empty_or_non_object_body_is_422(api):
    assert_additiv_error(api.post(URL, {}, format="json"), 422, "Username")
    assert_additiv_error(api.post(URL, [1], format="json"), 422, "Expected a JSON object")
    assert_additiv_error(api.post(URL, "{bad", content_type="application/json"), 400)


@pytest.mark.parametrize("role", ["missing", 0])
def test_without_an_identity_role_the_member_takes_the_lowest_ranked_role(api, role):
    """002/003 type IdentityRoleId as a plain int32, not required; a .NET client sends 0 when
    unset. The new member (and home role) is the catalog's bottom role, wherever it moved."""
    from identities.services.roles import identity_role_create

    bottom = identity_role_create(key="guest", name="Guest")
    assert bottom.hierarchy_level == IdentityRole.objects.count()
    identity_id = create(api, IdentityRoleId=None if role == "missing" else role)
    member = Member.objects.get(identity_id=identity_id)
    assert member.identity_role_id == bottom.id
    assert Identity.objects.get(pk=identity_id).identity_role_id == bottom.id
    assert api.get(url(identity_id)).json()["IdentityRole"]["Key"] == "guest"


def test_a_null_identity_role_is_the_default_too(api):
    body = sample(CREATE_SAMPLE, AuditContextId=None)
    body["IdentityRoleId"] = None
    response = api.post(URL, body, format="json")
    assert response.status_code == 200, response.content
    member = Member.objects.get(identity_id=response.json()["IdentityId"])
    assert member.identity_role == IdentityRole.objects.order_by("hierarchy_level").last()


def test_an_unknown_identity_role_is_still_422(api):
    body = sample(CREATE_SAMPLE, AuditContextId=None, IdentityRoleId=999)
    before = state()
    assert_additiv_error(api.post(URL, body, format="json"), 422, "IdentityRoleId")
    assert state() == before


@pytest.mark.parametrize("field, value", [("Username", "jconnor"),
                                          ("ExternalId", "EX006D34-9")])
def test_a_duplicate_is_422_naming_the_field(api, field, value):
    create(api)
    body = sample(CREATE_SAMPLE, AuditContextId=None, Username="other", ExternalId="other")
    body[field] = value
    before = state()
    error = assert_additiv_error(api.post(URL, body, format="json"), 422, "already taken")
    assert error["Message"].startswith({"Username": "UserName"}.get(field, field))
    assert state() == before


# --- update -------------------------------------------------------------------------------------

def test_the_update_sample_changes_exactly_the_flagged_fields(api):
    identity_id = create(api, Mobile="41|797353960", Url="https://example.com")
    body = sample(UPDATE_SAMPLE, AuditContextId=context_id(api))
    response = api.patch(url(identity_id), body, format="json")
    assert response.status_code == 200, response.content
    assert response.json() is True
    got = api.get(url(identity_id)).json()
    assert (got["FirstName"], got["LastName"], got["SalutationId"], got["Email"],
            got["Phone"], got["BankBranch"]["Id"], got["ExternalId"], got["UserName"]) == (
        "Sarah", "Connor", 1, "sconnor@additiv.com", "41|9379992", 2, "0001EXT-F", "sconn")
    # flags false: kept
    assert got["Description"] == "John Connor account description"
    assert got["Fax"] == "41|32112335" and got["Mobile"] == "41|797353960"
    assert got["IdentityRole"]["Id"] == 1 and got["IsTenantAccessEnabled"] is True
    # UpdateUrl true with no Url: cleared
    assert got["Url"] is None
    assert got["IsSignInEnabled"] is True


def test_a_true_flag_with_null_clears_and_a_false_flag_ignores(api):
    identity_id = create(api)
    body = {"UpdateFirstName": True, "FirstName": None, "UpdateSalutationId": True,
            "SalutationId": None, "UpdateExternalId": True, "ExternalId": None,
            "LastName": "Ignored", "UpdateLastName": False, "BankBranchId": 999}
    assert api.patch(url(identity_id), body, format="json").status_code == 200
    got = api.get(url(identity_id)).json()
    assert (got["FirstName"], got["SalutationId"], got["ExternalId"], got["LastName"]) == (
        None, None, None, "Connor")
    assert got["BankBranch"]["Id"] == 1


def test_sign_in_tenant_access_and_role_flags(api):
    identity_id = create(api)
    body = {"UpdateIsSignInEnabled": True, "IsSignInEnabled": False,
            "UpdateIsTenantAccessEnabled": True, "IsTenantAccessEnabled": False,
            "UpdateIdentityRoleId": True, "IdentityRoleId": 2}
    assert api.patch(url(identity_id), body, format="json").status_code == 200
    got = api.get(url(identity_id)).json()
    assert got["IsSignInEnabled"] is False and got["IsTenantAccessEnabled"] is False
    assert got["IdentityRole"]["Id"] == 2
    member = Member.objects.get(identity_id=identity_id)
    assert not member.is_enabled and member.identity_role_id == 2  # kept, disabled


def test_an_unchanged_update_writes_nothing(api):
    identity_id = create(api)
    before = ChangeRecord.objects.count()
    body = {"UpdateFirstName": True, "FirstName": "John", "UpdateIsTenantAccessEnabled": True,
            "IsTenantAccessEnabled": True}
    assert api.patch(url(identity_id), body, format="json").status_code == 200
    assert ChangeRecord.objects.count() == before


@pytest.mark.parametrize("body, field", [
    ({"UpdateUserName": True, "UserName": None}, "UserName"),
    ({"UpdateIdentityRoleId": True, "IdentityRoleId": 999}, "IdentityRoleId"),
    ({"UpdateBankBranchId": True, "BankBranchId": 999}, "BankBranchId"),
    ({"UpdateSalutationId": True, "SalutationId": 999}, "SalutationId"),
    ({"UpdateIsSignInEnabled": True}, "IsSignInEnabled"),
    ({"UpdateIsTenantAccessEnabled": True}, "IsTenantAccessEnabled"),
    ({"UpdateEmail": True, "Email": "nope"}, "Email"),
    ({"UpdateFirstName": "yes"}, "UpdateFirstName"),
    ({"AuditContextId": 10**12, "UpdateFirstName": True, "FirstName": "X"}, "AuditContextId"),
    ({"SetNewPassword": True, "Password": "An0ther.Secret!", "ConfirmPassword": "x"},
     "ConfirmPassword"),
    ({"SetNewPassword": True, "Password": "123", "ConfirmPassword": "123"}, "Password"),
    ({"SetNewPassword": True}, "Password"),
    ({"ChangePassword": True, "OldPassword": "wrong", "Password": "An0ther.Secret!",
      "ConfirmPassword": "An0ther.Secret!"}, "OldPassword"),
    ({"UpdateFirstName": True, "FirstName": "Changed", "UpdateIdentityRoleId": True,
      "IdentityRoleId": 999}, "IdentityRoleId"),
])
def test_a_refused_update_is_422_naming_the_field_and_changes_nothing(api, body, field):
    identity_id = create(api)
    before = state()
    assert_additiv_error(api.patch(url(identity_id), body, format="json"), 422, field)
    assert state() == before
    assert Member.objects.get(identity_id=identity_id).identity_role_id == 1


@pytest.mark.parametrize("field, value", [("UserName", "taken"), ("ExternalId", "EXT-TAKEN")])
def test_an_update_to_a_duplicate_is_422_naming_the_field(api, field, value):
    create(api, Username="taken", ExternalId="EXT-TAKEN")
    identity_id = create(api, Username="mine", ExternalId="EXT-MINE")
    before = state()
    error = assert_additiv_error(api.patch(url(identity_id), {
        f"Update{field}": True, field: value}, format="json"), 422, "already taken")
    assert error["Message"].startswith(field)
    assert state() == before
    # its own value is no duplicate
    assert api.patch(url(identity_id), {f"Update{field}": True, field: value.replace(
        "taken", "mine").replace("TAKEN", "MINE")}, format="json").status_code == 200


def test_set_new_password_and_change_password(api):
    identity_id = create(api)
    set_new = {"SetNewPassword": True, "Password": "Fresh.Secret.42",
               "ConfirmPassword": "Fresh.Secret.42"}
    assert api.patch(url(identity_id), set_new, format="json").status_code == 200
    assert check_password("Fresh.Secret.42", Identity.objects.get(pk=identity_id).password)
    change = {"ChangePassword": True, "OldPassword": "Fresh.Secret.42",
              "Password": "Newer.Secret.43", "ConfirmPassword": "Newer.Secret.43"}
    assert api.patch(url(identity_id), change, format="json").status_code == 200
    assert check_password("Newer.Secret.43", Identity.objects.get(pk=identity_id).password)
    record = ChangeRecord.objects.filter(object_id=identity_id).order_by("-id").first()
    assert "Newer" not in str(record.after) and record.before["password"] == "***"
    assert record.after["password"] == "*** (changed)"  # masked, and said to have changed


# --- the caller's audit context -----------------------------------------------------------------

def test_the_records_of_a_patch_carry_the_context_the_caller_generated(api):
    identity_id = create(api)
    given = context_id(api)
    body = {"AuditContextId": given, "UpdateFirstName": True, "FirstName": "Kyle",
            "UpdateIsTenantAccessEnabled": True, "IsTenantAccessEnabled": False}
    assert api.patch(url(identity_id), body, format="json").status_code == 200
    member = Member.objects.get(identity_id=identity_id)
    records = ChangeRecord.objects.filter(context_id=given, object_type__startswith="identities")
    assert {(r.object_type, r.object_id, r.action) for r in records} == {
        ("identities.identity", identity_id, "update"),
        ("identities.member", str(member.id), "update")}
    assert records.get(object_type="identities.identity").after["first_name"] == "Kyle"


def test_a_context_of_a_tenant_the_client_does_not_reach_is_422(make_caller, api):
    tenant_create(key="other", name="Other")
    foreign = context_id(make_caller(ALL, tenants=["other"]).basic(), "other")
    identity_id = create(api)
    before = state()
    body = {"AuditContextId": foreign, "UpdateFirstName": True, "FirstName": "X"}
    assert_additiv_error(api.patch(url(identity_id), body, format="json"), 422,
                         "AuditContextId")
    assert state() == before
    assert AuditContext.objects.filter(pk=foreign).exists()


# --- reach, permissions, ids ---------------------------------------------------------------------

def test_an_identity_outside_the_clients_tenants_is_not_found(make_caller, api):
    tenant_create(key="acme", name="Acme")
    outsider = make_caller(ALL, tenants=["acme"]).basic()
    identity_id = create(api)
    before = state()
    assert_additiv_error(outsider.get(url(identity_id)), 404)
    assert_additiv_error(outsider.patch(url(identity_id), {
        "UpdateFirstName": True, "FirstName": "X"}, format="json"), 404)
    assert state() == before
    # a member of a tenant it reaches is reachable; an identity of no tenant is not
    Member.objects.create(tenant=Tenant.objects.get(key="acme"), identity_id=identity_id)
    assert outsider.get(url(identity_id)).status_code == 200
    loner = person_create(username="loner")
    assert_additiv_error(outsider.get(url(loner.id)), 404)


def test_the_global_tenant_permission_reaches_every_identity(make_caller):
    loner = person_create(username="loner")
    response = make_caller(all_perms=True).bearer().get(url(loner.id))
    assert response.status_code == 200
    assert response.json()["MemberId"] is None
    assert response.json()["IsTenantAccessEnabled"] is False


def test_api_clients_and_operators_are_out_of_reach(make_caller):
    api = make_caller(all_perms=True).basic()
    other = make_caller([]).identity
    operator = person_create(username="root", password="pw-Operat0r!", superuser=True)
    for identity in (other, operator):
        Member.objects.create(tenant=Tenant.objects.get(key="default"), identity=identity)
        before = identity.password
        assert_additiv_error(api.get(url(identity.pk)), 404)
        assert_additiv_error(api.patch(url(identity.pk), {
            "SetNewPassword": True, "Password": "Taken.Over.42",
            "ConfirmPassword": "Taken.Over.42"}, format="json"), 404)
        identity.refresh_from_db()
        assert identity.password == before


def test_a_member_of_another_tenant_answers_for_the_clients_default_tenant(make_caller, api):
    tenant_create(key="acme", name="Acme")
    identity_id = create(api)
    acme = make_caller(ALL, tenants=["acme"]).basic()
    Member.objects.create(tenant=Tenant.objects.get(key="acme"), identity_id=identity_id,
                          identity_role_id=3, is_enabled=False)
    got = acme.get(url(identity_id)).json()
    acme_member = Member.objects.get(identity_id=identity_id, tenant__key="acme")
    assert (got["MemberId"], got["IdentityRole"]["Id"], got["IsTenantAccessEnabled"]) == (
        acme_member.id, 3, False)


@pytest.mark.parametrize("method, perm", [("get", "view_identity"),
                                          ("patch", "change_identity")])
def test_missing_permissions_are_403_naming_them(make_caller, api, method, perm):
    identity_id = create(api)
    caller = make_caller([p for p in ALL if not p.endswith(perm)]).basic()
    assert_additiv_error(getattr(caller, method)(url(identity_id), {}, format="json"), 403,
                         perm)
    assert_additiv_error(make_caller([]).basic().post(URL, {}, format="json"), 403,
                         "add_identity")


def test_no_credentials_is_401(client):
    assert_additiv_error(client.get(url(uuid.uuid4())), 401)
    assert_additiv_error(client.post(URL, {}, content_type="application/json"), 401)


@pytest.mark.parametrize("bad", ["not-a-uuid", "1", f"{{{uuid.uuid4()}}}", "x" * 300])
def test_a_malformed_identity_id_is_400(api, bad):
    assert_additiv_error(api.get(url(bad)), 400, "identityId")
    assert_additiv_error(api.patch(url(bad), {}, format="json"), 400, "identityId")


def test_an_unknown_identity_is_404(api):
    assert_additiv_error(api.get(url(uuid.uuid4())), 404)


@pytest.mark.parametrize("bearer", [False, True])
def test_get_identity_query_count_is_pinned(make_caller, count_queries, bearer):
    caller = make_caller(ALL)
    api = caller.bearer() if bearer else caller.basic()
    identity_id = create(api)
    api.get(url(identity_id))  # remembered Basic credentials, as in service
    with count_queries() as queries:
        assert api.get(url(identity_id)).status_code == 200
    assert len(queries) == GET_QUERIES, [q["sql"] for q in queries.captured_queries]


# the client (with its token or remembered credentials), its permissions (own, groups), the
# identity with its catalog rows (reach as a subquery), the default tenant grant, its member
GET_QUERIES = 6
