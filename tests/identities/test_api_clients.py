"""API clients: the create_api_client command, OAuth2 tokens, Bearer and Basic, revocation."""

import base64
import hashlib
import json
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth.hashers import check_password
from django.core.management import CommandError, call_command
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application
from rest_framework.test import APIClient

from audit.models import ChangeRecord
from identities.models import Identity
from identities.services.clients import access_token_revoke

pytestmark = pytest.mark.django_db
URL = "/v1.1/auditcontext/generate"


def create(*args) -> dict:
    out = StringIO()
    call_command("create_api_client", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def basic(username: str, password: str) -> APIClient:
    client = APIClient()
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    client.credentials(HTTP_AUTHORIZATION=f"Basic {token}")
    return client


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def stored(raw: str) -> AccessToken:
    return AccessToken.objects.get(token_checksum=hashlib.sha256(raw.encode()).hexdigest())


def token_for(data: dict, path: str = "/oauth/token/"):
    return APIClient().post(path, {"grant_type": "client_credentials",
                                   "client_id": data["client_id"],
                                   "client_secret": data["client_secret"]})


def test_command_prints_four_fields_and_creates_a_confidential_client():
    data = create("erp", "--perm", "audit.add_auditcontext")
    assert set(data) == {"username", "password", "client_id", "client_secret"}
    identity = Identity.objects.get(username="erp")
    assert identity.kind == Identity.Kind.SERVICE and not identity.is_staff
    assert identity.has_perm("audit.add_auditcontext")
    app = Application.objects.get(client_id=data["client_id"])
    assert app.user == identity
    assert app.client_type == Application.CLIENT_CONFIDENTIAL
    assert app.authorization_grant_type == Application.GRANT_CLIENT_CREDENTIALS
    # Secrets are stored hashed, never in clear.
    assert app.client_secret != data["client_secret"]
    assert check_password(data["client_secret"], app.client_secret)
    assert identity.password != data["password"]
    # The creation is audited, without the secrets.
    change = ChangeRecord.objects.get(object_type="identities.identity",
                                      object_id=str(identity.pk))
    assert change.after["permissions"] == ["audit.add_auditcontext"]
    assert data["password"] not in json.dumps(change.after)


def test_bare_codename_and_all_perms():
    data = create("a", "--perm", "add_auditcontext")
    assert Identity.objects.get(username=data["username"]).has_perm("audit.add_auditcontext")
    create("b", "--all-perms")
    assert Identity.objects.get(username="b").has_perm("identities.access_tenant")


@pytest.mark.parametrize("args", [["x", "--perm", "no_such_perm"], ["x", "--perm", "a.b.c"],
                                  ["x", "--tenant", "not a slug!"],
                                  ["x", "--namespace", "not a slug!"]])
def test_command_refuses_bad_arguments_and_writes_nothing(args):
    with pytest.raises(CommandError):
        create(*args)
    assert not Identity.objects.filter(username="x").exists()
    assert not Application.objects.exists()


def test_duplicate_name_is_refused():
    create("dup")
    with pytest.raises(CommandError, match="already exists"):
        create("dup")
    assert Application.objects.count() == 1


@pytest.mark.parametrize("path", ["/oauth/token/", "/connect/token"])
def test_token_endpoint_issues_an_expiring_bearer_token(path):
    data = create("c", "--perm", "audit.add_auditcontext")
    response = token_for(data, path)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    token = stored(body["access_token"])
    assert token.token == ""  # only the checksum is kept
    assert token.user.username == "c"  # acts as the client's service account
    assert bearer(body["access_token"]).post(URL, {}, format="json").status_code == 200


def test_same_client_authenticates_with_basic_and_both_are_audited_as_it():
    data = create("dual", "--perm", "audit.add_auditcontext")
    via_basic = basic(data["username"], data["password"]).post(URL, {}, format="json")
    via_bearer = bearer(token_for(data).json()["access_token"]).post(URL, {}, format="json")
    assert via_basic.status_code == via_bearer.status_code == 200
    for response, client_id in ((via_basic, ""), (via_bearer, data["client_id"])):
        change = ChangeRecord.objects.get(
            object_type="audit.auditcontext",
            object_id=str(response.json()["AuditContextId"]))
        assert change.actor_repr == "dual"
        assert change.client_id == client_id


def test_wrong_secret_password_or_token_is_401():
    data = create("w", "--perm", "audit.add_auditcontext")
    assert token_for({**data, "client_secret": "wrong"}).status_code == 401
    response = basic(data["username"], "wrong").post(URL, {}, format="json")
    assert response.status_code == 401 and "WWW-Authenticate" in response
    assert bearer("not-a-token").post(URL, {}, format="json").status_code == 401


def test_revoked_and_expired_tokens_are_401():
    data = create("r", "--perm", "audit.add_auditcontext")
    first = token_for(data).json()["access_token"]
    second = token_for(data).json()["access_token"]
    access_token_revoke(token=stored(first))
    assert bearer(first).post(URL, {}, format="json").status_code == 401
    assert ChangeRecord.objects.filter(object_type="oauth2_provider.accesstoken",
                                       action="revoke").count() == 1
    expired = timezone.now() - timedelta(seconds=1)
    AccessToken.objects.filter(pk=stored(second).pk).update(expires=expired)
    assert bearer(second).post(URL, {}, format="json").status_code == 401


def test_revocation_endpoint_answers_as_documented_and_revokes_only_the_callers_token():
    data = create("rv", "--perm", "audit.add_auditcontext")
    other = create("rv-other", "--perm", "audit.add_auditcontext")
    mine, theirs = (token_for(d).json()["access_token"] for d in (data, other))
    own = {"client_id": data["client_id"], "client_secret": data["client_secret"]}

    missing = APIClient().post("/oauth/revoke_token/", own)
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"
    assert APIClient().post("/oauth/revoke_token/", {"token": mine}).status_code == 401
    # another client's token is left alone, with the same empty 200 (RFC 7009 §2.2)
    refused = APIClient().post("/oauth/revoke_token/", {"token": theirs, **own})
    assert (refused.status_code, refused.content) == (200, b"")
    assert bearer(theirs).post(URL, {}, format="json").status_code == 200
    revoked = APIClient().post("/oauth/revoke_token/", {"token": mine, **own})
    assert (revoked.status_code, revoked.content) == (200, b"")
    assert bearer(mine).post(URL, {}, format="json").status_code == 401


def test_inactive_service_account_cannot_authenticate():
    data = create("off", "--perm", "audit.add_auditcontext")
    token = token_for(data).json()["access_token"]
    Identity.objects.filter(username="off").update(is_active=False)
    assert basic(data["username"], data["password"]).post(URL, {}).status_code == 401
    assert bearer(token).post(URL, {}).status_code == 401
    assert bearer(token).post(URL, {}, format="json").status_code == 401


@pytest.mark.real_hashers
def test_passwords_and_secrets_are_hashed_with_argon2():
    data = create("argon")
    assert Identity.objects.get(username="argon").password.startswith("argon2")
    assert Application.objects.get(client_id=data["client_id"]).client_secret.startswith("argon2")


@pytest.mark.real_hashers
def test_basic_credentials_are_verified_once_then_remembered_until_they_change(monkeypatch):
    from django.contrib.auth import base_user

    data = create("fast", "--perm", "audit.add_auditcontext")
    calls = []
    real = base_user.check_password
    monkeypatch.setattr(base_user, "check_password",
                        lambda *a, **k: calls.append(1) or real(*a, **k))
    api = basic(data["username"], data["password"])
    for _ in range(3):
        assert api.post(URL, {}, format="json").status_code == 200
    assert len(calls) == 1  # one Argon2 check for three calls

    assert basic(data["username"], "wrong").post(URL, {}, format="json").status_code == 401
    identity = Identity.objects.get(username="fast")
    identity.set_password("a-new-Passw0rd")
    identity.save()
    assert api.post(URL, {}, format="json").status_code == 401  # the old password stops
    Identity.objects.filter(pk=identity.pk).update(is_active=False)
    assert basic("fast", "a-new-Passw0rd").post(URL, {}, format="json").status_code == 401
