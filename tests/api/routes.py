"""Every routed path of the project, walked from the URL resolver: each pattern gets a concrete
example path (regexes through Python's own regex parser), so a route added later is covered by
the tests that use this without editing them."""

from __future__ import annotations

import json
import re
import uuid
from re import _constants as sre
from re import _parser as sre_parse
from xml.etree import ElementTree as ET

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

from foundation.api.errors import style_for_path

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


API_ROUTES = [  # (example path, pattern) of every API route
    (path, entry) for path, entry in routed_paths() if style_for_path(path)]


OAUTH_ENDPOINTS = ("/oauth/token/", "/oauth/revoke_token/", "/connect/token")


def assert_error_style(response, path: str) -> None:
    """The response body is an error in the style of the path's surface (the OAuth2 endpoints
    answer RFC 6749's `{"error": …}`, as django-oauth-toolkit writes it, and a method they do
    not take with Django's bodiless 405)."""
    style = style_for_path(path)
    if path in OAUTH_ENDPOINTS and response.status_code == 405:
        assert response.content == b"" and response["Allow"]
        return
    if style == "customerid":
        root = ET.fromstring(response.content)
        assert root.tag == "error" and root.findtext("code"), response.content
        return
    body = json.loads(response.content)
    if path in OAUTH_ENDPOINTS and "error" in body:
        return
    keys = {"additiv": {"Code", "Message", "CorrelationId"},
            "oneportal": {"errorMessage", "statusCode", "correlationId"},
            "problem": {"type", "title", "status", "detail"},
            "scim": {"schemas", "status", "detail"}}[style]
    assert keys <= set(body), body
