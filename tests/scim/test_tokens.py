"""SCIM tokens: made by `create_scim_token` (shown once, stored as a checksum), the only
credentials /scim/v2/ takes (401 with a SCIM body otherwise), revoked through the console
(audited), their last use noted."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from audit.models import ChangeRecord
from identities.models import Identity
from orgs import services as org_services
from scim.models import ScimToken
from scim.services.tokens import token_create, token_revoke
from tests.scim.conftest import Scim, scim_error

pytestmark = pytest.mark.django_db


def create(*args: str) -> dict:
    out = io.StringIO()
    call_command("create_scim_token", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def test_the_command_prints_the_token_once_and_keeps_only_its_checksum(acme):
    printed = create("acme", "--name", "entra")
    secret = printed["token"]
    assert secret.startswith("scim_") and len(secret) > 40
    assert printed["organization"] == "acme" and printed["name"] == "entra"
    token = ScimToken.objects.get()
    assert token.token_checksum == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in json.dumps(list(ChangeRecord.objects.values("before", "after")))
    account = token.identity
    assert account.kind == Identity.Kind.SERVICE and account.username == "scim.acme.entra"
    assert not account.has_usable_password() and not account.user_permissions.exists()
    assert Scim(secret).get("/Users").status_code == 200
    # a second token of the same name gets an account of its own
    create("acme", "--name", "entra")
    assert set(ScimToken.objects.values_list("identity__username", flat=True)) == {
        "scim.acme.entra", "scim.acme.entra-2"}


def test_the_command_refuses_an_unknown_or_virtual_organization(acme):
    with pytest.raises(CommandError, match="No organization"):
        create("nowhere")
    org_services.organization_create(parent=None, organization_id="v", friendly_name="V",
                                     virtual=True)
    with pytest.raises(CommandError, match="virtual"):
        create("v")
    assert not ScimToken.objects.exists()


@pytest.mark.parametrize("header", [
    None, "Bearer", "Bearer scim_wrong", "Bearer a b", "Basic YWxpY2U6cGFzcw==", "Token x",
    "Bearer \u00e4"])
def test_no_or_a_wrong_token_is_a_scim_401(acme, header):
    client = Scim(None)
    if header is not None:
        client.client.credentials(HTTP_AUTHORIZATION=header)
    for path in ("/Users", "/ServiceProviderConfig", "/Users/x", "/Schemas"):
        response = client.get(path)
        scim_error(response, 401)
        assert response["WWW-Authenticate"].startswith("Bearer")


def test_an_api_clients_oauth_token_is_not_a_scim_token(acme, make_caller):
    client = Scim(make_caller(all_perms=True).token())
    scim_error(client.get("/Users"), 401)


def test_a_revoked_token_is_refused_at_once_and_the_revocation_is_audited(acme, acme_token):
    client = Scim(acme_token.secret)
    assert client.get("/Users").status_code == 200
    assert token_revoke(token=acme_token.token) is True
    scim_error(client.get("/Users"), 401)
    assert token_revoke(token=acme_token.token) is False  # nothing more to write
    record = ChangeRecord.objects.get(object_type="scim.scimtoken", action="revoke")
    assert record.before["revoked_at"] is None and record.after["revoked_at"]
    assert "token_checksum" not in record.after or record.after["token_checksum"] == "***"
    account = Identity.objects.get(pk=acme_token.token.identity_id)
    assert not account.is_active


def test_a_token_of_a_removed_organization_authenticates_no_more(acme, acme_token):
    scim = Scim(acme_token.secret)
    assert scim.get("/Users").status_code == 200
    org_services.organization_delete(organization=acme, recursive=True)
    scim_error(scim.get("/Users"), 401)


def test_the_last_use_is_noted_at_most_once_a_minute(acme_token):
    token = acme_token.token
    assert token.last_used_at is None
    Scim(acme_token.secret).get("/Users")
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    Scim(acme_token.secret).get("/Users")
    token.refresh_from_db()
    assert token.last_used_at == first
    ScimToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(minutes=2))
    Scim(acme_token.secret).get("/Users")
    token.refresh_from_db()
    assert token.last_used_at > first - timedelta(seconds=1)
    assert not ChangeRecord.objects.filter(object_type="scim.scimtoken",
                                           action="update").exists()


def test_the_console_lists_tokens_and_revokes_them(client, acme, globex):
    from identities.services.people import person_create

    root = person_create(username="root", password="pw-Operat0r!", superuser=True)
    client.force_login(root)
    entra = token_create(organization=acme, name="entra")
    token_create(organization=globex, name="okta")
    Scim(entra.secret).get("/Users")
    page = client.get("/admin/scim/scimtoken/")
    assert page.status_code == 200
    text = page.content.decode()
    for shown in ("entra", "okta", "acme", "globex", "scim.acme.entra", "active"):
        assert shown in text
    assert entra.secret not in text
    assert client.get("/admin/scim/scimtoken/add/").status_code == 403
    response = client.post("/admin/scim/scimtoken/", {
        "action": "revoke_tokens", "_selected_action": [entra.token.pk]})
    assert response.status_code == 302
    scim_error(Scim(entra.secret).get("/Users"), 401)
    record = ChangeRecord.objects.get(object_type="scim.scimtoken", action="revoke")
    assert record.actor_repr == "root" and record.origin == "admin"
    assert timezone.now() - ScimToken.objects.get(pk=entra.token.pk).revoked_at < timedelta(
        minutes=1)


def test_guessing_tokens_locks_the_address_out_with_a_scim_429(acme_token, settings):
    settings.AUTH_FAILURES_PER_ADDRESS = 3
    for _ in range(3):
        scim_error(Scim("scim_guess").get("/Users"), 401)
    response = Scim(acme_token.secret).get("/Users")  # the right token too, while locked out
    scim_error(response, 429)
    assert int(response["Retry-After"]) > 0
