"""Wire shapes of the audit-context calls of specs 002/003, named as the specs spell them."""

from rest_framework import serializers

from foundation.api.fields import (
    IgnoreUnknownFieldsMixin,
    StrictCharField,
    StrictIntegerField,
    StrictUUIDField,
)

INT32 = {"min_value": -(2**31), "max_value": 2**31 - 1}
MAX_IDS = 10_000


class _ContextRequest(IgnoreUnknownFieldsMixin, serializers.Serializer):
    """Field names match in any case (`personIds`); unknown fields are ignored."""

    case_insensitive_fields = True

    Createdby = StrictCharField(
        required=False, allow_null=True, allow_blank=True, max_length=200,
        help_text="The app creating the context; the tenant name when omitted.",
    )
    AuthorizedAppId = StrictCharField(
        required=False, allow_null=True, allow_blank=True, max_length=200
    )


class PersonContextRequest(_ContextRequest):
    """Field names match in any case (`personIds`); unknown fields are ignored."""

    PersonIds = serializers.ListField(
        child=StrictIntegerField(**INT32), required=False, allow_null=True, max_length=MAX_IDS,
        help_text="The persons involved in the changes; null when none is.",
    )


class InternalIdContextRequest(_ContextRequest):
    """Field names match in any case (`internalIds`); unknown fields are ignored."""

    InternalIds = serializers.ListField(
        child=StrictUUIDField(), required=False, allow_null=True, max_length=MAX_IDS,
        help_text="The internal (identity) ids involved in the changes.",
    )


class AuditContextResponse(serializers.Serializer):
    AuditContextId = serializers.IntegerField()
    TenantId = serializers.IntegerField()
    TenantKey = serializers.CharField()
    MemberIds = serializers.ListField(child=serializers.IntegerField())
