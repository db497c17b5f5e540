"""CustomerID: what the schema states, the server holds to (issue 10, defect 11: mismatches a
schemathesis run found). Each refusal is code 1 (or 10 for a reference), HTTP 400, nothing
written."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from tests.orgs.conftest import BASE, error, ids, short, state

pytestmark = pytest.mark.django_db
S = BASE


@pytest.mark.parametrize("name", [
    "x\n",  # `$` let a trailing newline through
    "Дом",  # Cyrillic: Python's \w and the schema engines' disagreed on letters outside Latin
    "a b", ".", "..", "x" * 65,
])
def test_names_are_the_published_pattern(api, tree, name):
    before = state()
    response = api.post(S + "orgs/?organizationId=" + quote(name) + "&friendlyName=F")
    assert "Invalid organizationId" in error(response, 400, 1)
    assert state() == before


def test_latin_letters_are_names(api, tree):
    assert short(ids(api.post(S + "orgs/?organizationId=Åbo-Öy_é&friendlyName=F"))) == [
        "org/Åbo-Öy_é"]


@pytest.mark.parametrize("value", ["\u0661\u0662", "1e3", " 5", "+5"])
def test_max_results_is_decimal_digits(api, tree, value):
    """Unicode digits passed str.isdigit() and were taken as a number."""
    assert "maxResults" in error(api.get(S + "orgs/?maxResults=" + quote(value)), 400, 1)


def test_max_results_bounds_a_list_rather_than_cutting_it(api, tree):
    """`maxResults=1` is legal: a list of one answers it; a longer one is refused with code
    12, the vendor's size limit (spec README, notes-wave2), as the schema's description says,
    rather than cut short. (A refusal that depends on the data: the schemathesis hooks know
    it, docs/foundation.md.)"""
    assert short(ids(api.get(S + "orgs/acme/?maxResults=1"))) == ["org/acme/sales"]
    assert "More than 1 results" in error(api.get(S + "orgs/?maxResults=1"), 400, 12)


LISTS = ["orgs/", "orgs/acme/", "roles/acme/", "users/acme/", "user/acme/sales/bob/roles",
         "assignments/acme/Admin"]


@pytest.mark.parametrize("path", LISTS)
def test_every_list_refuses_a_recursive_that_is_no_boolean(api, tree, path):
    """`assignments/…?recursive=banana` answered 200 (issue 22, item 14)."""
    assert "recursive" in error(api.get(S + path + "?recursive=banana"), 400, 1)
    for value in ("true", "false", "0", "1"):
        assert api.get(S + path + "?recursive=" + value).status_code == 200


def test_holders_are_listed_through_member_roles_with_or_without_recursive(api, tree):
    """`recursive` is accepted on the holders list and changes nothing: docs/orgs.md."""
    api.put(S + "role/acme/Boss?memberOf=acme/Admin")
    api.post(S + "assignments/acme/Boss?user=acme/alice")
    for query in ("", "?recursive=true", "?recursive=false"):
        assert short(ids(api.get(S + "assignments/acme/Admin" + query))) == [
            "user/acme/alice", "user/acme/sales/bob"]


@pytest.mark.parametrize("param, value", [
    ("mobile", "++358401234567"),
    ("mobile", "+358\u0664\u0660"),  # Arabic-Indic digits passed str.isdigit()
    ("mobile", "12"),
    ("locale", "f\u00ee_FI"),  # letters beyond ASCII passed str.isalnum()
    ("locale", "fi_"),
    ("uid", "a\u2003b"),
])
def test_user_fields_are_the_published_patterns(api, tree, param, value):
    before = state()
    error(api.put(S + f"user/acme/alice?{param}={quote(value)}"), 400, 1)
    assert state() == before


@pytest.mark.parametrize("param, value", [
    ("mobile", "+358 40-123 4567"), ("locale", "sv-SE"), ("uid", "alice.a@x"),
    ("mobile", ""), ("locale", ""),
])
def test_valid_user_fields_are_taken(api, tree, param, value):
    assert api.put(S + f"user/acme/alice?{param}={quote(value)}").status_code == 200


@pytest.mark.parametrize("ref, code", [
    ("junk/eidm2/services/user/acme/alice", 10),  # what preceded the marker was dropped
    ("/acme/alice/", 1),  # slashes around the path were stripped
    ("ftp://host/eidm2/services/user/acme/alice", 1),
])
def test_a_reference_is_a_path_or_tesseras_own_url(api, tree, ref, code):
    before = state()
    error(api.post(S + "assignments/acme/Admin?user=" + quote(ref, safe="")), 400, code)
    assert state() == before


@pytest.mark.parametrize("ref", ["acme/alice", "https://h:8443/eidm2/services/user/acme/alice"])
def test_a_reference_as_a_path_or_a_url(api, tree, ref):
    assert api.post(S + "assignments/acme/Admin?user=" + quote(ref, safe="")).status_code == 200


def test_hetu_in_either_case(api, tree):
    assert api.put(S + "user/acme/alice?hetu=131052-028S").status_code == 200
    assert api.put(S + "user/acme/alice?hetu=131052-308t").status_code == 200
    assert "hetu" in error(api.put(S + "user/acme/alice?hetu=" + quote("131052-028\u017f")),
                           400, 1)  # U+017F upper-cases to "S", a check character


def test_the_published_patterns_are_the_servers():
    """The schema's path patterns, read by Python as schemathesis reads them, say what the
    services say (the services check the same constants)."""
    from orgs.paths import NAME, ORG_PATH, PARENT_PATH, ROLE_PATH, USER_PATH
    from orgs.services import users

    assert re.fullmatch(NAME, "Åbo-1.x@y+z_") and not re.fullmatch(NAME, "a/b")
    assert re.fullmatch(ORG_PATH, "/".join(["o"] * 15))
    assert not re.fullmatch(ORG_PATH, "/".join(["o"] * 16))
    assert re.fullmatch(PARENT_PATH, "/".join(["o"] * 14))
    assert not re.fullmatch(PARENT_PATH, "/".join(["o"] * 15))
    assert re.fullmatch(ROLE_PATH, "acme/roles") and not re.fullmatch(ROLE_PATH, "acme")
    assert not re.fullmatch(USER_PATH, "acme/roles")  # user/acme/roles lists a user's roles
    assert re.fullmatch(USER_PATH, "acme/roles/bob")
    assert re.fullmatch(users.MOBILE, "+358 40-123") and not re.fullmatch(users.MOBILE, "+1")
