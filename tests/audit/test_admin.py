"""The operator console: the audit trail is read-only; admin writes go through services."""

import pytest
from django.urls import reverse

from audit.models import AuditContext, ChangeRecord
from audit.services import audit_context_create, record
from identities.models import Tenant
from identities.services.people import person_create
from identities.services.tenants import tenant_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client):
    admin = person_create(username="root", password="pw-Operat0r!", superuser=True)
    client.force_login(admin)
    return client


def test_change_log_is_listed_filtered_and_searchable(operator):
    change = record(action="create", object_type="x.thing", object_id="abc-123", after={"a": 1})
    url = reverse("admin:audit_changerecord_changelist")
    assert operator.get(url).status_code == 200
    found = operator.get(url, {"q": "abc-123"})
    assert b"abc-123" in found.content
    assert operator.get(url, {"object_type": "x.thing"}).status_code == 200
    detail = operator.get(reverse("admin:audit_changerecord_change", args=[change.pk]))
    assert detail.status_code == 200 and b"&quot;a&quot;: 1" in detail.content


def test_change_log_cannot_be_added_changed_or_deleted_in_the_admin(operator):
    change = record(action="create", object_type="x.thing", object_id="1")
    assert operator.get(reverse("admin:audit_changerecord_add")).status_code == 403
    operator.post(reverse("admin:audit_changerecord_change", args=[change.pk]),
                  {"action": "delete", "object_id": "2"})
    assert operator.post(reverse("admin:audit_changerecord_delete", args=[change.pk]),
                         {"post": "yes"}).status_code == 403
    operator.post(reverse("admin:audit_changerecord_changelist"),
                  {"action": "delete_selected", "_selected_action": [change.pk], "post": "yes"})
    change.refresh_from_db()
    assert (change.action, change.object_id) == ("create", "1")


def test_audit_contexts_are_read_only_in_the_admin(operator):
    context = audit_context_create(created_by="bo")
    assert operator.get(reverse("admin:audit_auditcontext_changelist")).status_code == 200
    assert operator.post(reverse("admin:audit_auditcontext_delete", args=[context.pk]),
                         {"post": "yes"}).status_code == 403
    assert AuditContext.objects.filter(pk=context.pk).exists()


def test_tenant_admin_writes_through_the_service_and_is_audited(operator):
    response = operator.post(reverse("admin:identities_tenant_add"),
                             {"key": "northwind", "name": "Northwind"})
    assert response.status_code == 302, response.content
    tenant = Tenant.objects.get(key="northwind")
    change = ChangeRecord.objects.get(object_type="identities.tenant", object_id=str(tenant.pk))
    assert change.actor_repr == "root" and change.after["name"] == "Northwind"
    assert change.context.created_by == "tessera:admin"

    operator.post(reverse("admin:identities_tenant_change", args=[tenant.pk]),
                  {"name": "Northwind Ltd"})
    update = ChangeRecord.objects.get(object_id=str(tenant.pk), action="update")
    assert update.before["name"] == "Northwind" and update.after["name"] == "Northwind Ltd"


def test_object_history_page_lists_its_change_records(operator):
    tenant = Tenant.objects.get(key="default")
    tenant_update(tenant=tenant, name="Renamed tenant")
    response = operator.get(reverse("admin:identities_tenant_history", args=[tenant.pk]))
    assert response.status_code == 200
    assert b"Renamed tenant" in response.content and b"Update" in response.content
    other = operator.get(reverse("admin:identities_tenant_history", args=[999]))
    assert other.status_code == 302  # unknown object: back to the list, as Django does
