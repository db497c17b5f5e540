"""Unsafe requests to API paths with no route answer the surface's 404, not a CSRF page."""

import json
from xml.etree import ElementTree as ET

import pytest
from django.test import Client

from foundation.api.errors import API_PREFIXES, style_for_path

pytestmark = pytest.mark.django_db

PATHS = [prefix.rstrip("/") + "/nothing/here" for prefix, _ in API_PREFIXES] + [
    "/eidm2/services/nothing",
    "/api/rest/v1/nothing",
    "/integrations/v1/x",
]


def assert_surface_404(response, style: str) -> None:
    assert response.status_code == 404, (response.status_code, response.content[:300])
    content_type = response["Content-Type"]
    if style == "customerid":
        assert content_type == "application/xml"
        root = ET.fromstring(response.content)
        assert root.tag == "error" and [c.tag for c in root] == ["code", "message"]
        assert root.findtext("code") == "7"
        return
    body = json.loads(response.content)
    if style == "additiv":
        assert content_type == "application/json"
        assert set(body) == {"Code", "Message", "CorrelationId"} and body["Code"] == "NotFound"
    elif style == "problem":
        assert content_type == "application/problem+json"
        assert body["status"] == 404 and body["title"] == "Not Found" and body["detail"]
    elif style == "scim":
        assert content_type == "application/scim+json"
        assert body == {"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                        "status": "404", "detail": body["detail"]}
    else:
        assert style == "oneportal"
        assert content_type == "application/json"
        assert set(body) == {"errorMessage", "statusCode", "correlationId"}
        assert body["statusCode"] == 404


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("path", PATHS)
def test_unsafe_request_to_an_unknown_api_path_is_the_surface_404(method, path):
    client = Client(enforce_csrf_checks=True)
    response = getattr(client, method)(path, data="{}", content_type="application/json")
    assert_surface_404(response, style_for_path(path))
