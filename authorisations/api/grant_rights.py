# ruff: noqa: N815 (the vendor's camelCase field names are the wire format)
"""`authorisation_grant_right`: list, read, create and revoke, as the vendor's SDK calls them."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from authorisations.api.base import AS_OF, CONFLICT, TAG, OnePortalViewSet
from authorisations.api.serializers import (
    ObjectSerializer,
    SubjectField,
    SubjectSerializer,
    wire_time,
)
from authorisations.clients import client_id_of
from authorisations.models import ObjectType
from authorisations.queries import grant_rights as grant_right_reads
from authorisations.services import grant_rights
from authorisations.validation import SUBJECT_TYPES, instant, party, text
from foundation.api.fields import (
    IgnoredField,
    InstantField,
    RejectUnknownFieldsMixin,
    StrictCharField,
)

PREFIX = "authorisations.AUTHORISATION_GRANT_RIGHT"


class AuthorisationGrantSerializer(serializers.Serializer):
    createdAt = serializers.DateTimeField()
    createdByOauthClientId = serializers.CharField(allow_null=True)
    revoked = serializers.BooleanField()
    revokedAt = serializers.DateTimeField(allow_null=True)
    revokedByOauthClientId = serializers.CharField(allow_null=True)


class GrantRightSerializer(serializers.Serializer):
    """A grant right as read."""

    id = serializers.UUIDField()
    nsCode = serializers.CharField()
    authorisationTypes = serializers.ListField(child=serializers.CharField())
    principal = SubjectSerializer()
    object = ObjectSerializer(help_text="Who gave the right: the identity that created it.")
    validFrom = serializers.DateTimeField()
    validTo = serializers.DateTimeField(allow_null=True)
    authorisationGrant = AuthorisationGrantSerializer()
    active = serializers.BooleanField(help_text="Not revoked, and now (or asOf) within the "
                                                "validity window.")

    def to_representation(self, row):
        at = self.context.get("at")
        revoked = row.revoked and (at is None or row.revoked_at <= at)
        return {
            "id": str(row.id),
            "nsCode": row.namespace.code,
            "authorisationTypes": sorted(t.code for t in row.types.all()),
            "principal": {"type": row.principal_type, "value": row.principal_value},
            "object": {"type": row.object_type, "value": row.object_value},
            "validFrom": wire_time(row.valid_from),
            "validTo": wire_time(row.valid_to),
            "authorisationGrant": {
                "createdAt": wire_time(row.created),
                "createdByOauthClientId": row.created_by_client_id or None,
                "revoked": revoked,
                "revokedAt": wire_time(row.revoked_at) if revoked else None,
                "revokedByOauthClientId": (row.revoked_by_client_id or None) if revoked
                else None,
            },
            "active": row.is_active(at),
        }


class GrantRightWriteSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    """A create. The read-only parts of a read (`id`, `object`, `authorisationGrant`,
    `active`) may be sent back (the SDK sends them, null) and are ignored."""

    nsCode = StrictCharField(required=False, allow_null=True, max_length=64,
                             help_text="The namespace; the client's default when omitted.")
    authorisationTypes = serializers.ListField(
        child=StrictCharField(max_length=100), min_length=1, max_length=100,
        help_text="Codes of authorisation types of the namespace.")
    principal = SubjectField(help_text="Who may give authorisations of these types on its "
                                       "own behalf.")
    validFrom = InstantField(required=False, allow_null=True,
                                          help_text="ISO 8601; now when omitted.")
    validTo = InstantField(required=False, allow_null=True,
                                        help_text="ISO 8601; a year after creation when "
                                                  "omitted.")

    id = IgnoredField(allow_null=True)
    object = IgnoredField("object", allow_null=True)
    authorisationGrant = IgnoredField("object", allow_null=True)
    active = IgnoredField("boolean", allow_null=True)

    WRITABLE = ("nsCode", "authorisationTypes", "principal", "validFrom", "validTo")
    READ_ONLY = ("id", "object", "authorisationGrant", "active")

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise serializers.ValidationError({"body": ["Expected a JSON object."]})
        errors: dict[str, list[str]] = {
            str(key): ["Unknown field."] for key in data
            if key not in self.WRITABLE and key not in self.READ_ONLY}
        out: dict[str, Any] = {}
        try:
            out["ns_code"] = text(data.get("nsCode"), 64, nullable=True)
        except ValueError as error:
            errors["nsCode"] = [str(error)]
        codes = data.get("authorisationTypes")
        if not isinstance(codes, list) or not codes or len(codes) > 100:
            errors["authorisationTypes"] = ["Expected a list of 1 to 100 type codes."]
        else:
            try:
                out["type_codes"] = [text(code, 100) for code in codes]
            except ValueError as error:
                errors["authorisationTypes"] = [str(error)]
        try:
            out["principal_type"], out["principal_value"] = party(
                data.get("principal"), SUBJECT_TYPES)
        except ValueError as error:
            errors["principal"] = [str(error)]
        for key in ("validFrom", "validTo"):
            if data.get(key) is not None:
                try:
                    out[key] = instant(data[key])
                except ValueError as error:
                    errors[key] = [str(error)]
        if errors:
            raise serializers.ValidationError(errors)
        return out


class AuthorisationGrantRightViewSet(OnePortalViewSet):
    serializer_class = GrantRightSerializer
    filter_attrs = grant_right_reads.GRANT_RIGHT_ATTRS
    required_permissions = {"list": f"{PREFIX}_VIEW", "retrieve": f"{PREFIX}_VIEW",
                            "create": f"{PREFIX}_CREATE", "revoke": f"{PREFIX}_MODIFY"}

    def get_queryset(self):
        return grant_right_reads.grant_rights_visible(self.request.user, self.as_of())

    def as_of(self):
        raw = self.request.query_params.get("asOf")
        if raw in (None, ""):
            return None
        try:
            return instant(raw)
        except ValueError as error:
            raise exceptions.ValidationError({"asOf": [str(error)]}) from None

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "at": self.as_of()}

    @extend_schema(tags=[TAG], operation_id="authorisation_grant_right_list",
                   parameters=[AS_OF], summary="List authorisation grant rights")
    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(tags=[TAG], operation_id="authorisation_grant_right_retrieve",
                   parameters=[AS_OF], summary="Read an authorisation grant right")
    def retrieve(self, request, pk=None):
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(tags=[TAG], operation_id="authorisation_grant_right_create",
                   request=GrantRightWriteSerializer, responses={201: GrantRightSerializer},
                   summary="Give a principal the right to grant authorisations of some types")
    def create(self, request):
        body = GrantRightWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        namespace = self.namespace_for_write(data.get("ns_code"))
        created = grant_rights.grant_right_create(
            namespace=namespace, type_codes=data["type_codes"],
            principal_type=data["principal_type"], principal_value=data["principal_value"],
            object_type=ObjectType.USER, object_value=str(request.user.pk),
            valid_from=data.get("validFrom"), valid_to=data.get("validTo"),
            client_id=client_id_of(request))
        return Response(self.get_serializer(self.get_queryset().get(pk=created.pk)).data,
                        status=201)

    @extend_schema(tags=[TAG], operation_id="authorisation_grant_right_revoke", request=None,
                   responses={200: GrantRightSerializer, 409: CONFLICT},
                   summary="Revoke an authorisation grant right (final)")
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        revoked = grant_rights.grant_right_revoke(grant_right=self.get_object(),
                                                  client_id=client_id_of(request))
        return Response(self.get_serializer(self.get_queryset().get(pk=revoked.pk)).data)
