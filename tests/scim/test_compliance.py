"""An independent SCIM compliance checker, scim2-tester (python-scim), unchanged, against a
live Tessera (gunicorn with the shipped configuration) with a token made by
`create_scim_token`: discovery and Users report no violated MUST (ERROR or CRITICAL)."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from scim2_tester import Status, check_server

from identities.models import Tenant
from tests import servers
from tests.scim.engine import RequestsSCIMClient

pytestmark = pytest.mark.django_db(transaction=True)
FAILED = {Status.ERROR, Status.CRITICAL}


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("scim")
    with django_db_blocker.unblock():
        database = servers.shared_database(tmp)
    with servers.gunicorn(tmp, database) as running:
        running.database = database
        yield running


@pytest.fixture
def token(server, settings, request) -> str:
    # on PostgreSQL an earlier transactional test's flush took the migration's default tenant
    Tenant.objects.get_or_create(key=settings.TESSERA_DEFAULT_TENANT_KEY,
                                 defaults={"name": settings.TESSERA_DEFAULT_TENANT_NAME})
    org = f"c{request.node.name[5:20]}".replace("_", "-")
    servers.manage(server.database, "import_orgs", "-",
                   input=f"path,friendlyName\n{org},Compliance\n")
    printed = servers.manage(server.database, "create_scim_token", org, "--name", "tester",
                             "--json")
    return json.loads(printed.stdout)["token"]


def test_scim2_tester_reports_no_violated_must(server, token):
    client = RequestsSCIMClient(f"{server.url}/scim/v2", token)
    results = check_server(client)
    failed = [(r.title, r.resource_type, r.reason) for r in results if r.status in FAILED]
    tally = Counter(r.status.name for r in results)
    print("scim2-tester:", dict(tally))
    for result in results:
        if result.status in FAILED | {Status.SKIPPED}:
            print(result.status.name, result.resource_type, result.title, result.reason)
    assert failed == [], failed
    assert tally["SUCCESS"] > 50, tally
