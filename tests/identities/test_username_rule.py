"""One user name rule (core.patterns.USERNAME, identities.services.people.username_check),
the same at every entry point that names an identity: the DFS create call, the identities
import and the external links of the Ainua Users API (a new person named by its email)."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from identities.models import Identity
from identities.services.external import ExternalUser, external_identities_apply
from tests.identities.dfs import ALL, CREATE_SAMPLE, assert_additiv_error, sample

pytestmark = pytest.mark.django_db

# (user name, accepted): lower-case, so that an email (lower-cased into the user name by the
# external links) names the same user name
TABLE = [
    ("jconnor", True),
    ("j", True),
    ("john.connor@example.com", True),
    ("a+b_c-d.e@f", True),
    ("0123456789", True),
    ("x" * 150, True),
    ("x" * 151, False),
    ("has space", False),
    ("tab\tinside", False),
    ("jürgen@example.fi", False),  # the external links took Unicode letters before
    ("ñandú", False),
    ("a/b", False),
    ("a!b@example.com", False),
    ("o'brien@example.com", False),
    ("a\x00b", False),
]


def through_api(make_caller, username: str) -> bool:
    api = make_caller(ALL).basic()
    body = sample(CREATE_SAMPLE, AuditContextId=None, ExternalId=None, Username=username)
    response = api.post("/v1.0/identities", body, format="json")
    if response.status_code == 200:
        return Identity.objects.get(pk=response.json()["IdentityId"]).username == username
    assert_additiv_error(response, 422, "Username")
    return False


def through_import(tmp_path, username: str) -> bool:
    path = tmp_path / "people.ndjson"
    path.write_text(json.dumps({"UserName": username, "FirstName": "Test"}) + "\n")
    try:
        call_command("import_identities", str(path), stdout=io.StringIO(),
                     stderr=io.StringIO())
    except CommandError as error:
        assert "line 1: UserName" in str(error), error
        return False
    return Identity.objects.filter(username=username).exists()


def through_external_link(make_caller, username: str) -> bool:
    """A new person made for an external user is named by its email when that is a valid
    user name, else `ainua-<random>`."""
    connector = make_caller(name="connector").credentials.application
    moved = external_identities_apply(connector_id=connector.pk, entries={
        "ext-1": ExternalUser(email=username, name="Test Person")})
    made = Identity.objects.get(pk=moved["ext-1"].after)
    if made.username == username:
        return True
    assert made.username.startswith("ainua-")
    return False


@pytest.mark.parametrize("username, accepted", TABLE,
                         ids=[repr(name)[:30] for name, _ in TABLE])
@pytest.mark.parametrize("entry", ["api", "import", "external link"])
def test_every_entry_point_holds_the_one_user_name_rule(make_caller, tmp_path, entry,
                                                         username, accepted):
    if entry == "api":
        assert through_api(make_caller, username) is accepted
    elif entry == "import":
        assert through_import(tmp_path, username) is accepted
    elif "\x00" in username:
        pytest.skip("an external user's email holds no NUL (the Users API refuses it first)")
    else:
        assert through_external_link(make_caller, username) is accepted
