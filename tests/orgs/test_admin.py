"""The admin lists the tree, masks hetu, and writes through the services (audited)."""

import pytest

from audit.models import ChangeRecord
from identities.services.people import person_create
from orgs.models import Organization, OrgUser

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client):
    person_create(username="op", password="pw-123456", superuser=True)
    client.login(username="op", password="pw-123456")
    return client


def test_pages_render_and_hetu_is_masked(operator, tree, api):
    api.put("/eidm2/services/user/acme/alice?hetu=131052-308T")
    for url in ("/admin/orgs/organization/", "/admin/orgs/orguser/", "/admin/orgs/role/",
                "/admin/orgs/assignment/", f"/admin/orgs/organization/{tree['acme'].pk}/change/",
                "/admin/orgs/organization/?q=sales", "/admin/orgs/organization/?virtual__exact=1",
                f"/admin/orgs/role/{tree['admin'].pk}/change/", "/admin/orgs/orguser/add/"):
        response = operator.get(url)
        assert response.status_code == 200, url
    for url in ("/admin/orgs/orguser/", f"/admin/orgs/orguser/{tree['alice'].pk}/change/"):
        page = operator.get(url).content.decode()
        assert "131052-****" in page and "308T" not in page


def test_admin_create_goes_through_the_service(operator, tree):
    response = operator.post("/admin/orgs/organization/add/", {
        "parent": tree["acme"].pk, "name": "hr", "friendly_name": "HR",
        "org_type": "company", "attributes": "{}",
        "roles-TOTAL_FORMS": 0, "roles-INITIAL_FORMS": 0,
        "users-TOTAL_FORMS": 0, "users-INITIAL_FORMS": 0,
    })
    assert response.status_code == 302, response.content[:3000]
    org = Organization.objects.get(path="acme/hr")
    assert org.roles.count() == 2  # the type's roles, made by the service
    assert ChangeRecord.objects.filter(object_type="orgs.organization", object_id=str(org.pk),
                                       actor_repr="op").exists()


def test_admin_refusal_is_a_message_not_a_500(operator, tree):
    response = operator.post("/admin/orgs/orguser/add/", {
        "organization": tree["virt"].pk, "name": "v", "status": "enabled", "attributes": "{}",
        "assignments-TOTAL_FORMS": 0, "assignments-INITIAL_FORMS": 0,
    }, follow=True)
    assert response.status_code == 200
    assert b"virtual" in response.content
    assert not OrgUser.objects.filter(name="v").exists()


def test_history_page_lists_the_change_records_without_secrets(operator, tree, api):
    api.put("/eidm2/services/user/acme/alice?hetu=131052-308T&mobile=0401234567")
    page = operator.get(f"/admin/orgs/orguser/{tree['alice'].pk}/history/")
    assert page.status_code == 200
    content = page.content.decode()
    assert "0401234567" in content and "308T" not in content
    org_page = operator.get(f"/admin/orgs/organization/{tree['acme'].pk}/history/")
    assert org_page.status_code == 200 and "Create" in org_page.content.decode()
