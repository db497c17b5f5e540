"""Every curl example of spec 001, sent as written, gets the documented answer and reads back.
The examples and their answers are data: tests/fixtures/spec/customerid_curl_examples.json."""

from xml.etree import ElementTree as ET

import pytest

from audit.models import ChangeRecord
from orgs.models import Assignment, Organization, OrgUser, Role
from tests.fixtures import spec_json
from tests.orgs.conftest import curl, entity, ids, short

pytestmark = pytest.mark.django_db

EXAMPLES = spec_json("customerid_curl_examples.json")
STEPS = {step["mod"]: step for step in EXAMPLES["steps"]}
HOST = EXAMPLES["host"]


def send(api, mod: str, user: str = ""):
    """Send the example as printed (the user placeholder replaced) and check the answer the
    fixture records: its status and the ids of its <idlist>, in order."""
    step = STEPS[mod]
    response = curl(api, step["curl"].replace(EXAMPLES["placeholder"], user))
    assert response.status_code == step["status"], (mod, response.content)
    assert ids(response) == [HOST + id_.format(user=user) for id_ in step["ids"]], mod
    return response


def test_the_fixture_has_the_eight_curl_examples_of_the_spec():
    assert sorted(STEPS) == sorted(
        ["MOD001b", "MOD002", "MOD003b", "MOD004b", "MOD005", "MOD006", "MOD007", "MOD008"])
    for step in EXAMPLES["steps"]:
        assert step["curl"].startswith("curl --insecure -X ")
        assert step["curl"].count("https://localhost:7443/eidm2/services/") == 1


def test_each_answer_is_shaped_as_the_spec_sample(api):
    """Our answer to each example is an <idlist> naming the same kinds of entity, in the same
    order of kinds, as the spec's own sample response document (which shows other ids)."""
    def kinds(urls):
        return [url.split("/eidm2/services/", 1)[1].split("/", 1)[0] for url in urls]

    for step in EXAMPLES["steps"]:
        root = ET.fromstring(step["spec_response"])
        assert root.tag == "idlist", step["mod"]
        sample = kinds([element.text for element in root.findall("Id")])
        ours = [id_.split("/", 1)[0] for id_ in step["ids"]]
        assert set(ours) <= set(sample), step["mod"]
        assert bool(ours) == bool(sample), step["mod"]


def test_every_curl_example_in_order_of_a_life_cycle(api):
    # MOD001b Create Organization
    send(api, "MOD001b")
    org = Organization.objects.get(path="6666666-6")
    assert (org.friendly_name, org.virtual, org.parent) == ("TestOrganization", False, None)

    # MOD003b Update Organization
    send(api, "MOD003b")
    _, kind, attrs = entity(api.get("/eidm2/services/org/6666666-6"))
    assert kind == "organization" and attrs["friendlyName"] == ["TestOrganizationRENAME"]

    # MOD007 Create Role
    send(api, "MOD007")
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
    send(api, "MOD004b", user_id)
    _, kind, attrs = entity(api.get(f"/eidm2/services/user/6666666-6/{user_id}"))
    assert kind == "user" and attrs["mobile"] == ["+358401234567891"]
    assert attrs["uid"] == ["jdoe"] and attrs["email"] == ["jdoe@example.com"]

    # MOD005 Assign Role
    response = send(api, "MOD005", user_id)
    assert response.content == b"<idlist />"
    assert short(ids(api.get("/eidm2/services/assignments/6666666-6/TestRole"))) == [
        f"user/6666666-6/{user_id}"]
    assert short(ids(api.get(f"/eidm2/services/user/6666666-6/{user_id}/roles"))) == [
        "role/6666666-6/TestRole"]

    # MOD006 Deassign Role
    send(api, "MOD006", user_id)
    assert not Assignment.objects.exists()

    # MOD008 Remove Role
    send(api, "MOD008")
    assert not Role.objects.exists()

    # MOD002 Remove Organization (recursive): answers everything it removed.
    send(api, "MOD002", user_id)
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
