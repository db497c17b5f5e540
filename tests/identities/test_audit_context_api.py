"""The three audit-context calls of specs 002/003, through HTTP."""

import uuid

import pytest

from audit.models import AuditContext, ChangeRecord
from identities.models import Member, Tenant
from identities.services.people import person_create
from identities.services.tenants import tenant_create

pytestmark = pytest.mark.django_db

PERM = "audit.add_auditcontext"
V10 = "/v1.0/auditcontext/generate"
V11 = "/v1.1/auditcontext/generate"


def v20(key: str) -> str:
    return f"/v2.0/tenants/{key}/auditcontext/generate"


def assert_additiv_error(response, status: int, code: str):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"Code", "Message", "CorrelationId"}
    assert body["Code"] == code
    assert body["CorrelationId"] == response["X-Correlation-ID"]
    return body


def test_v10_answers_a_bare_increasing_integer_and_records_the_client(make_caller):
    caller = make_caller([PERM], name="backoffice-client")
    api = caller.basic()
    first = api.post(V10, {"PersonIds": [1], "Createdby": "backoffice",
                           "AuthorizedAppId": "app-1"}, format="json")
    second = api.post(V10, {"PersonIds": None}, format="json")
    assert first.status_code == second.status_code == 200
    assert isinstance(first.json(), int) and second.json() > first.json()

    context = AuditContext.objects.get(pk=first.json())
    assert (context.created_by, context.authorized_app_id, context.person_ids) == (
        "backoffice", "app-1", [1])
    assert context.client_id == caller.identity.id
    change = ChangeRecord.objects.get(object_type="audit.auditcontext", object_id=str(context.id))
    assert change.actor_repr == "backoffice-client"
    assert change.actor_id == caller.identity.id
    assert change.correlation_id == first["X-Correlation-ID"]


def test_v11_answers_the_default_tenant_and_defaults_createdby_to_its_name(make_caller):
    response = make_caller([PERM]).bearer().post(V11, {"PersonIds": [5, 7]}, format="json")
    assert response.status_code == 200
    body = response.json()
    tenant = Tenant.objects.get(key="default")
    assert body == {"AuditContextId": body["AuditContextId"], "TenantId": tenant.id,
                    "TenantKey": "default", "MemberIds": [5, 7]}
    assert AuditContext.objects.get(pk=body["AuditContextId"]).created_by == tenant.name


def test_v11_accepts_field_names_in_any_case(make_caller):
    response = make_caller([PERM]).basic().post(
        V11, {"personIds": [3], "createdBy": "svc"}, format="json")
    assert response.status_code == 200
    assert AuditContext.objects.get(pk=response.json()["AuditContextId"]).created_by == "svc"


def test_v20_maps_internal_ids_to_the_tenants_member_ids(make_caller):
    tenant = tenant_create(key="acme", name="Acme")
    alice, bob = person_create(username="alice"), person_create(username="bob")
    member_a = Member.objects.create(tenant=tenant, identity=alice)
    Member.objects.create(tenant=Tenant.objects.get(key="default"), identity=bob)
    caller = make_caller([PERM], tenants=["acme"])
    response = caller.basic().post(
        v20("acme"), {"InternalIds": [str(alice.id), str(bob.id), str(uuid.uuid4())]},
        format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["TenantId"], body["TenantKey"], body["MemberIds"]) == (
        tenant.id, "acme", [member_a.id])
    context = AuditContext.objects.get(pk=body["AuditContextId"])
    assert context.tenant == tenant and context.created_by == "Acme"
    assert str(alice.id) in context.internal_ids


def test_v20_unknown_or_unreachable_tenant_is_not_found(make_caller):
    tenant_create(key="hidden", name="Hidden")
    api = make_caller([PERM]).basic()  # reaches only the default tenant
    before = AuditContext.objects.count()
    assert_additiv_error(api.post(v20("nope"), {}, format="json"), 404, "NotFound")
    assert_additiv_error(api.post(v20("hidden"), {}, format="json"), 404, "NotFound")
    assert AuditContext.objects.count() == before


