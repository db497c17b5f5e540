"""The admin: writes through the services, deleted records visible, revoke action, history."""

import pytest

from audit.models import ChangeRecord
from authorisations.models import Authorisation, AuthorisationType, NamespaceUserObjectPermission
from authorisations.services.authorisations import authorisation_create, authorisation_delete
from authorisations.validation import clean_authorisation
from identities.services.people import person_create
from tests.authorisations.conftest import body

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/authorisations/authorisation/"
INLINE = "namespaceuserobjectpermission_set"


@pytest.fixture
def operator(client):
    admin = person_create(username="root", superuser=True)
    client.force_login(admin)
    return client


def make(namespace, subject="alice"):
    return authorisation_create(namespace=namespace, data=clean_authorisation(
        body(subject={"type": "string", "value": subject})))


def test_add_through_the_admin_calls_the_service(operator, ns_a):
    employment = AuthorisationType.objects.get(namespace=ns_a, code="employment")
    response = operator.post(f"{CHANGELIST}add/", {
        "namespace": ns_a.pk, "type": employment.pk, "source": "",
        "subject_type": "string", "subject_value": "zed", "object_type": "target",
        "object_value": "door", "valid_from_0": "2024-01-01", "valid_from_1": "00:00:00",
        "valid_to_0": "", "valid_to_1": ""})
    assert response.status_code == 302, response.content.decode()[:3000]
    row = Authorisation.objects.get(subject_value="zed")
    change = ChangeRecord.objects.get(object_id=str(row.pk))
    assert change.action == "create" and change.actor_repr == "root"
    assert row.natural_key == row.compute_natural_key()


def test_admin_form_refuses_a_type_of_another_namespace_and_bad_windows(operator, ns_a, ns_b):
    other = AuthorisationType.objects.get(namespace=ns_b, code="employment")
    response = operator.post(f"{CHANGELIST}add/", {
        "namespace": ns_a.pk, "type": other.pk, "subject_type": "user",
        "subject_value": "nobody", "object_type": "target", "object_value": "door",
        "valid_from_0": "2024-01-01", "valid_from_1": "00:00:00",
        "valid_to_0": "2023-01-01", "valid_to_1": "00:00:00"})
    assert response.status_code == 200
    assert not Authorisation.objects.exists()


def test_deleted_records_stay_visible_and_filterable(operator, ns_a):
    kept, gone = make(ns_a, "kept"), make(ns_a, "gone")
    authorisation_delete(authorisation=gone)
    page = operator.get(CHANGELIST).content.decode()
    assert "kept" in page and "gone" in page
    deleted_only = operator.get(CHANGELIST, {"deleted": "yes"}).content.decode()
    assert "gone" in deleted_only and ">kept<" not in deleted_only
    active = operator.get(CHANGELIST, {"active": "yes", "q": "kept"}).content.decode()
    assert ">kept<" in active
    detail = operator.get(f"{CHANGELIST}{gone.pk}/change/").content.decode().lower()
    assert "<td>delete</td>" in detail and "change history" in detail
    history = operator.get(f"{CHANGELIST}{gone.pk}/history/")
    assert history.status_code == 200
    assert b"Delete" in history.content and b"Create" in history.content
    # Both rows are still in the database: `gone` soft-deleted, `kept` untouched.
    kept.refresh_from_db()
    gone.refresh_from_db()
    assert kept.deleted_at is None and not kept.revoked
    assert gone.deleted_at is not None


def test_revoke_action_and_soft_delete_through_the_admin(operator, ns_a):
    first, second = make(ns_a, "one"), make(ns_a, "two")
    response = operator.post(CHANGELIST, {"action": "revoke_selected",
                                          "_selected_action": [first.pk, second.pk]})
    assert response.status_code == 302
    assert Authorisation.objects.filter(revoked=True).count() == 2
    assert ChangeRecord.objects.filter(action="revoke").count() == 2
    response = operator.post(f"{CHANGELIST}{first.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.deleted_at is not None
    assert ChangeRecord.objects.filter(object_id=str(first.pk), action="delete").exists()


def test_namespace_admin_grants_clients_through_the_service(operator, ns_a, make_caller):
    caller = make_caller([])
    response = operator.post(f"/admin/authorisations/namespace/{ns_a.pk}/change/", {
        "name": "Renamed", "default_validity": "", "clients": [caller.identity.pk],
        **{f"{INLINE}-{key}": value for key, value in (
            ("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"), ("MIN_NUM_FORMS", "0"),
            ("MAX_NUM_FORMS", "1000"))}})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert NamespaceUserObjectPermission.objects.filter(
        content_object=ns_a, user=caller.identity).exists()
    ns_a.refresh_from_db()
    assert ns_a.name == "Renamed"
    for path in ("authorisationtype", "authorisationsource", "namespace"):
        assert operator.get(f"/admin/authorisations/{path}/").status_code == 200
