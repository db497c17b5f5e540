"""Issue 15, item 1: permissions, groups and OAuth2 applications written from the console leave
change records with the real before and after (many-to-many included, secrets masked), the
same as their services leave; what Tessera never issues is read-only."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application, Grant, IDToken, RefreshToken

from audit.models import ChangeRecord
from identities.models import Identity
from identities.services.clients import application_update, group_save, permission_resolve
from identities.services.people import identity_save, person_create
from tests.admin_forms import changed, form_data, form_errors

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client):
    client.force_login(person_create(username="root", password="pw-Operat0r!", superuser=True))
    return client


def records(obj, action=None):
    found = ChangeRecord.objects.filter(object_type=obj._meta.label_lower,
                                        object_id=str(obj.pk)).order_by("id")
    return found.filter(action=action) if action else found


def submit(operator, url, changes):
    page = operator.get(url)
    assert page.status_code == 200
    response = operator.post(url, changed(form_data(page.content), changes))
    assert response.status_code == 302, form_errors(response)
    return response


def test_a_permission_and_a_group_moved_onto_an_identity_are_recorded(operator):
    alice = person_create(username="alice")
    staff = group_save(group=Group(name="staff"), created=True)
    view = permission_resolve("authorisations.AUTHORISATION_VIEW")
    submit(operator, reverse("admin:identities_identity_change", args=[alice.pk]),
           {"user_permissions": [view.pk], "groups": [staff.pk]})
    change = records(alice, "update").get()
    assert change.actor_repr == "root"
    assert change.before["user_permissions"] == [] and change.before["groups"] == []
    assert change.after["user_permissions"] == ["authorisations.AUTHORISATION_VIEW"]
    assert change.after["groups"] == ["staff"]
    assert change.after["password"] == "***"
    assert list(alice.user_permissions.all()) == [view]

    # taken off again: the record's before holds it
    submit(operator, reverse("admin:identities_identity_change", args=[alice.pk]),
           {"user_permissions": None})
    removal = records(alice, "update").last()
    assert removal.before["user_permissions"] == ["authorisations.AUTHORISATION_VIEW"]
    assert removal.after["user_permissions"] == [] and removal.after["groups"] == ["staff"]

    # saved unchanged: nothing is written
    submit(operator, reverse("admin:identities_identity_change", args=[alice.pk]), {})
    assert records(alice, "update").count() == 2


def test_saving_an_identity_keeps_its_date_joined(operator):
    alice = person_create(username="alice")
    joined = timezone.now().replace(year=2020, microsecond=123456)
    Identity.objects.filter(pk=alice.pk).update(date_joined=joined)
    submit(operator, reverse("admin:identities_identity_change", args=[alice.pk]),
           {"first_name": "Alice"})
    alice.refresh_from_db()
    assert alice.first_name == "Alice" and alice.date_joined == joined
    update = records(alice, "update").get()
    assert update.before["date_joined"] == update.after["date_joined"]
    assert "date_joined" not in {k for k in update.after if
                                 update.before.get(k) != update.after.get(k)}


def test_identity_save_records_many_to_many_at_service_level():
    alice = person_create(username="alice")
    view = permission_resolve("authorisations.AUTHORISATION_VIEW")
    identity_save(identity=alice, created=False, user_permissions=[view], groups=[])
    change = records(alice, "update").get()
    assert (change.before["user_permissions"], change.after["user_permissions"]) == (
        [], ["authorisations.AUTHORISATION_VIEW"])
    identity_save(identity=alice, created=False, user_permissions=[view], groups=[])
    assert records(alice, "update").count() == 1  # unchanged: nothing written


def test_a_group_created_edited_and_deleted_in_the_console_is_recorded(operator):
    view = permission_resolve("authorisations.AUTHORISATION_VIEW")
    submit(operator, reverse("admin:auth_group_add"), {"name": "auditors",
                                                       "permissions": [view.pk]})
    group = Group.objects.get(name="auditors")
    created = records(group, "create").get()
    assert created.actor_repr == "root"
    assert created.after == {"id": group.pk, "name": "auditors",
                             "permissions": ["authorisations.AUTHORISATION_VIEW"]}

    submit(operator, reverse("admin:auth_group_change", args=[group.pk]),
           {"name": "readers", "permissions": None})
    update = records(group, "update").get()
    assert update.before["name"] == "auditors" and update.after["name"] == "readers"
    assert update.after["permissions"] == []

    alice = person_create(username="alice")
    alice.groups.add(group)
    operator.post(reverse("admin:auth_group_delete", args=[group.pk]), {"post": "yes"})
    assert not Group.objects.exists()
    tombstone = records(group, "delete").get()
    assert tombstone.before["name"] == "readers"
    assert tombstone.before["user_set"] == [str(alice.pk)]


def test_an_application_edited_in_the_console_is_recorded_with_its_secret_masked(
        operator, make_caller):
    caller = make_caller(name="crm")
    application = caller.credentials.application
    url = reverse("admin:oauth2_provider_application_change", args=[application.pk])
    submit(operator, url, {"redirect_uris": "https://crm.example/cb",
                           "authorization_grant_type": "authorization-code",
                           "client_secret": "a-new-secret-of-the-operator"})
    application.refresh_from_db()
    assert application.redirect_uris == "https://crm.example/cb"
    assert application.client_secret.startswith("md5$") or "$" in application.client_secret
    update = records(application, "update").get()
    assert update.actor_repr == "root"
    assert update.before["redirect_uris"] == "" and (
        update.after["redirect_uris"] == "https://crm.example/cb")
    assert update.before["authorization_grant_type"] == "client-credentials"
    assert update.after["authorization_grant_type"] == "authorization-code"
    # masked both sides, but the record says that the secret changed
    assert (update.before["client_secret"], update.after["client_secret"]) == (
        "***", "*** (changed)")
    every_record = json.dumps(list(ChangeRecord.objects.values("before", "after")))
    for secret in ("a-new-secret-of-the-operator", application.client_secret,
                   caller.credentials.client_secret):
        assert secret not in every_record

    # the service leaves the same record; a secret left as it was reads as unchanged
    application.name = "crm-2"
    application_update(application=application)
    assert records(application, "update").last().after["name"] == "crm-2"
    assert records(application, "update").last().after["client_secret"] == "***"
    submit(operator, url, {"redirect_uris": "https://crm.example/cb2"})  # secret as shown
    again = records(application, "update").last()
    assert again.after["redirect_uris"] == "https://crm.example/cb2"
    assert again.before["client_secret"] == again.after["client_secret"] == "***"


def test_applications_are_created_by_the_command_only_and_deleted_with_their_tokens(
        operator, make_caller):
    assert operator.get(reverse("admin:oauth2_provider_application_add")).status_code == 403
    caller = make_caller(name="crm")
    raw = caller.token()
    token = AccessToken.objects.get()
    application = caller.credentials.application
    operator.post(reverse("admin:oauth2_provider_application_delete", args=[application.pk]),
                  {"post": "yes"})
    assert not Application.objects.exists() and not AccessToken.objects.exists()
    revoked = records(token, "revoke").get()
    # stored as a checksum only (RFC 9700), which is masked too
    assert revoked.before["token_checksum"] == "***" and raw not in json.dumps(revoked.before)
    assert records(application, "delete").get().before["client_secret"] == "***"
    assert Identity.objects.filter(username="crm").exists()  # the service account stays


def test_deleting_an_api_client_records_its_applications_and_tokens_too(
        operator, make_caller):
    caller = make_caller(name="crm")
    caller.token()
    token = AccessToken.objects.get()
    application = caller.credentials.application
    identity = caller.credentials.identity
    response = operator.post(reverse("admin:identities_identity_delete", args=[identity.pk]),
                             {"post": "yes"})
    assert response.status_code == 302
    assert not Identity.objects.filter(pk=identity.pk).exists()
    assert not Application.objects.exists() and not AccessToken.objects.exists()
    # nothing goes by the database's cascade alone: each has its own record
    assert records(token, "revoke").get().actor_repr == "root"
    assert records(application, "delete").get().before["client_secret"] == "***"
    assert records(identity, "delete").exists()


@pytest.mark.parametrize("model", [Grant, IDToken, RefreshToken])
def test_what_tessera_never_issues_is_read_only(operator, model):
    opts = model._meta
    changelist = operator.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    assert changelist.status_code == 200
    assert b'name="action"' not in changelist.content  # no action (no revoke, no delete)
    add = operator.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
    assert add.status_code == 403
