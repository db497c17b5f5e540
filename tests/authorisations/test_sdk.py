"""The onePortal vendor's own Python SDK (`trivoreid-extension` 1.0.9), unchanged, against a
live Tessera: every `AuthorisationService` method, with the credentials `create_api_client`
prints (the OAuth2 client id and secret, which the SDK sends over HTTP Basic)."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
import requests
from trivoreid.client import TrivoreID
from trivoreid.exceptions import TrivoreIDException
from trivoreid.models.authorisation import (
    Authorisation,
    AuthorisationGrantRight,
    AuthorisationType,
)
from trivoreid.utils.criteria import Filter

from identities.models import Tenant
from tests import servers

pytestmark = pytest.mark.django_db(transaction=True)


@dataclass
class Credentials:
    client_id: str
    client_secret: str
    namespace: str


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker, tmp_path_factory):
    """gunicorn with the shipped configuration, on the database the tests see."""
    tmp = tmp_path_factory.mktemp("sdk")
    with django_db_blocker.unblock():
        database = servers.shared_database(tmp)
    with servers.gunicorn(tmp, database) as running:
        running.database = database
        yield running


@pytest.fixture
def credentials(server, request, settings):
    """What `create_api_client --all-perms --namespace NS --json` prints: a client of its own
    and a namespace of its own for each test (the server's database outlives a test)."""
    # on PostgreSQL an earlier transactional test's flush took the migration's default tenant
    Tenant.objects.get_or_create(key=settings.TESSERA_DEFAULT_TENANT_KEY,
                                 defaults={"name": settings.TESSERA_DEFAULT_TENANT_NAME})
    namespace = f"ns-{request.node.name[5:30]}".replace("_", "-")
    printed = json.loads(servers.manage(
        server.database, "create_api_client", f"sdk-{request.node.name[:40]}", "--all-perms",
        "--namespace", namespace, "--json").stdout)
    return Credentials(printed["client_id"], printed["client_secret"], namespace)


@pytest.fixture
def service(server, credentials, tmp_path):
    sdk = TrivoreID(path=str(tmp_path / "none.properties"), server=server.url,
                    client_id=credentials.client_id, client_secret=credentials.client_secret)
    return sdk.authorization_service


def raw(server, credentials, path: str) -> dict:
    """A read past the SDK (whose AuthorisationType drops `names` as it parses them)."""
    response = requests.get(f"{server.url}/api/rest/v1/{path}",
                            auth=(credentials.client_id, credentials.client_secret),
                            timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def test_types_and_sources_through_the_sdk(service, server, credentials):
    # The SDK's AuthorisationType turns every name into {locale: null, value: null} as it is
    # built (it reads the keys from the wrong dict), so it can neither send nor read names:
    # such entries are ignored, and names set over plain HTTP survive the SDK's updates.
    sent = AuthorisationType({"code": "employment",
                              "description": "Works for",
                              "names": [{"locale": "fi", "value": "Työsuhde"}]})
    assert sent.serialize()["names"] == [{"locale": None, "value": None}]
    created = service.create_type(sent)
    assert created.id and created.code == "employment"
    assert created.nsCode == credentials.namespace
    assert created.description == "Works for"
    assert created.meta.created and created.meta.lastModified
    assert created.meta.location.endswith(f"/api/rest/v1/authorisation_type/{created.id}")
    names = [{"locale": "fi", "value": "Työsuhde"}, {"locale": "en", "value": "Employment"}]
    patched = requests.patch(f"{server.url}/api/rest/v1/authorisation_type/{created.id}",
                             json={"names": names}, timeout=10,
                             auth=(credentials.client_id, credentials.client_secret))
    assert patched.status_code == 200, patched.text

    read = service.get_type(created.id)
    assert (read.id, read.code, read.description) == (created.id, "employment", "Works for")
    read.description = "Employed by"
    updated = service.update_type(read)  # sends back what it read, names garbled
    assert updated.description == "Employed by"
    assert raw(server, credentials, f"authorisation_type/{created.id}")["names"] == names

    page = service.get_all_types(Filter(Filter.EQUAL, "code", "employment"))
    assert [t.id for t in page.resources] == [created.id] and page.startIndex == 0

    source = service.create_source(AuthorisationType({"code": "hr"}))
    assert service.get_source(source.id).code == "hr"
    source.description = "HR system"
    assert service.update_source(source).description == "HR system"
    assert [s.code for s in service.get_all_sources().resources] == ["hr"]
    service.delete_source(source.id)
    with pytest.raises(TrivoreIDException) as gone:
        service.get_source(source.id)
    assert gone.value.resporse_code == 404
    spare = service.create_type(AuthorisationType({"code": "spare"}))
    service.delete_type(spare.id)
    assert [t.code for t in service.get_all_types().resources] == ["employment"]


def _authorisation(**fields) -> Authorisation:
    data = {"authType": "employment", "author": "payroll-sync",
            "subject": {"type": "String", "value": "alice"},
            "object": {"type": "String", "value": "acme"},
            "validFrom": "2025-01-01T00:00:00Z", "validTo": "2030-01-01T00:00:00Z"}
    data.update(fields)
    return Authorisation(data)


def test_authorisations_through_the_sdk(service, credentials):
    service.create_type(AuthorisationType({"code": "employment"}))
    created = service.create(_authorisation())
    assert created.id and created.author == "payroll-sync"
    assert created.nsCode == credentials.namespace
    assert created.authType == "employment"
    assert (created.authSubject.type.lower(), created.authSubject.value) == ("string", "alice")
    assert (created.authObject.type.lower(), created.authObject.value) == ("string", "acme")
    assert created.validFrom == "2025-01-01T00:00:00Z"
    assert created.validTo == "2030-01-01T00:00:00Z"
    assert created.creator and created.createdAt and created.revoked is False
    assert created.revokedAt is None
    assert created.meta.created == created.createdAt and created.meta.lastModified
    assert created.meta.location.endswith(f"/api/rest/v1/authorisation/{created.id}")

    read = service.get(created.id)
    assert read.serialize() == created.serialize()
    read.author = "hr-sync"
    read.validTo = "2031-01-01T00:00:00Z"
    updated = service.update(read)  # every field sent back, read-only ones included
    assert (updated.author, updated.validTo) == ("hr-sync", "2031-01-01T00:00:00Z")
    assert updated.creator == created.creator and updated.createdAt == created.createdAt

    service.revoke(created.id)
    revoked = service.get(created.id)
    assert revoked.revoked is True and revoked.revokedAt
    service.delete(created.id)
    with pytest.raises(TrivoreIDException) as gone:
        service.get(created.id)
    assert gone.value.resporse_code == 404  # (sic: the SDK's spelling)


def test_paging_with_the_sdk_visits_every_item_once(service):
    service.create_type(AuthorisationType({"code": "employment"}))
    made = {service.create(_authorisation(subject={"type": "String", "value": f"s{i}"})).id
            for i in range(7)}
    service.create(_authorisation(authType="employment", object={"type": "String",
                                                                 "value": "other"}))
    only_acme = Filter(Filter.EQUAL, "object.value", "acme")
    seen, start = [], 0
    while True:
        page = service.get_all(only_acme, start_index=start, count=3)
        assert page.startIndex == start and page.totalResults == 7
        seen += [a.id for a in page.resources]
        start += len(page.resources)
        if not page.resources or start >= page.totalResults:
            break
    assert len(seen) == 7 and set(seen) == made


def test_grant_rights_through_the_sdk(service, credentials):
    service.create_type(AuthorisationType({"code": "employment"}))
    right = service.create_grant_right(AuthorisationGrantRight({
        "authorisationTypes": ["employment"],
        "principal": {"type": "String", "value": credentials.client_id}}))
    assert right.id and right.authorisationTypes == ["employment"]
    assert (right.principal.type.lower(), right.principal.value) == (
        "string", credentials.client_id)
    assert right.object.type == "user" and right.object.value  # the client gave it
    me = right.object.value  # its identity's id
    mine = service.create_grant_right(AuthorisationGrantRight({
        "authorisationTypes": ["employment"], "principal": {"type": "User", "value": me}}))
    assert (mine.principal.type, mine.principal.value) == ("user", me)
    assert right.authorisationGrant.createdByOauthClientId == credentials.client_id
    assert right.authorisationGrant.revoked is False and right.validFrom and right.validTo
    read = service.get_grant_right(right.id)
    assert read.serialize() == right.serialize()
    page = service.get_all_grant_rights(Filter(Filter.EQUAL, "authorisationTypes",
                                               "employment"))
    assert sorted(r.id for r in page.resources) == sorted([right.id, mine.id])
    service.revoke_grant_right(right.id)
    assert service.get_grant_right(right.id).authorisationGrant.revoked is True
    with pytest.raises(TrivoreIDException) as again:
        service.revoke_grant_right(right.id)
    assert again.value.resporse_code == 409  # revocation is final
