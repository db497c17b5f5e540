"""`create_api_client` scope flags confine, on every surface, with or without --all-perms.

A client named with `--namespace`, `--org` or `--tenant` reaches only what those flags name;
global reach of a kind only when no flag of that kind is given (`--all-perms`, or an explicit
`--perm` of the global permission, which a flag of the same kind contradicts).
"""

from __future__ import annotations

import base64
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from authorisations.models import AuthorisationType
from authorisations.services.authorisations import authorisation_create
from authorisations.services.catalog import coded_item_create, namespace_create
from config.management.commands.create_api_client import Command
from identities.services.tenants import tenant_create
from orgs import services as orgs
from tests.orgs.conftest import ids, short

pytestmark = pytest.mark.django_db
ONEPORTAL = "/api/rest/v1"
CUSTOMERID = "/eidm2/services"


@pytest.fixture
def world(db):
    """Two namespaces with an authorisation each, two organization trees, two tenants."""
    made = {}
    for code in ("ns-a", "ns-b"):
        namespace = namespace_create(code=code)
        coded_item_create(model=AuthorisationType, namespace=namespace, code="employment")
        made[code] = authorisation_create(namespace=namespace, data={
            "type_code": "employment", "subject_type": "string", "subject_value": f"s-{code}",
            "object_type": "string", "object_value": "acme"})
    acme = orgs.organization_create(parent=None, organization_id="acme", friendly_name="A")
    orgs.organization_create(parent=acme, organization_id="sales", friendly_name="S")
    orgs.organization_create(parent=None, organization_id="other", friendly_name="O")
    tenant_create(key="t2", name="Tenant two")
    return made


def client_of(*args: str, bearer: bool = False) -> APIClient:
    out = StringIO()
    call_command("create_api_client", f"c{len(args)}-{abs(hash(args))}", *args, "--json",
                 stdout=out)
    data = json.loads(out.getvalue())
    api = APIClient()
    if bearer:
        token = APIClient().post("/oauth/token/", {
            "grant_type": "client_credentials", "client_id": data["client_id"],
            "client_secret": data["client_secret"]}).json()["access_token"]
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    else:
        raw = base64.b64encode(f"{data['username']}:{data['password']}".encode()).decode()
        api.credentials(HTTP_AUTHORIZATION=f"Basic {raw}")
    return api


# --- what each surface shows a client -------------------------------------------------------

def namespaces_seen(api: APIClient, world) -> set[str]:
    listed = api.get(f"{ONEPORTAL}/authorisation").json()["resources"]
    seen = {row["nsCode"] for row in listed}
    for code, authorisation in world.items():
        one = api.get(f"{ONEPORTAL}/authorisation/{authorisation.pk}")
        assert one.status_code == (200 if code in seen else 404), (code, one.content)
        check = api.get(f"{ONEPORTAL}/authorisation/check", {
            "subject": f"s-{code}", "object": "acme", "authType": "employment"}).json()
        assert check["authorised"] is (code in seen)
    names = {n["code"] for n in api.get(f"{ONEPORTAL}/namespace").json()["resources"]}
    assert names == seen
    return seen


def organizations_seen(api: APIClient) -> set[str]:
    listed = set(short(ids(api.get(f"{CUSTOMERID}/orgs/?recursive=true"))))
    for path in ("acme", "acme/sales", "other"):
        status = api.get(f"{CUSTOMERID}/org/{path}").status_code
        assert status == (200 if f"org/{path}" in listed else 404), (path, status)
    return {entry.removeprefix("org/") for entry in listed}


def tenants_seen(api: APIClient) -> set[str]:
    seen = set()
    for key in ("default", "t2"):
        response = api.post(f"/v2.0/tenants/{key}/auditcontext/generate", {}, format="json")
        assert response.status_code in (200, 404), response.content
        if response.status_code == 200:
            seen.add(key)
    # the tenant-less call opens its context in the client's own default tenant
    v11 = api.post("/v1.1/auditcontext/generate", {}, format="json")
    assert v11.status_code == 200 and v11.json()["TenantKey"] in seen, v11.content
    return seen


EVERY_NAMESPACE, EVERY_ORG, EVERY_TENANT = {"ns-a", "ns-b"}, {"acme", "acme/sales", "other"}, {
    "default", "t2"}
VIEW = ["--perm", "AUTHORISATION_VIEW", "--perm", "orgs.view_organization",
        "--perm", "audit.add_auditcontext"]


@pytest.mark.parametrize("args, namespaces, organizations, tenants", [
    # --all-perms alone: global reach of every kind
    (["--all-perms"], EVERY_NAMESPACE, EVERY_ORG, EVERY_TENANT),
    # a flag confines its kind only, with --all-perms
    (["--all-perms", "--namespace", "ns-a"], {"ns-a"}, EVERY_ORG, EVERY_TENANT),
    (["--all-perms", "--org", "acme/sales"], EVERY_NAMESPACE, {"acme/sales"}, EVERY_TENANT),
    (["--all-perms", "--tenant", "t2"], EVERY_NAMESPACE, EVERY_ORG, {"t2"}),
    (["--all-perms", "--namespace", "ns-b", "--org", "other", "--tenant", "default"],
     {"ns-b"}, {"other"}, {"default"}),
    # and without it
    ([*VIEW, "--namespace", "ns-a", "--org", "acme"], {"ns-a"}, {"acme", "acme/sales"},
     {"default"}),
    (VIEW, set(), set(), {"default"}),
    # an explicit global permission reaches everything of its kind
    ([*VIEW, "--perm", "authorisations.use_namespace", "--perm", "orgs.access_subtree",
      "--perm", "identities.access_tenant"], EVERY_NAMESPACE, EVERY_ORG, EVERY_TENANT),
], ids=["all-perms", "ns", "org", "tenant", "all-three", "no-all-perms", "nothing", "global"])
@pytest.mark.parametrize("bearer", [False, True], ids=["basic", "bearer"])
def test_scope_flags_confine_every_surface(world, args, namespaces, organizations, tenants,
                                           bearer):
    api = client_of(*args, bearer=bearer)
    assert namespaces_seen(api, world) == namespaces
    assert organizations_seen(api) == organizations
    assert tenants_seen(api) == tenants


@pytest.mark.parametrize("args", [
    ["--perm", "authorisations.use_namespace", "--namespace", "ns-a"],
    ["--perm", "use_namespace", "--all-perms", "--namespace", "ns-a"],
    ["--perm", "orgs.access_subtree", "--org", "acme"],
    ["--perm", "identities.access_tenant", "--tenant", "t2"],
])
def test_a_global_permission_and_a_scope_of_its_kind_contradict(world, args):
    with pytest.raises(CommandError, match="cannot be combined with a scope"):
        client_of(*args)
    from identities.models import Identity

    assert not Identity.objects.filter(kind="service").exists()


def test_help_texts_say_the_flags_confine():
    text = Command().create_parser("manage.py", "create_api_client").format_help()
    text = " ".join(text.split())
    for flag in ("--tenant", "--namespace", "--org"):
        assert flag in text
    assert text.count("reaches only") >= 3
    assert "with or without --all-perms" in text
    assert "except the global reach permission of each kind a scope flag names" in text
