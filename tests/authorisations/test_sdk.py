"""The onePortal vendor's own Python SDK (`trivoreid-extension` 1.0.9), unchanged, against a
live Tessera: every `AuthorisationService` method, with the credentials `create_api_client`
prints (the OAuth2 client id and secret, which the SDK sends over HTTP Basic)."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass

import pytest
import requests
from django.core.management import call_command
from trivoreid.client import TrivoreID
from trivoreid.exceptions import TrivoreIDException
from trivoreid.models.authorisation import (
    Authorisation,
    AuthorisationGrantRight,
    AuthorisationType,
)
from trivoreid.utils.criteria import Filter

from authorisations.services import namespace_create
from identities.models import Identity

pytestmark = pytest.mark.django_db(transaction=True)


@dataclass
class Credentials:
    client_id: str
    client_secret: str
    identity_id: str


@pytest.fixture
def credentials(db):
    """What `create_api_client --all-perms --namespace ns-a --json` prints."""
    namespace_create(code="ns-a", name="Namespace A")
    out = io.StringIO()
    call_command("create_api_client", "sdk-client", "--all-perms", "--namespace", "ns-a",
                 "--json", stdout=out)
    printed = json.loads(out.getvalue())
    identity = Identity.objects.get(username=printed["username"])
    return Credentials(printed["client_id"], printed["client_secret"], str(identity.pk))


@pytest.fixture
def service(live_server, credentials, tmp_path):
    sdk = TrivoreID(path=str(tmp_path / "none.properties"), server=live_server.url,
                    client_id=credentials.client_id, client_secret=credentials.client_secret)
    return sdk.authorization_service


def raw(live_server, credentials, path: str) -> dict:
    """A read past the SDK (whose AuthorisationType drops `names` as it parses them)."""
    response = requests.get(f"{live_server.url}/api/rest/v1/{path}",
                            auth=(credentials.client_id, credentials.client_secret),
                            timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def test_types_and_sources_through_the_sdk(service, live_server, credentials):
    # The SDK's AuthorisationType turns every name into {locale: null, value: null} as it is
    # built (it reads the keys from the wrong dict), so it can neither send nor read names:
    # such entries are ignored, and names set over plain HTTP survive the SDK's updates.
    sent = AuthorisationType({"nsCode": "ns-a", "code": "employment",
                              "description": "Works for",
                              "names": [{"locale": "fi", "value": "Työsuhde"}]})
    assert sent.serialize()["names"] == [{"locale": None, "value": None}]
    created = service.create_type(sent)
    assert created.id and created.code == "employment" and created.nsCode == "ns-a"
    assert created.description == "Works for"
    assert created.meta.created and created.meta.lastModified
    assert created.meta.location.endswith(f"/api/rest/v1/authorisation_type/{created.id}")
    names = [{"locale": "fi", "value": "Työsuhde"}, {"locale": "en", "value": "Employment"}]
    patched = requests.patch(f"{live_server.url}/api/rest/v1/authorisation_type/{created.id}",
                             json={"names": names}, timeout=10,
                             auth=(credentials.client_id, credentials.client_secret))
    assert patched.status_code == 200, patched.text

    read = service.get_type(created.id)
    assert (read.id, read.code, read.description) == (created.id, "employment", "Works for")
    read.description = "Employed by"
    updated = service.update_type(read)  # sends back what it read, names garbled
    assert updated.description == "Employed by"
    assert raw(live_server, credentials, f"authorisation_type/{created.id}")["names"] == names

    page = service.get_all_types(Filter(Filter.EQUAL, "code", "employment"))
    assert [t.id for t in page.resources] == [created.id] and page.startIndex == 0

    source = service.create_source(AuthorisationType({"nsCode": "ns-a", "code": "hr"}))
    assert service.get_source(source.id).code == "hr"
    source.description = "HR system"
    assert service.update_source(source).description == "HR system"
    assert [s.code for s in service.get_all_sources().resources] == ["hr"]
    service.delete_source(source.id)
    with pytest.raises(TrivoreIDException) as gone:
        service.get_source(source.id)
    assert gone.value.resporse_code == 404
    spare = service.create_type(AuthorisationType({"nsCode": "ns-a", "code": "spare"}))
    service.delete_type(spare.id)
    assert [t.code for t in service.get_all_types().resources] == ["employment"]


def _authorisation(**fields) -> Authorisation:
    data = {"nsCode": "ns-a", "authType": "employment", "author": "payroll-sync",
            "subject": {"type": "String", "value": "alice"},
            "object": {"type": "String", "value": "acme"},
            "validFrom": "2025-01-01T00:00:00Z", "validTo": "2030-01-01T00:00:00Z"}
    data.update(fields)
    return Authorisation(data)


def test_authorisations_through_the_sdk(service, credentials):
    service.create_type(AuthorisationType({"nsCode": "ns-a", "code": "employment"}))
    created = service.create(_authorisation())
    assert created.id and created.author == "payroll-sync" and created.nsCode == "ns-a"
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
    service.create_type(AuthorisationType({"nsCode": "ns-a", "code": "employment"}))
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
    service.create_type(AuthorisationType({"nsCode": "ns-a", "code": "employment"}))
    principal = credentials.identity_id
    right = service.create_grant_right(AuthorisationGrantRight({
        "authorisationTypes": ["employment"],
        "principal": {"type": "User", "value": principal}}))
    assert right.id and right.authorisationTypes == ["employment"]
    assert (right.principal.type.lower(), right.principal.value) == ("user", principal)
    assert right.object.value == principal  # it gave the right itself
    assert right.authorisationGrant.createdByOauthClientId == credentials.client_id
    assert right.authorisationGrant.revoked is False and right.validFrom and right.validTo
    read = service.get_grant_right(right.id)
    assert read.serialize() == right.serialize()
    page = service.get_all_grant_rights(Filter(Filter.EQUAL, "authorisationTypes",
                                               "employment"))
    assert [r.id for r in page.resources] == [right.id]
    service.revoke_grant_right(right.id)
    assert service.get_grant_right(right.id).authorisationGrant.revoked is True
    with pytest.raises(TrivoreIDException) as again:
        service.revoke_grant_right(right.id)
    assert again.value.resporse_code == 409  # revocation is final
