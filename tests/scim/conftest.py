"""Helpers for the SCIM surface: organizations, tokens made as `create_scim_token` makes
them, and an HTTP client that sends one."""

from __future__ import annotations

import json
from typing import Any

import pytest
from rest_framework.test import APIClient

from orgs import services as org_services
from orgs.models import Organization
from scim.services.tokens import token_create

BASE = "/scim/v2"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
MEDIA = "application/scim+json"


class Scim:
    """An HTTP client of /scim/v2/ with one token; bodies go as application/scim+json."""

    def __init__(self, secret: str | None):
        self.client = APIClient()
        self.client.raise_request_exception = False
        if secret is not None:
            self.client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")

    def _send(self, method: str, path: str, body: Any = None, **headers):
        kwargs = {}
        if body is not None:
            kwargs = {"data": body if isinstance(body, (str, bytes)) else json.dumps(body),
                      "content_type": headers.pop("content_type", MEDIA)}
        extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
        return getattr(self.client, method)(BASE + path, **kwargs, **extra)

    def get(self, path, **headers):
        return self._send("get", path, **headers)

    def post(self, path, body=None, **headers):
        return self._send("post", path, body, **headers)

    def put(self, path, body=None, **headers):
        return self._send("put", path, body, **headers)

    def patch(self, path, body=None, **headers):
        return self._send("patch", path, body, **headers)

    def delete(self, path, **headers):
        return self._send("delete", path, **headers)


def user_body(user_name: str, **more) -> dict:
    return {"schemas": [USER], "userName": user_name, **more}


def patch_body(*operations: dict) -> dict:
    return {"schemas": [PATCH], "Operations": list(operations)}


def scim_error(response, status: int, scim_type: str | None = None) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"] == MEDIA, response["Content-Type"]
    body = response.json()
    assert body["schemas"] == [ERROR] and body["status"] == str(status), body
    assert body.get("scimType") == scim_type, body
    return body


@pytest.fixture
def acme(db) -> Organization:
    top = org_services.organization_create(parent=None, organization_id="acme",
                                           friendly_name="Acme")
    org_services.organization_create(parent=top, organization_id="sales",
                                     friendly_name="Sales")
    return top


@pytest.fixture
def globex(db) -> Organization:
    return org_services.organization_create(parent=None, organization_id="globex",
                                            friendly_name="Globex")


@pytest.fixture
def acme_token(acme):
    return token_create(organization=acme, name="entra")


@pytest.fixture
def scim(acme_token) -> Scim:
    return Scim(acme_token.secret)


@pytest.fixture
def globex_scim(globex) -> Scim:
    return Scim(token_create(organization=globex, name="okta").secret)
