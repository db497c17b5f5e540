"""The SCIM filter: every documented form, typed values, errors, and no input gives a 500."""

from datetime import UTC, datetime

import pytest
from django.db.models import Q
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from authorisations.models import Authorisation, AuthorisationSource, AuthorisationType
from authorisations.queries import AUTHORISATION_ATTRS, authorisations_visible
from authorisations.queries.scim import FilterError, parse
from authorisations.services.authorisations import authorisation_create, authorisation_revoke
from authorisations.validation import clean_authorisation
from tests.authorisations.conftest import BASE, assert_error, body

pytestmark = pytest.mark.django_db
URL = f"{BASE}/authorisation"


@pytest.fixture
def rows(ns_a):
    def make(subject, obj, type_code="employment", source=None, **extra):
        data = clean_authorisation(body(
            authType=type_code, authSource=source,
            subject={"type": "string", "value": subject},
            object={"type": "group" if obj.startswith("g") else "string", "value": obj},
            **extra))
        return authorisation_create(namespace=ns_a, data=data)

    made = {
        "a": make("alice", "acme", source="hr", validFrom="2020-01-01T00:00:00Z"),
        "b": make("bob", "acme", validFrom="2021-06-01T00:00:00Z",
                  validTo="2022-01-01T00:00:00Z"),
        "c": make("carol", "globex", "mandate", validFrom="2022-01-01T00:00:00Z"),
        "d": make("Alice", "gadgets", validFrom="2023-01-01T00:00:00Z"),
    }
    authorisation_revoke(authorisation=made["d"], details="x")
    return made


def names(text, made):
    got = set(Authorisation.objects.filter(parse(text, AUTHORISATION_ATTRS))
              .values_list("id", flat=True))
    return {k for k, v in made.items() if v.id in got}


@pytest.mark.parametrize("text, expected", [
    ('subject.value eq "alice"', {"a"}),
    ('SUBJECT.VALUE EQ "alice"', {"a"}),  # operators and attribute names in any case
    ('subject.value ne "alice"', {"b", "c", "d"}),
    ('subject.value co "li"', {"a", "d"}),
    ('subject.value sw "b"', {"b"}),
    ('object.value ew "ex"', {"c"}),
    ('object.type eq "GROUP"', {"c", "d"}),
    ('authSource pr', {"a"}),
    ('auhtSource eq "hr"', {"a"}),  # as the vendor's guide spells it
    ('authSource eq null', {"b", "c", "d"}),
    ('validTo pr', {"b"}),
    ('validTo eq null', {"a", "c", "d"}),
    ('validFrom gt "2021-06-01T00:00:00Z"', {"c", "d"}),
    ('validFrom ge "2021-06-01T02:00:00+02:00"', {"b", "c", "d"}),
    ('validFrom lt "2021-06-01T00:00:00Z"', {"a"}),
    ('validFrom le "2021-06-01"', {"a", "b"}),
    ('revoked eq true', {"d"}),
    ('revoked eq false and active eq true', {"a", "c"}),
    ('active eq false', {"b", "d"}),
    ('authType eq "mandate" or nsCode eq "ns-a" and subject.value eq "bob"', {"b", "c"}),
    ('(authType eq "mandate" or nsCode eq "ns-a") and subject.value eq "bob"', {"b"}),
    ('not (subject.value eq "alice") and not (revoked eq true)', {"b", "c"}),
    ('subject[value eq "alice" or value eq "bob"]', {"a", "b"}),
    ('subject.value gt "b" and subject.value lt "c"', {"b"}),
])
def test_filter_forms(rows, text, expected):
    assert names(text, rows) == expected


def test_filter_by_id(rows):
    assert names(f'id eq "{rows["c"].id}"', rows) == {"c"}
    assert names(f'id ne "{rows["c"].id}"', rows) == {"a", "b", "d"}


@pytest.mark.parametrize("text, fragment", [
    ('colour eq "red"', "Unknown filter attribute 'colour'"),
    ('subject.colour eq "red"', "Unknown filter attribute 'subject.colour'"),
    ('subject.value eq', "cannot be parsed"),
    ('subject.value eq "a" and', "cannot be parsed"),
    ('subject.value xx "a"', "cannot be parsed"),
    ('(subject.value eq "a"', "cannot be parsed"),
    ('subject.value eq "a" #', "cannot be parsed"),
    ('validFrom gt "last tuesday"', "ISO 8601"),
    ('validFrom co "2020"', "does not apply"),
    ('revoked eq "yes"', "true or false"),
    ('active gt true', "does not apply"),
    ('id eq "nope"', "UUID"),
    ('subject.value eq 5', "quoted string"),
    ('urn:x:y:subject.value eq "a"', ""),
    ('(' * 2000 + 'revoked eq true' + ')' * 2000, ""),
])
def test_bad_filters_raise_a_named_error(text, fragment):
    with pytest.raises(FilterError, match=fragment or None):
        parse(text, AUTHORISATION_ATTRS)


