"""Every curl example of spec 001, sent as written, gets the documented answer and reads back."""

import pytest

from audit.models import ChangeRecord
from orgs.models import Assignment, Organization, OrgUser, Role
from tests.orgs.conftest import curl, entity, ids, short, spec_curls

pytestmark = pytest.mark.django_db

HOST = "https://localhost:7443/eidm2/services/"
PLACEHOLDER = "XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX"


def test_the_spec_has_the_eight_curl_examples():
    assert sorted(spec_curls()) == sorted(
        ["MOD001b", "MOD002", "MOD003b", "MOD004b", "MOD005", "MOD006", "MOD007", "MOD008"])


def test_every_curl_example_in_order_of_a_life_cycle(api):
    examples = spec_curls()

    # MOD001b Create Organization
    response = curl(api, examples["MOD001b"])
    assert response.status_code == 200, response.content
    assert ids(response) == [f"{HOST}org/6666666-6"]
    org = Organization.objects.get(path="6666666-6")
    assert (org.friendly_name, org.virtual, org.parent) == ("TestOrganization", False, None)

    # MOD003b Update Organization
    response = curl(api, examples["MOD003b"])
    assert ids(response) == [f"{HOST}org/6666666-6"]
    _, kind, attrs = entity(api.get("/eidm2/services/org/6666666-6"))
    assert kind == "organization" and attrs["friendlyName"] == ["TestOrganizationRENAME"]

    # MOD007 Create Role
    response = curl(api, examples["MOD007"])
    assert ids(response) == [f"{HOST}role/6666666-6/TestRole"]
    assert Role.objects.filter(organization=org, name="TestRole").exists()

    # MOD009 Create User (no curl in the excerpt): the random UUID the other examples use.
    response = api.post("/eidm2/services/users/6666666-6/?uid=jdoe&email=jdoe@example.com",
                        secure=True, HTTP_HOST="localhost:7443")
    (user_url,) = ids(response)
    user_id = user_url.rsplit("/", 1)[1]
    assert user_url == f"{HOST}user/6666666-6/{user_id}"
    user = OrgUser.objects.get(name=user_id)
    assert str(user.identity_id) == user_id and user.identity.username == "jdoe"

    # MOD004b Update User: the mobile number arrives URL-encoded (%2B)
    response = curl(api, examples["MOD004b"], **{PLACEHOLDER: user_id})
    assert ids(response) == [f"{HOST}user/6666666-6/{user_id}"]
    _, kind, attrs = entity(api.get(f"/eidm2/services/user/6666666-6/{user_id}"))
    assert kind == "user" and attrs["mobile"] == ["+358401234567891"]
    assert attrs["uid"] == ["jdoe"] and attrs["email"] == ["jdoe@example.com"]

    # MOD005 Assign Role
    response = curl(api, examples["MOD005"], **{PLACEHOLDER: user_id})
    assert response.status_code == 200 and response.content == b"<idlist />"
    assert ids(response) == []
    assert short(ids(api.get("/eidm2/services/assignments/6666666-6/TestRole"))) == [
        f"user/6666666-6/{user_id}"]
    assert short(ids(api.get(f"/eidm2/services/user/6666666-6/{user_id}/roles"))) == [
        "role/6666666-6/TestRole"]

    # MOD006 Deassign Role
    response = curl(api, examples["MOD006"], **{PLACEHOLDER: user_id})
    assert response.status_code == 200 and ids(response) == []
    assert not Assignment.objects.exists()

    # MOD008 Remove Role
    response = curl(api, examples["MOD008"])
    assert ids(response) == [f"{HOST}role/6666666-6/TestRole"]
    assert not Role.objects.exists()

    # MOD002 Remove Organization (recursive): answers everything it removed.
    response = curl(api, examples["MOD002"])
    assert short(ids(response)) == ["org/6666666-6", f"user/6666666-6/{user_id}"]
    assert not Organization.objects.exists() and not OrgUser.objects.exists()
    assert api.get("/eidm2/services/org/6666666-6").status_code == 404
    tombstone = ChangeRecord.objects.get(object_type="orgs.organization", action="delete")
    assert tombstone.before["friendly_name"] == "TestOrganizationRENAME"
    assert tombstone.actor_repr == "restuser"


def test_answers_use_the_requests_own_scheme_and_host(api):
    response = api.post("/eidm2/services/orgs/?organizationId=a&friendlyName=A",
                        HTTP_HOST="localhost")
    assert ids(response) == ["http://localhost/eidm2/services/org/a"]
    assert response["Content-Type"] == "application/xml"
