"""Fixtures of the authorisations tests: namespaces, types, sources and namespaced clients."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from authorisations.models import AuthorisationSource, AuthorisationType, Namespace
from authorisations.services.catalog import (
    api_client_namespaces_grant,
    coded_item_create,
    namespace_create,
)

BASE = "/api/rest/v1"
ALL = [f"AUTHORISATION{kind}_{verb}" for kind in ("", "_TYPE", "_SOURCE")
       for verb in ("VIEW", "CREATE", "MODIFY", "REMOVE")]


@pytest.fixture
def ns_a(db) -> Namespace:
    namespace = namespace_create(code="ns-a", name="Namespace A")
    coded_item_create(model=AuthorisationType, namespace=namespace, code="employment")
    coded_item_create(model=AuthorisationType, namespace=namespace, code="mandate")
    coded_item_create(model=AuthorisationSource, namespace=namespace, code="hr")
    return namespace


@pytest.fixture
def ns_b(db) -> Namespace:
    namespace = namespace_create(code="ns-b", name="Namespace B")
    coded_item_create(model=AuthorisationType, namespace=namespace, code="employment")
    coded_item_create(model=AuthorisationSource, namespace=namespace, code="hr")
    return namespace


@pytest.fixture
def make_ns_caller(make_caller):
    """`make_ns_caller(perms=ALL, namespaces=("ns-a",))`: a client granted those namespaces."""

    def make(perms: Sequence[str] = tuple(ALL), namespaces: Sequence[str] = ("ns-a",), **kw):
        caller = make_caller(perms, **kw)
        if namespaces:
            api_client_namespaces_grant(identity=caller.identity, codes=namespaces)
        return caller

    return make


@pytest.fixture
def api_a(make_ns_caller, ns_a):
    return make_ns_caller().basic()


def body(**changes) -> dict:
    data = {
        "authType": "employment",
        "subject": {"type": "string", "value": "alice"},
        "object": {"type": "string", "value": "acme"},
    }
    data.update(changes)
    return data


def assert_error(response, status: int, *fragments: str) -> dict:
    assert response.status_code == status, response.content
    data = response.json()
    assert set(data) == {"errorMessage", "statusCode", "correlationId"}, data
    assert data["statusCode"] == status
    assert data["correlationId"] == response["X-Correlation-ID"]
    for fragment in fragments:
        assert fragment in data["errorMessage"], data["errorMessage"]
    return data
