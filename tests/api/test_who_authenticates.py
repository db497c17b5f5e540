"""Only API clients authenticate to the APIs: people never, deactivated clients nowhere.

An API client is an active service account with its OAuth2 application. Its credentials are
the service account's username and password (HTTP Basic), its client id and secret (HTTP
Basic, or at the token endpoint for a Bearer token).
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import timedelta
from io import StringIO
from xml.etree import ElementTree as ET

import pytest
from django.contrib.auth import hashers
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application
from rest_framework.test import APIClient

from audit.models import AuditContext, ChangeRecord
from identities.models import Identity
from tests.orgs.conftest import ALL as ORGS_ALL

pytestmark = pytest.mark.django_db

S = "/eidm2/services/"
ONEPORTAL = "/api/rest/v1"
TYPES = f"{ONEPORTAL}/authorisation_type"


def create(*args: str) -> dict:
    out = StringIO()
    call_command("create_api_client", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def basic(username: str, password: str) -> APIClient:
    api = APIClient()
    raw = base64.b64encode(f"{username}:{password}".encode()).decode()
    api.credentials(HTTP_AUTHORIZATION=f"Basic {raw}")
    return api


def bearer(token: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return api


def token_request(**fields) -> tuple[int, dict]:
    response = APIClient().post("/oauth/token/", fields)
    return response.status_code, response.json()


def client_credentials(data: dict) -> tuple[int, dict]:
    return token_request(grant_type="client_credentials", client_id=data["client_id"],
                         client_secret=data["client_secret"])


def refused_everywhere(api: APIClient) -> None:
    """401 on each surface, in each surface's style, and nothing written."""
    contexts = AuditContext.objects.count()
    oneportal = api.get(f"{ONEPORTAL}/namespace")
    assert oneportal.status_code == 401, oneportal.content
    assert oneportal.json()["statusCode"] == 401
    customerid = api.get(S + "orgs/")
    assert customerid.status_code == 401, customerid.content
    assert ET.fromstring(customerid.content).findtext("code") == "2"
    additiv = api.post("/v1.1/auditcontext/generate", {}, format="json")
    assert additiv.status_code == 401, additiv.content
    assert additiv.json()["Code"] == "Unauthorized"
    assert AuditContext.objects.count() == contexts


def test_a_customerid_end_user_cannot_call_any_api_with_its_password():
    restuser = create("restuser", *[a for p in ORGS_ALL for a in ("--perm", p)])
    api = basic(restuser["username"], restuser["password"])
    assert api.post(S + "orgs/?organizationId=acme&friendlyName=Acme").status_code == 200
    created = api.post(S + "users/acme/?uid=alice&pwd=s3cret-Pass1&pwd.activated=true")
    assert created.status_code == 200, created.content
    person = Identity.objects.get(username="alice")
    assert person.kind == Identity.Kind.PERSON and person.check_password("s3cret-Pass1")
    # every permission there is, so only authentication can refuse it
    person.user_permissions.set(Permission.objects.all())

    refused_everywhere(basic("alice", "s3cret-Pass1"))
    # nor does the password buy a token (the password grant is not Tessera's)
    status, body = token_request(grant_type="password", username="alice",
                                 password="s3cret-Pass1", client_id=restuser["client_id"],
                                 client_secret=restuser["client_secret"])
    assert status in (400, 401) and "access_token" not in body


def test_staff_sign_in_to_the_admin_but_not_to_the_apis():
    Identity.objects.create_superuser("operator", "op@example.com", "op-Passw0rd!")
    browser = Client()
    assert browser.login(username="operator", password="op-Passw0rd!")
    assert browser.get("/admin/").status_code == 200
    refused_everywhere(basic("operator", "op-Passw0rd!"))


def test_a_deactivated_client_gets_no_token():
    data = create("off", "--perm", "audit.add_auditcontext")
    assert client_credentials(data)[0] == 200
    Identity.objects.filter(username="off").update(is_active=False)
    for send in (client_credentials,
                 lambda d: _basic_token_request(d["client_id"], d["client_secret"])):
        status, body = send(data)
        assert (status, body["error"]) == (401, "invalid_client"), body
    tokens = AccessToken.objects.count()
    Application.objects.filter(client_id=data["client_id"]).delete()  # the client gone
    assert client_credentials(data) == (401, {"error": "invalid_client"})
    assert AccessToken.objects.count() < tokens  # its tokens went with it


def _basic_token_request(client_id: str, secret: str) -> tuple[int, dict]:
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    response = APIClient().post("/oauth/token/", {"grant_type": "client_credentials"},
                                HTTP_AUTHORIZATION=f"Basic {raw}")
    return response.status_code, response.json()


