"""The admin grants through foundation.reach: the same grants and change records as the
commands, on the pages of namespaces, organizations and tenants."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audit.models import ChangeRecord
from authorisations.models import NAMESPACES, DefaultNamespace
from authorisations.services.catalog import namespace_create, namespace_grant
from foundation import reach
from identities.models import TENANTS, Identity
from identities.services.people import person_create
from identities.services.tenants import tenant_create
from orgs import services as orgs
from orgs.models import SUBTREES

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client):
    client.force_login(person_create(username="root", superuser=True))
    return client


def form_of(obj) -> dict:
    """The change form's fields as the admin would post them back."""
    if obj._meta.model_name == "namespace":
        inline = "namespaceuserobjectpermission_set"
        return {"code": obj.code, "name": obj.name, "default_validity": "",
                f"{inline}-TOTAL_FORMS": 0, f"{inline}-INITIAL_FORMS": 0}
    if obj._meta.model_name == "tenant":
        return {"key": obj.key, "name": obj.name}
    return {"friendly_name": obj.friendly_name, "org_type": obj.org_type, "attributes": "{}",
            "roles-TOTAL_FORMS": 0, "roles-INITIAL_FORMS": 0, "users-TOTAL_FORMS": 0,
            "users-INITIAL_FORMS": 0, "children-TOTAL_FORMS": 0, "children-INITIAL_FORMS": 0}


@pytest.fixture(params=["namespace", "subtree", "tenant"])
def granted(request, db):
    if request.param == "namespace":
        return NAMESPACES, namespace_create(code="ns-x")
    if request.param == "subtree":
        return SUBTREES, orgs.organization_create(parent=None, organization_id="acme",
                                                  friendly_name="Acme")
    return TENANTS, tenant_create(key="t9", name="Tenant nine")


def test_the_admin_grants_and_withdraws_through_reach(operator, make_caller, granted):
    realm, obj = granted
    client = make_caller(name="erp").identity
    url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    page = operator.get(url).content.decode()
    assert 'name="clients"' in page
    response = operator.post(url, {**form_of(obj), "clients": [client.pk]})
    assert response.status_code == 302, response.content.decode()[:2000]
    fresh = Identity.objects.get(pk=client.pk)
    assert reach.reaches(fresh, realm, obj)
    grant = ChangeRecord.objects.filter(action="create", after__realm=realm.name,
                                        after__object=realm.key_of(obj)).get()
    assert grant.actor_repr == "root" and grant.after["user"] == "erp"
    assert f'value="{client.pk}" selected' in operator.get(url).content.decode()
    response = operator.post(url, form_of(obj))
    assert response.status_code == 302
    assert not reach.reaches(Identity.objects.get(pk=client.pk), realm, obj)
    assert ChangeRecord.objects.filter(action="delete", before__realm=realm.name).count() == 1


def test_withdrawing_a_namespace_in_the_admin_drops_it_as_the_default(operator, make_caller):
    namespace = namespace_create(code="ns-x")
    client = make_caller(name="erp").identity
    namespace_grant(identity=client, namespace=namespace, default=True)
    url = reverse("admin:authorisations_namespace_change", args=[namespace.pk])
    assert operator.post(url, form_of(namespace)).status_code == 302
    assert not DefaultNamespace.objects.filter(identity=client).exists()
