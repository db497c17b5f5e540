"""A JSON body nested deeper than the parser's bound is a 400 in the surface's style, never a
RecursionError (500), and writes nothing; the one JSON parser serves every JSON surface."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from audit.models import AuditContext, ChangeRecord
from authorisations.models import Authorisation
from core.json_depth import MAX_DEPTH, deeper_than
from foundation.api.parsers import JSONParser
from tests.api.routes import API_ROUTES, assert_error_style
from tests.authorisations.conftest import ALL as ONEPORTAL_ALL
from tests.authorisations.conftest import body as authorisation_body

pytestmark = pytest.mark.django_db

JSON_SURFACE_POSTS = [
    "/v1.0/auditcontext/generate",
    "/v1.1/auditcontext/generate",
    "/v2.0/tenants/default/auditcontext/generate",
    "/api/rest/v1/authorisation",
    "/api/rest/v1/authorisation_type",
]


def nested(depth: int) -> str:
    return '{"a":' * (depth // 2) + "[" * (depth - depth // 2) + "1" + "]" * (
        depth - depth // 2) + "}" * (depth // 2)


def state() -> tuple[int, int, int]:
    return (ChangeRecord.objects.count(), AuditContext.objects.count(),
            Authorisation.objects.count())


@pytest.fixture
def api(make_caller, ns_a):
    from authorisations.services.catalog import api_client_namespaces_grant

    caller = make_caller(["audit.add_auditcontext", *ONEPORTAL_ALL],
                         tenants=["default"])
    api_client_namespaces_grant(identity=caller.identity, codes=["ns-a"])
    client = caller.basic()
    client.raise_request_exception = False
    return client


@pytest.fixture
def ns_a(db):
    from authorisations.models import AuthorisationType
    from authorisations.services.catalog import coded_item_create, namespace_create

    namespace = namespace_create(code="ns-a", name="Namespace A")
    coded_item_create(model=AuthorisationType, namespace=namespace, code="employment")
    return namespace


@pytest.mark.parametrize("depth", [1_000, 100_000])
@pytest.mark.parametrize("path", JSON_SURFACE_POSTS)
def test_a_deeply_nested_body_is_the_surface_400(api, path, depth):
    before = state()
    response = api.generic("POST", path, nested(depth), content_type="application/json")
    assert response.status_code == 400, (response.status_code, response.content[:300])
    assert_error_style(response, path)
    assert f"nested deeper than {MAX_DEPTH} levels" in response.content.decode()
    assert state() == before


def test_a_deep_body_inside_a_real_field_is_refused_too(api):
    deep = json.loads(nested(MAX_DEPTH))
    response = api.post("/api/rest/v1/authorisation", authorisation_body(subject=deep),
                        format="json")
    assert response.status_code == 400
    assert "nested deeper than" in response.json()["errorMessage"]
    assert not Authorisation.objects.exists()


def test_a_body_at_the_bound_reaches_validation(api):
    # {"PersonIds": [[…[1]…]]} nests exactly MAX_DEPTH levels: parsed, then refused by the
    # serializer (422 in the additiv style), not by the parser
    body = '{"PersonIds":' + "[" * (MAX_DEPTH - 1) + "1" + "]" * (MAX_DEPTH - 1) + "}"
    response = api.generic("POST", "/v1.1/auditcontext/generate", body,
                           content_type="application/json")
    assert response.status_code == 422, response.content
    assert "nested" not in response.json()["Message"]


def test_brackets_inside_strings_do_not_count(api):
    text = "[{" * 500 + '\\"' + "]}" * 10
    response = api.post("/api/rest/v1/authorisation",
                        authorisation_body(subject={"type": "string", "value": text[:250]},
                                           object={"type": "string", "value": "\\" + text[:200]}),
                        format="json")
    assert response.status_code == 201, response.content


def test_every_api_route_refuses_a_deep_body_without_a_500(make_caller):
    client = make_caller(all_perms=True).basic()
    client.raise_request_exception = False
    deep = nested(5_000)
    for path, _entry in API_ROUTES:
        for method in ("POST", "PUT", "PATCH"):
            response = client.generic(method, path, deep, content_type="application/json")
            assert response.status_code < 500, (method, path, response.content[:300])
            if response.status_code >= 400:
                assert_error_style(response, path)


def test_the_parser_is_every_surfaces_default(settings):
    from rest_framework.settings import api_settings

    parsers = api_settings.DEFAULT_PARSER_CLASSES
    assert parsers == [JSONParser]


def depth_of(value) -> int:
    if isinstance(value, dict):
        return 1 + max(map(depth_of, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(depth_of, value), default=0)
    return 0


TRICKY_TEXT = st.text(alphabet=st.sampled_from('ab"\\[]{}ä\n'), max_size=8)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | TRICKY_TEXT,
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(TRICKY_TEXT, children, max_size=3),
    max_leaves=40,
)


@given(value=JSON_VALUES, ascii_only=st.booleans())
def test_deeper_than_agrees_with_the_parsed_depth(value, ascii_only):
    text = json.dumps(value, ensure_ascii=ascii_only).encode()
    depth = depth_of(value)
    for limit in range(0, depth + 2):
        assert deeper_than(text, limit) == (depth > limit), (text, limit, depth)


@pytest.mark.parametrize("text, limit, deeper", [
    ("[" * 65, 64, True),  # malformed and deep: still refused before json recurses
    ("[" * 65 + "}" * 65, 64, True),
    ('["' + "[" * 100 + '"]', 1, False),
    ("[]" * 100_000, 1, False),
])
def test_deeper_than_on_malformed_and_wide_bodies(text, limit, deeper):
    assert deeper_than(text.encode(), limit) is deeper
