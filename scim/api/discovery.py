"""Discovery (RFC 7644 §4): ServiceProviderConfig, ResourceTypes, Schemas. The same for every
token; only `meta.location` follows the address asked (scim.resources)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from scim import resources
from scim.api import schema
from scim.api.base import TAG, ScimView
from scim.errors import ScimNotFoundError


def list_response(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"schemas": [resources.LIST_SCHEMA], "totalResults": len(items),
            "itemsPerPage": len(items), "startIndex": 1, "Resources": items}


class ServiceProviderConfigView(ScimView):
    http_method_names = ["get", "options"]

    @extend_schema(tags=[TAG], operation_id="scim_service_provider_config",
                   summary="What the service supports", responses=schema.document(
                       "The service provider configuration (RFC 7643 §5)."))
    def get(self, request):
        return Response(resources.located(resources.SERVICE_PROVIDER_CONFIG,
                                          "ServiceProviderConfig",
                                          f"{self.base_url()}/ServiceProviderConfig"))


class ResourceTypesView(ScimView):
    http_method_names = ["get", "options"]

    @extend_schema(tags=[TAG], operation_id="scim_resource_types",
                   summary="The resource types served", responses=schema.listed(
                       "The resource types (RFC 7643 §6)."))
    def get(self, request):
        return Response(list_response([self.located(name) for name in resources.RESOURCE_TYPES]))

    def located(self, name: str) -> dict[str, Any]:
        return resources.located(resources.RESOURCE_TYPES[name], "ResourceType",
                                 f"{self.base_url()}/ResourceTypes/{name}")


class ResourceTypeView(ResourceTypesView):
    @extend_schema(tags=[TAG], operation_id="scim_resource_type",
                   summary="One resource type", responses=schema.document(
                       "The resource type (RFC 7643 §6)."))
    def get(self, request, name: str):
        if name not in resources.RESOURCE_TYPES:
            raise ScimNotFoundError(f"No resource type {name[:100]!r}.")
        return Response(self.located(name))


class SchemasView(ScimView):
    http_method_names = ["get", "options"]

    @extend_schema(tags=[TAG], operation_id="scim_schemas",
                   summary="The schemas of the resources and of discovery",
                   responses=schema.listed("The schemas (RFC 7643 §7)."))
    def get(self, request):
        return Response(list_response([self.located(urn) for urn in resources.SCHEMAS]))

    def located(self, urn: str) -> dict[str, Any]:
        return resources.located(resources.SCHEMAS[urn], "Schema",
                                 f"{self.base_url()}/Schemas/{urn}")


class SchemaView(SchemasView):
    @extend_schema(tags=[TAG], operation_id="scim_schema", summary="One schema",
                   responses=schema.document("The schema (RFC 7643 §7)."))
    def get(self, request, urn: str):
        if urn not in resources.SCHEMAS:
            raise ScimNotFoundError(f"No schema {urn[:200]!r}.")
        return Response(self.located(urn))