def test_bad_filter_over_http_is_400_naming_it(api_a):
    assert_error(api_a.get(URL, {"filter": 'colour eq "red"'}), 400, "filter", "colour")
    assert_error(api_a.get(URL, {"filter": "subject.value eq"}), 400, "filter")
    assert_error(api_a.get(URL, {"filter": 'validTo lt "soon"'}), 400, "validTo")
    assert_error(api_a.get(URL, {"sortBy": "colour"}), 400, "colour")
    assert_error(api_a.get(URL, {"sortOrder": "sideways"}), 400, "sortOrder")
    assert_error(api_a.get(URL, {"startIndex": "x"}), 400, "startIndex")
    assert_error(api_a.get(URL, {"count": "1.5"}), 400, "count")
    assert_error(api_a.get(URL, {"filter": 'subject.value eq "a\x00"'}), 400, "Null")


def test_list_filters_sorts_and_pages_over_http(api_a, rows):
    response = api_a.get(URL, {"filter": 'nsCode eq "ns-a" and revoked eq false',
                               "sortBy": "subject.value", "sortOrder": "descending",
                               "startIndex": 1, "count": 1})
    assert response.status_code == 200, response.content
    data = response.json()  # startIndex is 0-based, as the vendor counts: 1 is the second
    assert (data["totalResults"], data["startIndex"], data["itemsPerPage"]) == (3, 1, 1)
    assert [r["subject"]["value"] for r in data["resources"]] == ["bob"]
    first = api_a.get(URL, {"filter": 'nsCode eq "ns-a" and revoked eq false',
                            "sortBy": "subject.value", "sortOrder": "descending"}).json()
    assert first["startIndex"] == 0 and first["resources"][1]["subject"]["value"] == "bob"
    everything = api_a.get(URL, {"startIndex": -3, "count": -5}).json()
    assert (everything["totalResults"], everything["startIndex"],
            everything["itemsPerPage"]) == (4, 0, 0)
    past = api_a.get(URL, {"startIndex": 4}).json()
    assert (past["totalResults"], past["itemsPerPage"]) == (4, 0)


FILTER_WORDS = st.sampled_from([
    "id", "nsCode", "authType", "authSource", "subject.type", "subject.value", "object.type",
    "object.value", "validFrom", "validTo", "revoked", "active", "created", "modified",
    "subject", "colour", "eq", "ne", "co", "sw", "ew", "pr", "gt", "ge", "lt", "le", "and",
    "or", "not", "(", ")", "[", "]", "true", "false", "null", '"2024-01-01T00:00:00Z"',
    '"x"', '""', '"2024-99-99"', "5", "urn:a:b:", ".", '"', "\\", "\x00", " ",
])


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.text(max_size=60), st.lists(FILTER_WORDS, max_size=12).map(" ".join)))
def test_no_filter_string_gives_a_500(api_a, text):
    response = api_a.get(URL, {"filter": text, "sortBy": "validFrom"})
    assert response.status_code in (200, 400), (text, response.content)


@settings(max_examples=60, deadline=None)
@given(st.lists(FILTER_WORDS, max_size=10).map(" ".join))
def test_parse_raises_only_filter_errors(text):
    try:
        query = parse(text, AUTHORISATION_ATTRS, now=datetime.now(UTC))
    except FilterError:
        return
    assert isinstance(query, Q)


def test_type_and_source_filters(api_a, ns_a):
    response = api_a.get(f"{BASE}/authorisation_type", {"filter": 'code sw "emp"'})
    assert [r["code"] for r in response.json()["resources"]] == ["employment"]
    assert_error(api_a.get(f"{BASE}/authorisation_source", {"filter": 'subject eq "x"'}),
                 400, "subject")
    assert AuthorisationType.objects.count() == 2 and AuthorisationSource.objects.count() == 1


def test_visible_queryset_excludes_deleted(rows, make_ns_caller):
    caller = make_ns_caller()
    assert authorisations_visible(caller.identity).count() == 4
