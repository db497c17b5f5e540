"""An imported row leaves the change record the same write through the API leaves: the same
action, object type and state (the same keys, the same values but for what names the row
itself: ids, names, times)."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from audit.models import ChangeRecord
from tests.authorisations.conftest import ALL as AUTHORISATION_PERMS
from tests.orgs.conftest import ALL as ORG_PERMS

pytestmark = pytest.mark.django_db
CID = "/eidm2/services"
ONEPORTAL = "/api/rest/v1"


@pytest.fixture
def api(make_caller):
    from authorisations.models import AuthorisationType
    from authorisations.services.catalog import (
        api_client_namespaces_grant,
        coded_item_create,
        namespace_create,
    )

    namespace = namespace_create(code="ns")
    coded_item_create(model=AuthorisationType, namespace=namespace, code="employment")
    caller = make_caller([*ORG_PERMS, *AUTHORISATION_PERMS])
    api_client_namespaces_grant(identity=caller.identity, codes=["ns"])
    return caller.basic()


def imported(tmp_path, command: str, rows: list[dict]) -> None:
    path = tmp_path / f"{command}.ndjson"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    out = io.StringIO()
    call_command(command, str(path), stdout=out, stderr=io.StringIO())
    assert "imported:" in out.getvalue(), out.getvalue()


def newest(object_type: str, action: str, *, count: int = 1) -> list[ChangeRecord]:
    found = list(ChangeRecord.objects.filter(object_type=object_type, action=action)
                 .order_by("-id")[:count])
    assert len(found) == count, (object_type, action, found)
    return found[::-1]


def shape(record: ChangeRecord, volatile: set[str]) -> tuple:
    """What must match: action, type, the states' keys, and their values but `volatile`."""
    def state(value):
        if value is None:
            return None
        return sorted(value), {k: v for k, v in value.items() if k not in volatile}

    return record.action, record.object_type, state(record.before), state(record.after)


ORG_VOLATILE = {"id", "name", "path", "created_at", "modified_at", "organization"}


def test_organizations_and_their_type_roles(api, tmp_path):
    assert api.post(f"{CID}/orgs/?organizationId=viaapi&friendlyName=Acme&organizationType="
                    "company&vatnumber=FI1,FI2").status_code == 200
    by_api = newest("orgs.organization", "create") + newest("orgs.role", "create", count=2)
    imported(tmp_path, "import_orgs", [{"path": "viaimport", "friendlyName": "Acme",
                                        "organizationType": "company",
                                        "vatnumber": ["FI1", "FI2"]}])
    by_import = newest("orgs.organization", "create") + newest("orgs.role", "create", count=2)
    for one, other in zip(by_api, by_import, strict=True):
        assert shape(one, ORG_VOLATILE) == shape(other, ORG_VOLATILE)
        assert one.object_repr.replace("viaapi", "x") == other.object_repr.replace(
            "viaimport", "x")
    assert by_import[1].after["path"] == "viaimport/OrganizationMainUser"

    assert api.put(f"{CID}/org/viaapi?friendlyName=Renamed&vatnumber=FI9").status_code == 200
    imported(tmp_path, "import_orgs", [{"path": "viaimport", "friendlyName": "Renamed",
                                        "organizationType": "company", "vatnumber": "FI9"}])
    via_api, via_import = newest("orgs.organization", "update", count=2)
    assert shape(via_api, ORG_VOLATILE) == shape(via_import, ORG_VOLATILE)
    assert via_import.after["friendly_name"] == "Renamed"


USER_VOLATILE = {"identity", "name", "path", "uid", "username", "email", "organization",
                 "created_at", "modified_at"}
USER = {"firstname": "Alice", "surname": "A", "mobile": "+358401", "locale": "fi_FI",
        "hetu": "131052-308T", "pwd": "Secret-1", "age": "45"}


def test_users(api, tmp_path):
    api.post(f"{CID}/orgs/?organizationId=acme&friendlyName=Acme")
    query = "&".join(f"{k}={v}" for k, v in USER.items()).replace("+", "%2B")
    assert api.post(f"{CID}/users/acme/?uid=viaapi&email=a@example.com&{query}"
                    ).status_code == 200
    (by_api,) = newest("orgs.orguser", "create")
    imported(tmp_path, "import_users", [{"organization": "acme", "uid": "viaimport",
                                         "email": "b@example.com", **USER}])
    (by_import,) = newest("orgs.orguser", "create")
    assert shape(by_api, USER_VOLATILE) == shape(by_import, USER_VOLATILE)
    assert by_import.after["hetu"] == "***" and by_import.after["attributes"] == {
        "age": ["45"]}
    assert by_api.object_repr.startswith("acme/") and by_import.object_repr.startswith("acme/")

    name = by_api.after["name"]
    assert api.put(f"{CID}/user/acme/{name}?surname=B&disable=true").status_code == 200
    imported(tmp_path, "import_users", [{"organization": "acme", "uid": "viaimport",
                                         "email": "b@example.com", **USER, "pwd": "",
                                         "surname": "B", "status": "disabled"}])
    via_api, via_import = newest("orgs.orguser", "update", count=2)
    assert shape(via_api, USER_VOLATILE) == shape(via_import, USER_VOLATILE)
    assert via_import.after["is_active"] is False


