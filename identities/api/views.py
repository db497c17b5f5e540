"""The additiv audit-context calls (specs 002/003): thin views over audit.services."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.services import audit_context_create
from foundation.api.permissions import RequiredPermission
from foundation.api.reach import ReachPermission
from identities.api.dfs_common import default_tenant, tenant_by_key
from identities.api.serializers import (
    AuditContextResponse,
    InternalIdContextRequest,
    PersonContextRequest,
)
from identities.models import TENANTS, Member, Tenant

TAG = "additiv Admin Management / DFS Service Layer: AuditContext"


class AdditivView(APIView):
    """Base of the /vX.Y/ surfaces: additiv error bodies, 422 for a body it cannot process."""

    error_style = "additiv"
    validation_status = 422
    permission_classes = [RequiredPermission, ReachPermission]
    # Rows lead to their tenant (members, audit contexts, menus; identities through their
    # members): the lookups of identities.api.dfs_common hand reach_of(view) to the queries.
    reach_realm, reach_field = TENANTS, "tenant"


class _GenerateView(AdditivView):
    required_permissions = {"POST": "audit.add_auditcontext"}
    request_serializer: type[serializers.Serializer] = PersonContextRequest

    def tenant(self, request, **kwargs) -> Tenant:
        """The 1.x calls name no tenant: the client's default tenant, as its other tenant-less
        calls use (TESSERA_DEFAULT_TENANT_KEY with global reach, else its first tenant)."""
        tenant = default_tenant(self)
        if tenant is None:
            raise NotFound("The client reaches no tenant.")
        return tenant

    def generate(self, request, **kwargs):
        tenant = self.tenant(request, **kwargs)
        body = self.request_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        context = audit_context_create(
            tenant=tenant,
            created_by=data.get("Createdby"),
            authorized_app_id=data.get("AuthorizedAppId"),
            person_ids=data.get("PersonIds"),
            internal_ids=data.get("InternalIds"),
        )
        return context, tenant

    def answer(self, context, tenant, member_ids: list[int]) -> Response:
        return Response(
            {
                "AuditContextId": context.id,
                "TenantId": tenant.id,
                "TenantKey": tenant.key,
                "MemberIds": member_ids,
            }
        )


class GenerateV10(_GenerateView):
    @extend_schema(
        tags=[TAG],
        operation_id="auditcontext_generate_v1_0",
        summary="Generate audit context (deprecated)",
        deprecated=True,
        request=PersonContextRequest,
        responses={200: OpenApiResponse(response=int, description="The new audit context id.")},
    )
    def post(self, request):
        context, _ = self.generate(request)
        return Response(context.id)


class GenerateV11(_GenerateView):
    @extend_schema(
        tags=[TAG],
        operation_id="auditcontext_generate_v1_1",
        summary="Generate audit context (default tenant)",
        request=PersonContextRequest,
        responses={200: AuditContextResponse},
    )
    def post(self, request):
        context, tenant = self.generate(request)
        # The 1.x ids are already tenant-local person/member ids: answered as given.
        return self.answer(context, tenant, list(context.person_ids))


class GenerateV20(_GenerateView):
    request_serializer = InternalIdContextRequest

    def tenant(self, request, tenantKey: str) -> Tenant:  # noqa: N803 (the spec's name)
        return tenant_by_key(self, tenantKey)

    @extend_schema(
        tags=[TAG],
        operation_id="auditcontext_generate_v2_0",
        summary="Generate audit context for a specific tenant",
        request=InternalIdContextRequest,
        responses={200: AuditContextResponse},
    )
    def post(self, request, tenantKey: str):  # noqa: N803
        context, tenant = self.generate(request, tenantKey=tenantKey)
        return self.answer(context, tenant, member_ids(tenant, context.internal_ids))


def member_ids(tenant: Tenant, internal_ids: list[str]) -> list[int]:
    """The tenant's member ids of the given identities, in the order given (one query)."""
    if not internal_ids:
        return []
    rows: QuerySet = Member.objects.filter(tenant=tenant, identity_id__in=internal_ids)
    by_identity = {str(i): m for i, m in rows.values_list("identity_id", "id")}
    return [by_identity[i] for i in internal_ids if i in by_identity]
