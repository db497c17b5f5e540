"""Identity, member and token admin: writes go through services and leave change records."""

import pytest
from django.urls import reverse
from oauth2_provider.models import AccessToken
from rest_framework.test import APIClient

from audit.models import ChangeRecord
from identities.models import Identity, Member, Tenant
from identities.services import person_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client):
    client.force_login(person_create(username="root", password="pw-Operat0r!", superuser=True))
    return client


def changes_of(obj, action):
    return ChangeRecord.objects.filter(object_id=str(obj.pk), action=action)


def test_identity_add_change_password_and_delete_are_audited(operator):
    response = operator.post(reverse("admin:identities_identity_add"), {
        "username": "carol", "password1": "Xk29-vnq-Plo", "password2": "Xk29-vnq-Plo",
        "usable_password": "true"})
    assert response.status_code == 302, response.content
    carol = Identity.objects.get(username="carol")
    assert changes_of(carol, "create").get().actor_repr == "root"

    response = operator.post(reverse("admin:auth_user_password_change",
                                     args=[carol.pk]),
                             {"password1": "Zz81-new-Pass", "password2": "Zz81-new-Pass",
                              "usable_password": "true"})
    assert response.status_code == 302, response.content
    carol.refresh_from_db()
    assert carol.check_password("Zz81-new-Pass")
    password_change = changes_of(carol, "update").get()
    assert password_change.after == {"password": "***"}

    operator.post(reverse("admin:identities_identity_delete", args=[carol.pk]), {"post": "yes"})
    assert not Identity.objects.filter(pk=carol.pk).exists()
    tombstone = changes_of(carol, "delete").get()
    assert tombstone.before["username"] == "carol" and tombstone.before["password"] == "***"


def test_member_add_and_remove_are_audited(operator):
    alice = person_create(username="alice")
    tenant = Tenant.objects.get(key="default")
    response = operator.post(reverse("admin:identities_member_add"),
                             {"tenant": tenant.pk, "identity": alice.pk})
    assert response.status_code == 302, response.content
    member = Member.objects.get(identity=alice)
    assert changes_of(member, "create").exists()
    operator.post(reverse("admin:identities_member_delete", args=[member.pk]), {"post": "yes"})
    assert not Member.objects.exists()
    assert changes_of(member, "delete").get().before["identity"] == str(alice.pk)


def test_tokens_are_revoked_from_the_admin(operator, make_caller):
    caller = make_caller(["audit.add_auditcontext"])
    raw = caller.token()
    token = AccessToken.objects.get()
    response = operator.post(reverse("admin:oauth2_provider_accesstoken_changelist"),
                             {"action": "revoke_tokens", "_selected_action": [token.pk]})
    assert response.status_code == 302
    assert not AccessToken.objects.exists()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.post("/v1.1/auditcontext/generate", {}, format="json").status_code == 401
    assert ChangeRecord.objects.filter(object_type="oauth2_provider.accesstoken",
                                       action="revoke", actor_repr="root").exists()
