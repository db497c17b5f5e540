"""The change log's second line against no-op writes: `record` writes no update whose
state did not change, unless a masked secret could hide the change (issue 10, defect 9)."""

import pytest

from audit.services import record
from audit.states import snapshot
from authorisations.models import Namespace
from identities.services.people import person_create
from tests.unchanged import records

pytestmark = pytest.mark.django_db


def test_record_writes_no_update_whose_state_did_not_change():
    namespace = Namespace.objects.create(code="n1", name="N1")
    count = records()
    assert record(action="update", instance=namespace, before=snapshot(namespace)) is None
    assert records() == count
    before = snapshot(namespace)
    namespace.name = "N2"
    assert record(action="update", instance=namespace, before=before) is not None
    assert records() == count + 1


def test_record_keeps_an_update_whose_masked_secret_may_hide_a_change():
    """A state with a masked secret (a password) looks the same when the secret changed:
    the guard writes it rather than lose a change."""
    identity = person_create(username="dora", password="pw-1234567")
    before = snapshot(identity)
    identity.set_password("pw-7654321")
    count = records()
    assert record(action="update", instance=identity, before=before) is not None
    assert records() == count + 1


def test_record_keeps_an_update_whose_state_the_caller_gives():
    """A state the caller builds (a user's, without its password) may leave out what
    changed: only a row's own full snapshot is compared."""
    namespace = Namespace.objects.create(code="n1", name="N1")
    count = records()
    same = {"password_usable": True}
    assert record(action="update", instance=namespace, before=same, after=same) is not None
    assert records() == count + 1