def test_an_application_of_a_person_gets_no_token_and_its_tokens_do_not_work():
    person = Identity.objects.create_user("bob", password="bob-Passw0rd!")
    person.user_permissions.set(Permission.objects.all())
    app = Application(name="bob's", user=person, client_type=Application.CLIENT_CONFIDENTIAL,
                      authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
                      client_secret="bob-app-secret")
    app.save()
    status, body = client_credentials({"client_id": app.client_id,
                                       "client_secret": "bob-app-secret"})
    assert (status, body["error"]) == (401, "invalid_client")
    # a token row made some other way (the admin, another grant) acts for no one
    AccessToken.objects.create(user=person, application=app, token_checksum=_sum("bob-tok"),
                               expires=timezone.now() + timedelta(hours=1), scope="api")
    refused_everywhere(bearer("bob-tok"))


def test_a_token_acts_only_as_its_own_client():
    data = create("svc", "--perm", "audit.add_auditcontext")
    app = Application.objects.get(client_id=data["client_id"])
    person = Identity.objects.create_user("carol", password="carol-Passw0rd!")
    person.user_permissions.set(Permission.objects.all())
    AccessToken.objects.create(user=person, application=app, token_checksum=_sum("carol-tok"),
                               expires=timezone.now() + timedelta(hours=1), scope="api")
    AccessToken.objects.create(user=None, application=None, token_checksum=_sum("no-app"),
                               expires=timezone.now() + timedelta(hours=1), scope="api")
    refused_everywhere(bearer("carol-tok"))
    refused_everywhere(bearer("no-app"))


def _sum(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def test_basic_stops_at_once_when_the_client_application_is_gone():
    data = create("gone", "--perm", "audit.add_auditcontext")
    api = basic(data["username"], data["password"])
    assert api.post("/v1.1/auditcontext/generate", {}, format="json").status_code == 200
    Application.objects.filter(client_id=data["client_id"]).delete()
    # the verified credentials are remembered, but no longer match a client
    refused_everywhere(api)


# --- HTTP Basic with the OAuth2 client id and secret (issue 11) ---------------------------------

SDK_PERMS = ("--perm", "AUTHORISATION_TYPE_VIEW", "--perm", "AUTHORISATION_TYPE_CREATE",
             "--namespace", "ns-a")


def test_the_vendor_sdk_way_client_id_and_secret_over_basic():
    """(The vendor's SDK itself drives a real server in tests/authorisations/test_sdk.py.)"""
    data = create("sdk", *SDK_PERMS)
    api = basic(data["client_id"], data["client_secret"])
    listed = api.get(TYPES)
    assert listed.status_code == 200, listed.content
    assert listed.json()["resources"] == []
    created = api.post(TYPES, {"code": "lease"}, format="json")
    assert created.status_code == 201, created.content
    change = ChangeRecord.objects.get(object_type="authorisations.authorisationtype",
                                      object_id=str(created.json()["id"]))
    assert (change.actor_repr, change.client_id) == ("sdk", data["client_id"])
    wrong = basic(data["client_id"], "nope").get(TYPES)
    assert wrong.status_code == 401 and wrong.json()["statusCode"] == 401


@pytest.mark.real_hashers
def test_client_secret_over_basic_is_verified_once_and_stops_matching_at_once(monkeypatch):
    data = create("fast", *SDK_PERMS)
    checks = []
    real = hashers.Argon2PasswordHasher.verify
    monkeypatch.setattr(hashers.Argon2PasswordHasher, "verify",
                        lambda *a, **k: checks.append(1) or real(*a, **k))
    api = basic(data["client_id"], data["client_secret"])
    for _ in range(3):
        assert api.get(TYPES).status_code == 200
    assert len(checks) == 1  # one Argon2 check for three calls

    # a failed attempt is never remembered: it pays the check each time
    assert basic(data["client_id"], "wrong").get(TYPES).status_code == 401
    assert basic(data["client_id"], "wrong").get(TYPES).status_code == 401
    assert len(checks) == 3

    app = Application.objects.get(client_id=data["client_id"])
    app.client_secret = "a-rotated-secret"
    app.save()
    assert api.get(TYPES).status_code == 401  # the old secret stops at once
    rotated = basic(data["client_id"], "a-rotated-secret")
    assert rotated.get(TYPES).status_code == 200
    Identity.objects.filter(username="fast").update(is_active=False)
    assert rotated.get(TYPES).status_code == 401  # deactivated: at once, though remembered


def test_a_client_id_with_a_service_password_or_a_username_with_the_secret_is_refused():
    data = create("mix", *SDK_PERMS)
    assert basic(data["client_id"], data["password"]).get(TYPES).status_code == 401
    assert basic(data["username"], data["client_secret"]).get(TYPES).status_code == 401
    assert basic(data["username"], data["password"]).get(TYPES).status_code == 200


@pytest.mark.parametrize("url", ["/oauth/token/", "/connect/token", "/oauth/revoke_token/"])
def test_a_body_that_is_no_readable_form_is_400_not_500(client, url):
    """A multipart body without its boundary made Django raise on reading the form (found by
    the full schemathesis pass): the endpoints answer RFC 6749's invalid_request."""
    response = client.post(url, b"grant_type=client_credentials",
                           content_type="multipart/form-data")
    assert response.status_code == 400, response.content
    assert response.json()["error"] == "invalid_request"
    assert response["Cache-Control"] == "no-store"
