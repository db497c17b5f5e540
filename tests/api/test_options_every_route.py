"""An authenticated OPTIONS on every routed API path answers without a 500 (the routes walked
from the URL resolver by tests.api.routes)."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import pytest
from django.urls import resolve

from foundation.api.errors import API_PREFIXES, style_for_path
from tests.api.routes import API_ROUTES, assert_error_style

pytestmark = pytest.mark.django_db


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
        assert_error_style(response, path)
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
    assert_error_style(response, path)


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
