"""The audit-context calls hold to their schema (issue 10, defect 11)."""

import pytest

from audit.models import AuditContext
from tests.identities.test_audit_context_api import PERM, V11, assert_additiv_error, v20

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", [
    "{12345678-1234-5678-1234-567812345678}",
    "urn:uuid:12345678-1234-5678-1234-567812345678",
    "12345678123456781234567812345678",
])
def test_internal_ids_are_uuids_in_their_written_form(make_caller, value):
    """The schema says format uuid; DRF also took braces, URNs and bare hex."""
    api = make_caller([PERM]).basic()
    before = AuditContext.objects.count()
    response = api.post(v20("default"), {"InternalIds": [value]}, format="json")
    assert "InternalIds" in assert_additiv_error(response, 422, "UnprocessableEntity")["Message"]
    assert AuditContext.objects.count() == before


def test_text_is_taken_as_sent(make_caller):
    """Createdby was trimmed before its length was checked: 201 characters passed as 1."""
    api = make_caller([PERM]).basic()
    before = AuditContext.objects.count()
    response = api.post(V11, {"Createdby": "x" + " " * 200}, format="json")
    assert "Createdby" in assert_additiv_error(response, 422, "UnprocessableEntity")["Message"]
    assert AuditContext.objects.count() == before
    response = api.post(V11, {"Createdby": " app "}, format="json")
    assert response.status_code == 200, response.content
    assert AuditContext.objects.get(pk=response.json()["AuditContextId"]).created_by == " app "
