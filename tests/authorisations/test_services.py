"""Services other apps call, and the demo data."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from audit.models import ChangeRecord
from authorisations.models import Authorisation, Namespace
from authorisations.services.authorisations import (
    authorisation_create,
    authorisation_update,
    authorisations_revoke_for_subject,
)
from authorisations.validation import clean_authorisation
from tests.authorisations.conftest import body

pytestmark = pytest.mark.django_db


def make(namespace, **changes):
    return authorisation_create(namespace=namespace, data=clean_authorisation(body(**changes)))


def test_revoke_for_subject_revokes_live_ones_of_the_type_in_every_namespace(ns_a, ns_b):
    hit_a, hit_b = make(ns_a), make(ns_b)
    future = make(ns_a, validFrom=(timezone.now() + timedelta(days=3)).isoformat())
    other_type = make(ns_a, authType="mandate")
    other_subject = make(ns_a, subject={"type": "string", "value": "bob"})
    expired = make(ns_a, validFrom="2000-01-01T00:00:00Z", validTo="2001-01-01T00:00:00Z")
    count = authorisations_revoke_for_subject(
        subject_type="string", subject_value="alice", type_code="employment",
        details="mandates.remove")
    assert count == 3
    revoked = set(Authorisation.objects.filter(revoked=True).values_list("pk", flat=True))
    assert revoked == {hit_a.pk, hit_b.pk, future.pk}
    assert not {other_type.pk, other_subject.pk, expired.pk} & revoked
    records = ChangeRecord.objects.filter(action="revoke")
    assert records.count() == 3 and len({r.context_id for r in records}) == 1
    assert authorisations_revoke_for_subject(
        subject_type="string", subject_value="alice", type_code="employment", details="") == 0


def test_update_without_changes_writes_nothing(ns_a):
    row = make(ns_a)
    before = ChangeRecord.objects.count()
    authorisation_update(authorisation=row, data={"subject_value": "alice"})
    assert ChangeRecord.objects.count() == before and row.versions.count() == 0


def test_demo_data_is_idempotent(db):
    call_command("load_demo", stdout=io.StringIO())
    counts = (Namespace.objects.count(), Authorisation.objects.count(),
              ChangeRecord.objects.count())
    call_command("load_demo", stdout=io.StringIO())
    assert (Namespace.objects.count(), Authorisation.objects.count(),
            ChangeRecord.objects.count()) == counts
    assert Authorisation.objects.filter(subject_type="user", namespace__code="demo").count() == 3
