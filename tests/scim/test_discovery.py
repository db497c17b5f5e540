"""Discovery (RFC 7644 §4): what the service supports, its resource types and schemas,
each with its meta; read-only."""

from __future__ import annotations

import pytest
from scim2_models import Context, ResourceType, Schema, ServiceProviderConfig

from tests.scim.conftest import ENTERPRISE, USER, scim_error

pytestmark = pytest.mark.django_db
LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"


def test_service_provider_config(scim):
    response = scim.get("/ServiceProviderConfig")
    assert response.status_code == 200 and response["Content-Type"] == "application/scim+json"
    config = response.json()
    ServiceProviderConfig.model_validate(config, scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    assert config["patch"]["supported"] and config["filter"]["supported"]
    assert config["filter"]["maxResults"] == 1000
    assert config["sort"]["supported"] and config["etag"]["supported"]
    assert config["bulk"]["supported"] is False
    assert config["authenticationSchemes"][0]["type"] == "oauthbearertoken"
    assert config["meta"] == {"resourceType": "ServiceProviderConfig",
                              "location": "http://testserver/scim/v2/ServiceProviderConfig"}
    assert scim.get("/ServiceProviderConfig/").json() == config


def test_resource_types(scim):
    listed = scim.get("/ResourceTypes").json()
    assert listed["schemas"] == [LIST] and listed["totalResults"] == 1
    (user,) = listed["Resources"]
    ResourceType.model_validate(user, scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    assert user["id"] == "User" and user["endpoint"] == "/Users" and user["schema"] == USER
    assert user["schemaExtensions"] == [{"schema": ENTERPRISE, "required": False}]
    assert user["meta"]["location"] == "http://testserver/scim/v2/ResourceTypes/User"
    assert scim.get("/ResourceTypes/User").json() == user


def test_schemas(scim):
    listed = scim.get("/Schemas").json()
    ids = [schema["id"] for schema in listed["Resources"]]
    assert ids[:2] == [USER, ENTERPRISE]
    assert {"ServiceProviderConfig", "ResourceType", "Schema"} <= {
        schema["name"] for schema in listed["Resources"]}
    for schema in listed["Resources"]:
        Schema.model_validate(schema, scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
        assert schema["meta"]["resourceType"] == "Schema"
        assert scim.get(f"/Schemas/{schema['id']}").json() == schema
    user = listed["Resources"][0]
    attributes = {a["name"]: a for a in user["attributes"]}
    assert attributes["userName"]["required"] and not attributes["userName"]["caseExact"]
    assert attributes["password"]["returned"] == "never"


@pytest.mark.parametrize("path", ["/ServiceProviderConfig", "/ResourceTypes", "/Schemas"])
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_discovery_is_read_only(scim, path, method):
    response = getattr(scim, method)(path, {}) if method != "delete" else scim.delete(path)
    scim_error(response, 405)
