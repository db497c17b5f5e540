"""The schemathesis hooks drop only the refusals they name, and draw valid values."""

import json
from types import SimpleNamespace

import pytest
from hypothesis import given, settings

from authorisations.queries import AUTHORISATION_ATTRS
from authorisations.queries.grant_rights import GRANT_RIGHT_ATTRS
from authorisations.queries.scim import filter_kinds, parse
from orgs.hetu import hetu_clean
from tests.api import schemathesis_hooks as hooks


def failure(code="ST202"):
    return SimpleNamespace(code=code)


def case(path, method="POST"):
    return SimpleNamespace(operation=SimpleNamespace(path=path), method=method,
                           formatted_path=path)


def response(text):
    return SimpleNamespace(text=text)


@pytest.mark.parametrize("path, body, kept", [
    ("/eidm2/services/assignments/{path}/", "<error><code>10</code>…</error>", False),
    ("/eidm2/services/assignments/{path}/", "<error><code>1</code>…</error>", True),
    ("/eidm2/services/orgs/", "<error><code>10</code>…</error>", True),  # not a reference op
    ("/api/rest/v1/authorisation/", '{"errorMessage": "validTo: validTo must be later '
                                    'than validFrom."}', False),
    ("/api/rest/v1/authorisation/", '{"errorMessage": "authType: This field may not be '
                                    'blank."}', True),
    ("/api/rest/v1/namespace/", '{"errorMessage": "validTo must be later than '
                                'validFrom"}', True),
])
def test_only_the_named_refusals_are_dropped(path, body, kept):
    assert hooks.filter_failure(None, failure(), case(path), response(body)) is kept


PICTURE = "/v1.0/identities/{identityId}/profilepicture"


@pytest.mark.parametrize("path, message, kept", [
    # what the schema states (issue 22, item 8) is no longer dropped
    (PICTURE, "ImageContentBase64: Not base64.", True),
    (PICTURE, "ImageContentBase64: A picture is required (DELETE removes one).", True),
    (PICTURE, "ImageContentBase64: This field may not be null.", True),
    (PICTURE, "ImageContentBase64: Not a JPEG, PNG, GIF or WebP image.", False),
    (PICTURE, "ImageContentBase64: The picture is larger than 1048576 bytes.", False),
    (PICTURE, "ImageContentBase64: The picture has more than 16777216 pixels.", False),
    ("/v1.0/identities", "Password: This password is too short. It must contain at least 8 "
                         "characters.", True),
    ("/v1.0/identities", "Password: This field may not be blank (nor hold a NUL character).",
     True),
    ("/v1.0/identities", "Password: This password is too common.", False),
    ("/v1.0/identities", "Password: The password is too similar to the username.", False),
    ("/v1.0/identities", "Password: This password is entirely numeric.", False),
    ("/v1.0/identities/{identityId}", "Password: This password is too short. It must "
                                      "contain at least 8 characters.", False),  # flags
    ("/v2.0/roles/{roleId}/hierarchy/rank/{operation}", "operation: 'Unknown': must be Up or "
                                                        "Down.", False),
    ("/v2.0/roles/{roleId}/hierarchy/rank/{operation}", "operation: 'Sideways': must be Up "
                                                        "or Down.", True),
])
def test_additiv_refusals_the_schema_states_are_kept(path, message, kept):
    body = json.dumps({"Code": "BadRequest", "Message": message, "CorrelationId": "c"})
    assert hooks.filter_failure(None, failure(), case(path), response(body)) is kept


def test_other_failures_are_kept_whatever_the_body():
    body = "<error><code>10</code></error>"
    assert hooks.filter_failure(None, failure("ST201"), case("/eidm2/services/role/{path}/"),
                                response(body)) is True
    assert hooks.filter_failure(None, failure("ST101"), case("/eidm2/services/role/{path}/",
                                                             "GET"), response(body)) is True


@settings(max_examples=50, database=None)
@given(hooks.hetus())
def test_drawn_hetus_are_valid(code):
    assert hetu_clean(code) == code.upper()


@settings(max_examples=50, database=None, deadline=None)
@given(hooks.scim_filters(filter_kinds(AUTHORISATION_ATTRS)))
def test_drawn_filters_parse(text):
    parse(text, AUTHORISATION_ATTRS)


@settings(max_examples=50, database=None, deadline=None)
@given(hooks.scim_filters(filter_kinds(GRANT_RIGHT_ATTRS)))
def test_drawn_grant_right_filters_parse(text):
    parse(text, GRANT_RIGHT_ATTRS)


def test_grant_right_types_publish_as_a_member_compared_with_strings():
    kinds = filter_kinds(GRANT_RIGHT_ATTRS)
    assert (kinds["authorisationTypes"], kinds["active"]) == ("member", "computed")
    parse('authorisationTypes eq "employment" and active eq true', GRANT_RIGHT_ATTRS)
