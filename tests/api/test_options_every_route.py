"""An authenticated OPTIONS on every routed API path answers without a 500.

The routes are walked from the URL resolver, so a route added later is covered without
editing this test: each pattern gets a concrete example path (regexes through Python's own
regex parser), which must resolve back to the same pattern.
"""

from __future__ import annotations

import json
import re
import uuid
from re import _constants as sre
from re import _parser as sre_parse
from xml.etree import ElementTree as ET

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RegexPattern, RoutePattern

from config.api.errors import API_PREFIXES, style_for_path

pytestmark = pytest.mark.django_db

CONVERTER_EXAMPLES = {"str": "x", "slug": "x", "path": "x", "int": "1",
                      "uuid": str(uuid.UUID(int=1))}


def regex_example(regex: str) -> str:
    """The shortest plausible string the regex matches (a non-empty one for `+` and `*?`)."""
    return _walk(sre_parse.parse(regex))


def _walk(parsed) -> str:
    out = []
    for op, arg in parsed:
        if op is sre.LITERAL:
            out.append(chr(arg))
        elif op is sre.AT:
            continue
        elif op is sre.SUBPATTERN:
            out.append(_walk(arg[-1]))
        elif op is sre.BRANCH:
            out.append(_walk(arg[1][0]))
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
            low, _high, item = arg
            # `/?` is left out; a named value (`[^/.]+`, `.*`) is one character
            out.append(_walk(item) * max(low, 0 if _is_slash(item) else 1))
        elif op is sre.IN:
            out.append(_char_in(arg))
        elif op is sre.ANY:
            out.append("x")
        elif op is sre.NOT_LITERAL:
            out.append("y" if chr(arg) == "x" else "x")
        else:
            raise AssertionError(f"no example for regex element {op} {arg!r}: extend the test")
    return "".join(out)


def _is_slash(item) -> bool:
    return list(item) == [(sre.LITERAL, ord("/"))]


def _char_in(items) -> str:
    if items and items[0][0] is sre.NEGATE:
        excluded = {chr(arg) for op, arg in items[1:] if op is sre.LITERAL}
        return next(c for c in "xyz" if c not in excluded)
    op, arg = items[0]
    if op is sre.LITERAL:
        return chr(arg)
    if op is sre.RANGE:
        return chr(arg[0])
    raise AssertionError(f"no example for character class {items!r}: extend the test")


def route_example(route: str) -> str:
    return re.sub(r"<(?:(\w+):)?\w+>", lambda m: CONVERTER_EXAMPLES[m.group(1) or "str"], route)


def part_example(pattern) -> str:
    if isinstance(pattern, RoutePattern):
        return route_example(str(pattern))
    assert isinstance(pattern, RegexPattern), pattern
    return regex_example(str(pattern))


def routed_paths(resolver: URLResolver | None = None, prefix: str = "/"):
    """(example path, pattern) of every routed pattern, in resolver order."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        path = prefix + part_example(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from routed_paths(entry, path)
        else:
            assert isinstance(entry, URLPattern)
            yield path, entry


API_ROUTES = [(path, entry) for path, entry in routed_paths() if style_for_path(path)]


def test_the_walk_finds_every_surface():
    paths = [path for path, _ in API_ROUTES]
    for prefix in ("/v1.0/", "/v1.1/", "/v2.0/", "/api/rest/v1/", "/eidm2/services/",
                   "/oauth/", "/apidoc/schema/", "/healthz"):
        assert any(path.startswith(prefix) for path in paths), prefix
    assert len(paths) >= 25


@pytest.mark.parametrize("path, entry", API_ROUTES, ids=[path for path, _ in API_ROUTES])
def test_options_on_every_api_route_is_not_a_500(make_caller, path, entry):
    assert resolve(path).func is entry.callback, f"{path} does not resolve to {entry.pattern}"
    api = make_caller(all_perms=True).basic()
    api.raise_request_exception = False
    response = api.options(path)
    assert response.status_code < 500, (path, response.status_code, response.content[:300])
    style = style_for_path(path)
    if response.status_code >= 400:
        assert_error_style(response, style)
    else:
        assert response.status_code == 200 and response["Allow"], path
        assert "OPTIONS" in response["Allow"], response["Allow"]
        if style == "customerid":
            assert response.content == b""


UNROUTED = [prefix.rstrip("/") + "/nothing/here" for prefix, _ in API_PREFIXES]


@pytest.mark.parametrize("path", UNROUTED)
def test_options_on_an_unrouted_api_path_is_the_surface_404(make_caller, path):
    response = make_caller(all_perms=True).basic().options(path)
    assert response.status_code == 404, (path, response.content[:300])
    assert_error_style(response, style_for_path(path))


def assert_error_style(response, style: str) -> None:
    if style == "customerid":
        root = ET.fromstring(response.content)
        assert root.tag == "error" and root.findtext("code"), response.content
        return
    body = json.loads(response.content)
    keys = {"additiv": {"Code", "Message", "CorrelationId"},
            "oneportal": {"errorMessage", "statusCode", "correlationId"},
            "problem": {"type", "title", "status", "detail"}}[style]
    assert keys <= set(body), body


def test_customerid_options_answers_its_methods_and_no_body(make_caller):
    from tests.orgs.conftest import ALL

    api = make_caller(ALL).basic()
    response = api.options("/eidm2/services/org/acme")
    assert response.status_code == 200, response.content
    assert set(response["Allow"].split(", ")) == {"GET", "HEAD", "PUT", "DELETE", "OPTIONS"}
    assert response.content == b""
    assert response["X-Correlation-ID"]


def test_customerid_options_without_credentials_is_the_xml_401(client):
    response = client.options("/eidm2/services/orgs/")
    assert response.status_code == 401
    assert ET.fromstring(response.content).findtext("code") == "2"