# creator is who made it: the API client, or the import command
AUTHZ_VOLATILE = {"id", "subject_value", "natural_key", "created", "modified", "revoked_at",
                  "creator"}


def test_authorisations(api, tmp_path):
    body = {"nsCode": "ns", "authType": "employment", "object": {"type": "target",
                                                               "value": "door"},
            "validFrom": "2024-01-01T00:00:00.123456Z", "validTo": "2030-01-01T00:00:00Z"}
    made = api.post(f"{ONEPORTAL}/authorisation",
                    {**body, "subject": {"type": "string", "value": "viaapi"}}, format="json")
    assert made.status_code == 201, made.content
    (by_api,) = newest("authorisations.authorisation", "create")
    imported(tmp_path, "import_authorisations",
             [{**body, "subject": {"type": "string", "value": "viaimport"}}])
    (by_import,) = newest("authorisations.authorisation", "create")
    assert shape(by_api, AUTHZ_VOLATILE) == shape(by_import, AUTHZ_VOLATILE)
    assert by_import.after["valid_from"] == "2024-01-01T00:00:00.123Z"  # as the log writes it

    theirs = by_import.object_id
    assert api.patch(f"{ONEPORTAL}/authorisation/{made.json()['id']}",
                     {"validTo": "2031-01-01T00:00:00Z"}, format="json").status_code == 200
    imported(tmp_path, "import_authorisations", [
        {**body, "id": theirs, "validTo": "2031-01-01T00:00:00Z",
         "subject": {"type": "string", "value": "viaimport"}}])
    via_api, via_import = newest("authorisations.authorisation", "update", count=2)
    assert shape(via_api, AUTHZ_VOLATILE) == shape(via_import, AUTHZ_VOLATILE)

    assert api.post(f"{ONEPORTAL}/authorisation/{made.json()['id']}/revoke",
                    {"revocationDetails": "ended"}, format="json").status_code == 200
    imported(tmp_path, "import_authorisations", [
        {**body, "id": theirs, "validTo": "2031-01-01T00:00:00Z", "revoked": True,
         "revocationDetails": "ended", "subject": {"type": "string", "value": "viaimport"}}])
    via_api, via_import = newest("authorisations.authorisation", "revoke", count=2)
    assert shape(via_api, AUTHZ_VOLATILE) == shape(via_import, AUTHZ_VOLATILE)


IDENTITY_VOLATILE = {"id", "username", "external_id", "date_joined", "identity", "created_at"}


def test_identities_and_their_members(make_caller, tmp_path):
    from tests.identities.dfs import ALL as IDENTITY_PERMS

    api = make_caller(IDENTITY_PERMS, tenants=["default"]).basic()
    body = {"Username": "viaapi", "FirstName": "Ada", "LastName": "Adams", "SalutationId": 2,
            "Email": "ada@example.com", "Phone": "41|1", "BankBranchId": 1,
            "IdentityRoleId": 3, "ExternalId": "X-API"}
    assert api.post("/v1.0/identities", body, format="json").status_code == 200
    by_api = newest("identities.identity", "create") + newest("identities.member", "create")
    imported(tmp_path, "import_identities", [{
        "UserName": "viaimport", "FirstName": "Ada", "LastName": "Adams", "SalutationId": 2,
        "Email": "ada@example.com", "Phone": "41|1", "BankBranchId": 1, "IdentityRoleId": 3,
        "ExternalId": "X-IMP", "Memberships": "default:3"}])
    by_import = newest("identities.identity", "create") + newest("identities.member", "create")
    for via_api, via_import in zip(by_api, by_import, strict=True):
        assert shape(via_api, IDENTITY_VOLATILE) == shape(via_import, IDENTITY_VOLATILE)


ACCOUNT_VOLATILE = {"id", "common_id", "name", "created", "modified", "account",
                    "external_id", "connector"}


def test_accounts_their_sources_and_bindings(make_caller, tmp_path):
    """The import writes new lines' rows from text its reading process encoded
    (accounts.bulk): the records are the services' all the same."""
    from tests.accounts.conftest import ALL as ACCOUNT_PERMS

    caller = make_caller(ACCOUNT_PERMS)
    api = caller.bearer()
    base = "/api/integrations/v1/"
    assert api.patch(base + "accounts", {"a-api": {"name": "Via API", "id": "C-API"}},
                     format="json").status_code == 200
    assert api.patch(base + "accounts/C-API/users", ["u-api"], format="json").status_code == 200
    kinds = ["accounts.account", "accounts.accountsource", "accounts.accountuser"]
    by_api = [newest(kind, "create")[0] for kind in kinds]
    client = caller.credentials.client_id
    imported(tmp_path, "import_accounts", [{
        "id": "C-IMP", "name": "Via import", "sources": [
            {"client": client, "externalId": "a-imp", "name": "Via import"}],
        "users": [{"client": client, "externalId": "u-imp", "identity": None, "email": None}]}])
    by_import = [newest(kind, "create")[0] for kind in kinds]
    for via_api, via_import in zip(by_api, by_import, strict=True):
        assert shape(via_api, ACCOUNT_VOLATILE) == shape(via_import, ACCOUNT_VOLATILE)
        assert via_import.context_id != via_api.context_id
