"""A secret that a write replaces reads `*** (changed)` in the after-state: masked like any
secret, but a reader of the change log sees that it changed (both sides would read `***`)."""

from __future__ import annotations

import pytest

from audit.models import ChangeRecord
from audit.states import SECRET_CHANGED, raw_state, secrets_changed
from identities.models import Identity
from orgs import services
from orgs.services.users import UserFields, user_create, user_update

pytestmark = pytest.mark.django_db


def test_only_a_secret_replaced_by_another_is_marked():
    person = Identity(username="p", password="hash-1")
    before = raw_state(person)
    assert secrets_changed(before, person) == {}
    person.password = "hash-2"
    assert secrets_changed(before, person) == {"password": SECRET_CHANGED}
    person.password = ""  # cleared: "" against the mask says so already
    assert secrets_changed(before, person) == {}
    assert secrets_changed(raw_state(person), Identity(password="hash-3")) == {}  # set


def latest_user_change() -> ChangeRecord:
    return ChangeRecord.objects.filter(object_type="orgs.orguser").latest("id")


def test_a_customerid_users_new_password_and_hetu_read_as_changed():
    acme = services.organization_create(parent=None, organization_id="acme",
                                        friendly_name="Acme")
    user = user_create(organization=acme, name="alice",
                       data=UserFields(pwd="First-Pass-1", hetu="131052-308T"))
    user_update(user=user, data=UserFields(pwd="Second-Pass-2"))
    change = latest_user_change()
    assert change.after["password"] == SECRET_CHANGED
    assert change.before["hetu"] == change.after["hetu"] == "***"  # not touched
    assert "Second" not in str(change.after)

    user_update(user=user, data=UserFields(hetu="010203A1230"))
    change = latest_user_change()
    assert (change.before["hetu"], change.after["hetu"]) == ("***", SECRET_CHANGED)
    assert "password" not in change.after  # not touched this time

    count = ChangeRecord.objects.count()
    user_update(user=user, data=UserFields(pwd="Second-Pass-2"))  # the same: nothing to write
    assert ChangeRecord.objects.count() == count
