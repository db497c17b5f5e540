# ruff: noqa: N815 (the vendor's camelCase field names are the wire format)
"""Wire shapes of the onePortal Management API, named exactly as the vendor spells them.

Reads are rendered by hand (`to_representation`) for speed; the declared fields document the
shapes. Authorisation bodies are checked by `validation.clean_authorisation`, which the import
command uses too.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.duration import duration_iso_string
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from authorisations.models import ObjectType, SubjectType
from authorisations.validation import INSTANT, PARTY_MAX, clean_authorisation
from config.api.fields import (
    IgnoredField,
    InstantField,
    RejectUnknownFieldsMixin,
    StrictCharField,
    ignored_fields_check,
)
from core.patterns import NOT_BLANK, UUID


def wire_time(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


class SubjectSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=SubjectType.choices)
    value = serializers.CharField(
        max_length=255, help_text="For a user: the identity's id (a UUID).")


class ObjectSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=ObjectType.choices)
    value = serializers.CharField(
        max_length=255, help_text="For a user: the identity's id (a UUID).")


class AuthorisationSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    nsCode = serializers.CharField()
    authType = serializers.CharField()
    authSource = serializers.CharField(allow_null=True)
    subject = SubjectSerializer()
    object = ObjectSerializer()
    validFrom = serializers.DateTimeField()
    validTo = serializers.DateTimeField(allow_null=True)
    revoked = serializers.BooleanField()
    revokedAt = serializers.DateTimeField(allow_null=True)
    revocationDetails = serializers.CharField(allow_null=True)
    active = serializers.BooleanField(help_text="Not revoked, not deleted, and now (or asOf) "
                                                "within the validity window.")
    created = serializers.DateTimeField()
    modified = serializers.DateTimeField()

    def to_representation(self, row):
        at = self.context.get("at") or timezone.now()
        return {
            "id": str(row.public_id),
            "nsCode": row.namespace.code,
            "authType": row.type.code,
            "authSource": row.source.code if row.source_id else None,
            "subject": {"type": row.subject_type, "value": row.subject_value},
            "object": {"type": row.object_type, "value": row.object_value},
            "validFrom": wire_time(row.valid_from),
            "validTo": wire_time(row.valid_to),
            "revoked": row.revoked,
            "revokedAt": wire_time(row.revoked_at),
            "revocationDetails": row.revocation_details,
            "active": row.is_active(at),
            "created": wire_time(row.created),
            "modified": wire_time(row.modified),
        }


def party_schema(types: list[str], who: str) -> dict:
    """A subject or object as the write bodies take it: a user's value is an identity id."""
    others = [t for t in types if t != SubjectType.USER]

    def shape(kinds: list[str], value: dict) -> dict:
        return {"type": "object", "additionalProperties": False, "required": ["type", "value"],
                "properties": {"type": {"type": "string", "enum": kinds,
                                        "description": "Either case; answered lower-case."},
                               "value": value}}

    return {"description": who, "oneOf": [
        shape([SubjectType.USER], {"type": "string", "pattern": UUID,
                                   "description": "The identity's id."}),
        shape(others, {"type": "string", "maxLength": PARTY_MAX, "pattern": NOT_BLANK}),
    ]}


@extend_schema_field(party_schema(SubjectType.values, "Who receives (user, group or string)."))
class SubjectField(serializers.Field):
    """(Documentation: `validation.party` checks it.)"""


@extend_schema_field(party_schema(ObjectType.values, "Who gives (user, group, contact, target "
                                                     "or string)."))
class ObjectField(serializers.Field):
    """(Documentation: `validation.party` checks it.)"""


class AuthorisationWriteSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    """A create or change, checked by `validation.clean_authorisation` (the import's check too);
    the fields below document it. Unknown fields are refused; the read-only fields of a read
    (`id`, `revoked`, `active`, …) may be sent back and are ignored."""

    nsCode = StrictCharField(
        required=False, allow_null=True, max_length=64,
        help_text="The namespace; the client's default namespace when omitted.")
    authType = StrictCharField(max_length=100, help_text="An authorisation type's code.")
    authSource = StrictCharField(required=False, allow_null=True, max_length=100,
                                 help_text="An authorisation source's code.")
    subject = SubjectField()
    object = ObjectField()
    validFrom = InstantField(
        required=False, allow_null=True, help_text="Now when omitted or null. " + INSTANT)
    validTo = InstantField(
        required=False, allow_null=True,
        help_text="Later than validFrom; when omitted, the namespace's default validity (if "
                  "any) after validFrom; null: no end. " + INSTANT)
    id = IgnoredField()
    revoked = IgnoredField("boolean")
    revokedAt = IgnoredField(allow_null=True)
    revocationDetails = IgnoredField(allow_null=True)
    active = IgnoredField("boolean")
    created = IgnoredField()
    modified = IgnoredField()

    def to_internal_value(self, data):
        ignored_fields_check(self, data)
        try:
            return clean_authorisation(data, partial=self.partial)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.message_dict) from None


class RevokeSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    """Unknown fields are refused; an empty body revokes without details."""

    revocationDetails = StrictCharField(
        required=False, allow_null=True, allow_blank=True, max_length=2000,
        help_text="Why it was revoked.")

    def to_internal_value(self, data):
        return {"details": super().to_internal_value(data).get("revocationDetails")}


class CheckSerializer(serializers.Serializer):
    authorised = serializers.BooleanField()
    authorisations = serializers.ListField(child=serializers.UUIDField())


class CodedItemSerializer(serializers.Serializer):
    """An authorisation type or source, as answered."""

    id = serializers.UUIDField()
    code = serializers.CharField(help_text="What an authorisation's authType or authSource "
                                           "names.")
    name = serializers.CharField(allow_blank=True)
    description = serializers.CharField(allow_blank=True)
    nsCode = serializers.CharField()

    def to_representation(self, item):
        return {"id": str(item.id), "code": item.code, "name": item.name,
                "description": item.description, "nsCode": item.namespace.code}


class CodedItemWriteSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    """A create or change of a type or source. Unknown fields are refused; `id`, `created`
    and `modified` of a read may be sent back and are ignored."""

    code = StrictCharField(max_length=100, help_text="What an authorisation's authType or "
                                                      "authSource names.")
    name = StrictCharField(max_length=200, required=False, allow_blank=True)
    description = StrictCharField(max_length=2000, required=False, allow_blank=True)
    nsCode = StrictCharField(max_length=64, required=False, allow_null=True,
                             help_text="The namespace; the client's default when omitted.")
    id = IgnoredField()
    created = IgnoredField()
    modified = IgnoredField()

    IGNORED = ("id", "created", "modified")

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        return {key: value for key, value in values.items() if key not in self.IGNORED}


class NamespaceSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    defaultValidity = serializers.CharField(
        allow_null=True, help_text="ISO 8601 duration added to validFrom when validTo is "
                                   "omitted; null when the namespace has none.")
    default = serializers.BooleanField(help_text="The client's default namespace.")

    def to_representation(self, namespace):
        default = self.context.get("default_id")
        return {
            "code": namespace.code,
            "name": namespace.name,
            "defaultValidity": (duration_iso_string(namespace.default_validity)
                                if namespace.default_validity else None),
            "default": namespace.pk == default,
        }
