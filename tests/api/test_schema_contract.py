"""Every operation of every surface is documented with its shapes, errors and security."""

import pytest

pytestmark = pytest.mark.django_db

PUBLIC = {"/healthz", "/oauth/token/", "/connect/token", "/oauth/revoke_token/"}


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from rest_framework.test import APIClient

    with django_db_blocker.unblock():
        response = APIClient().get("/apidoc/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    return response.json()


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield path, method, operation


def test_every_operation_has_a_documented_success_response(schema):
    for path, method, operation in operations(schema):
        successes = {s: r for s, r in operation["responses"].items() if s.startswith("2")}
        assert successes, f"{method.upper()} {path} documents no success response"
        for status, response in successes.items():
            if status != "204":
                assert response.get("content"), f"{method.upper()} {path} {status} has no shape"


def test_every_write_documents_its_input(schema):
    for path, method, operation in operations(schema):
        if method in {"post", "put", "patch"}:
            assert operation.get("requestBody") or operation.get("parameters") or "{" in path, (
                f"{method.upper()} {path} documents no input")


def test_every_operation_documents_error_responses(schema):
    for path, method, operation in operations(schema):
        errors = [s for s in operation["responses"] if s[0] in "45"]
        assert errors, f"{method.upper()} {path} documents no error response"
        for status in errors:
            assert operation["responses"][status].get("content"), (
                f"{method.upper()} {path} {status} has no error shape")


def test_every_operation_but_health_and_token_requires_credentials(schema):
    for path, method, operation in operations(schema):
        if path in PUBLIC:
            continue
        security = operation.get("security", schema.get("security"))
        assert security and all(s for s in security), f"{method.upper()} {path} is open"


def test_every_routed_oauth_endpoint_is_documented(schema):
    assert {"/oauth/token/", "/connect/token", "/oauth/revoke_token/"} <= set(schema["paths"])
    revoke = schema["paths"]["/oauth/revoke_token/"]["post"]
    body = revoke["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    assert body == {"$ref": "#/components/schemas/TokenRevocationRequest"}
    # the onePortal revoke body keeps its own name
    assert "revocationDetails" in str(schema["components"]["schemas"]["RevokeRequest"])


def test_every_operation_with_a_body_documents_413(schema):
    for path, method, operation in operations(schema):
        if "requestBody" in operation:
            assert "413" in operation["responses"], f"{method.upper()} {path} lacks 413"


# --- the schema states the server's rules (issue 10, defect 11) ---------------------------------

# onePortal refuses unknown fields (as its vendor SDK's models hold every field it sends)
CLOSED_BODIES = ["AuthorisationWriteRequest", "PatchedAuthorisationWriteRequest",
                 "CodedItemWriteRequest", "PatchedCodedItemWriteRequest", "RevokeRequest",
                 "GrantRightWriteRequest"]
# the additiv surfaces (002/003) ignore them, as the vendor's services do (issue 22, defect 4)
OPEN_BODIES = ["PersonContextRequestRequest", "InternalIdContextRequestRequest",
               "IdentityCreateRequest", "PatchedIdentityUpdateRequest",
               "PatchedTenantAccessRequest", "MemberSearchRequest", "ActiveMembersRequest",
               "SyncMemberRequest", "SyncMemberRequestItemRequest",
               "SyncMemberRequestAuditContextItemRequest", "IdentitySearchRequest",
               "AccessCheckRequest", "PatchedIdentityMenusSetRequest",
               "PatchedIdentityAccessPoliciesSetRequest", "ProfilePictureUploadRequest"]


def test_bodies_that_refuse_unknown_fields_say_so(schema):
    components = schema["components"]["schemas"]
    for name in CLOSED_BODIES:
        assert components[name].get("additionalProperties") is False, name


def test_bodies_that_ignore_unknown_fields_leave_the_object_open(schema):
    components = schema["components"]["schemas"]
    for name in OPEN_BODIES:
        assert components[name].get("additionalProperties", True) is not False, name


def test_customerid_paths_state_their_pattern_and_hold_slashes(schema):
    for path, method, operation in operations(schema):
        if "{path}" not in path:
            continue
        (param,) = [p for p in operation["parameters"] if p["in"] == "path"]
        assert param["schema"]["pattern"].startswith("^"), (method, path)
        assert any("/" in example["value"] for example in param["examples"].values())


@pytest.mark.parametrize("method, path", [
    ("post", "/eidm2/services/orgs/"), ("post", "/eidm2/services/orgs/{path}/"),
    ("delete", "/eidm2/services/org/{path}/"), ("put", "/eidm2/services/role/{path}/"),
    ("post", "/eidm2/services/users/{path}/"), ("put", "/eidm2/services/user/{path}/"),
    ("post", "/eidm2/services/assignments/{path}/"),
])
def test_customerid_conflicts_are_documented(schema, method, path):
    response = schema["paths"][path][method]["responses"]["409"]
    assert "application/xml" in response["content"]


def test_oneportal_query_parameters_state_their_rules(schema):
    params = {p["name"]: p for p in schema["paths"]["/api/rest/v1/authorisation/"]["get"][
        "parameters"]}
    for name in ("startIndex", "count", "filter", "sortBy", "sortOrder", "asOf"):
        assert params[name].get("allowEmptyValue") is True, name
    assert "minimum" not in params["startIndex"]["schema"]  # RFC 7644: below 1 reads as 1
    scim = params["filter"]["schema"]["anyOf"][1]
    assert scim["format"] == "scim-filter" and scim["x-scim-attributes"]["validTo"] == "datetime?"
    assert "active" not in params["sortBy"]["schema"]["enum"]
    assert "x-empty-is-default" not in str(schema)


@pytest.mark.parametrize("method, path", [
    ("post", "/v2.0/roles/{roleId}/hierarchy/restrictions"),
    ("put", "/v2.0/roles/{roleId}/hierarchy/exclude"),
    ("post", "/v2.0/members/{internalId}/hierarchy/restrictions"),
    ("put", "/v1.0/identities/{identityId}/hierarchy/exclude"),
])
def test_restriction_bodies_are_required_as_the_server_requires_them(schema, method, path):
    """A missing body is refused (422/400: tests/identities/test_*_hierarchy_api.py), so the
    schema says `required` (issue 22, item 14); the marker itself is not published."""
    body = schema["paths"][path][method]["requestBody"]
    assert body["required"] is True
    assert body["content"]["application/json"]["schema"]["type"] == "array"
    assert "x-required-body" not in str(schema)