@pytest.mark.parametrize(
    "url, body, field",
    [
        (V10, {"PersonIds": "1,2"}, "PersonIds"),
        (V10, {"PersonIds": ["1"]}, "PersonIds"),
        (V11, {"PersonIds": [True]}, "PersonIds"),
        (V11, {"PersonIds": [2**31]}, "PersonIds"),
        (V11, {"Createdby": 12}, "Createdby"),
        (V11, {"Createdby": "x" * 201}, "Createdby"),
        (V11, ["not", "an", "object"], "Expected a JSON object"),
        (v20("default"), {"InternalIds": ["not-a-uuid"]}, "InternalIds"),
    ],
)
def test_wrong_body_is_422_and_writes_nothing(make_caller, url, body, field):
    api = make_caller([PERM]).basic()
    before = (AuditContext.objects.count(), ChangeRecord.objects.count())
    error = assert_additiv_error(api.post(url, body, format="json"), 422, "UnprocessableEntity")
    assert field in error["Message"]
    assert (AuditContext.objects.count(), ChangeRecord.objects.count()) == before


def test_nul_character_is_refused_without_a_500_and_writes_nothing(make_caller):
    api = make_caller([PERM]).basic()
    before = AuditContext.objects.count()
    response = api.post(V11, {"Createdby": "back\u0000office"}, format="json")
    assert response.status_code in (400, 422)
    assert set(response.json()) == {"Code", "Message", "CorrelationId"}
    assert AuditContext.objects.count() == before


def test_malformed_json_is_400(make_caller):
    api = make_caller([PERM]).basic()
    response = api.post(V11, "{bad", content_type="application/json")
    assert_additiv_error(response, 400, "BadRequest")


def test_huge_body_is_refused_without_a_500(make_caller, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    api = make_caller([PERM]).basic()
    response = api.post(V11, {"PersonIds": list(range(2000))}, format="json")
    assert response.status_code == 413
    assert set(response.json()) == {"Code", "Message", "CorrelationId"}


def test_without_the_permission_is_403_naming_it(make_caller):
    error = assert_additiv_error(
        make_caller([]).basic().post(V11, {}, format="json"), 403, "Forbidden")
    assert "add_auditcontext" in error["Message"]


def test_without_credentials_is_401_with_a_challenge(client):
    response = client.post(V11, {}, content_type="application/json")
    assert_additiv_error(response, 401, "Unauthorized")
    assert "WWW-Authenticate" in response


def test_get_is_405(make_caller):
    assert_additiv_error(make_caller([PERM]).basic().get(V11), 405, "MethodNotAllowed")


@pytest.mark.parametrize("size", [1, 1000])
def test_query_count_is_flat_in_body_size(make_caller, count_queries, size):
    caller = make_caller([PERM])
    api = caller.basic()
    ids = [str(person_create(username=f"p{i}").id) for i in range(3)] * (size // 3 + 1)
    with count_queries() as queries:
        response = api.post(v20("default"), {"InternalIds": ids[:size]}, format="json")
    assert response.status_code == 200
    # user, its two permission sets, the tenant grant check, savepoint, insert context,
    # insert change record, release, member lookup: the same whatever the body size.
    assert len(queries) == EXPECTED_QUERIES, [q["sql"] for q in queries.captured_queries]


EXPECTED_QUERIES = 9


@pytest.mark.parametrize("url", [V10, V11])
def test_1x_calls_use_the_default_tenant_of_a_tenant_confined_client(make_caller, url):
    """A client made with `--tenant acme --tenant beta` generates its 1.x contexts in acme (its
    default tenant, as its other tenant-less calls), not in TESSERA_DEFAULT_TENANT_KEY's tenant,
    which it does not reach."""
    tenant_create(key="beta", name="Beta")
    api = make_caller([PERM], tenants=["acme", "beta"]).bearer()
    in_default = AuditContext.objects.filter(tenant__key="default").count()
    response = api.post(url, {"PersonIds": [3]}, format="json")
    assert response.status_code == 200, response.content
    context_id = response.json() if url == V10 else response.json()["AuditContextId"]
    context = AuditContext.objects.get(pk=context_id)
    assert context.tenant.key == "acme" and context.created_by == context.tenant.name
    if url == V11:
        assert (response.json()["TenantKey"], response.json()["TenantId"]) == (
            "acme", context.tenant_id)
    assert AuditContext.objects.filter(tenant__key="default").count() == in_default
