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
from authorisations.validation import (
    INSTANT,
    LOCALE,
    MAX_NAMES,
    PARTY_MAX,
    clean_authorisation,
    names_clean,
)
from core.patterns import NOT_BLANK, UUID
from foundation.api.fields import (
    IgnoredField,
    InstantField,
    RejectUnknownFieldsMixin,
    StrictCharField,
    ignored_fields_check,
)


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


class MetaSerializer(serializers.Serializer):
    """The vendor's `meta` (`metadata` on types and sources): read-only."""

    created = serializers.DateTimeField()
    lastModified = serializers.DateTimeField()
    location = serializers.URLField(help_text="The record's own URL.")


def locations(context: dict, path: str) -> str:
    """The absolute URL prefix of a kind's records (`…/api/rest/v1/authorisation/`), built
    once per response."""
    key = f"location:{path}"
    if key not in context:
        request = context.get("request")
        context[key] = (request.build_absolute_uri(f"/api/rest/v1/{path}/") if request
                        else f"/api/rest/v1/{path}/")
    return context[key]


class AuthorisationSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    author = serializers.CharField(allow_null=True, help_text="Free text the client keeps.")
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
    creator = serializers.CharField(help_text="Who created it: the OAuth2 client id, the "
                                              "operator's username or the import command.")
    createdAt = serializers.DateTimeField()
    created = serializers.DateTimeField()
    modified = serializers.DateTimeField()
    meta = MetaSerializer()

    def to_representation(self, row):
        at = self.context.get("at") or timezone.now()
        location = locations(self.context, "authorisation")
        created, modified, public_id = wire_time(row.created), wire_time(row.modified), str(
            row.public_id)
        return {
            "id": public_id,
            "author": row.author,
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
            "creator": row.creator,
            "createdAt": created,
            "created": created,
            "modified": modified,
            "meta": {"created": created, "lastModified": modified,
                     "location": location + public_id},
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
    author = StrictCharField(required=False, allow_null=True, max_length=255,
                             help_text="Free text the client keeps (the server does not use "
                                       "it).")
    # the read-only keys of a read, null included (the vendor's SDK sends them all, null on a
    # create): accepted and ignored
    id = IgnoredField(allow_null=True)
    revoked = IgnoredField("boolean", allow_null=True)
    revokedAt = IgnoredField(allow_null=True)
    revocationDetails = IgnoredField(allow_null=True)
    active = IgnoredField("boolean", allow_null=True)
    created = IgnoredField(allow_null=True)
    modified = IgnoredField(allow_null=True)
    creator = IgnoredField(allow_null=True)
    createdAt = IgnoredField(allow_null=True)
    meta = IgnoredField("object", allow_null=True)

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


class LocaleNameSerializer(serializers.Serializer):
    locale = serializers.CharField(max_length=35, help_text="A language tag (BCP 47): fi, sv-FI.")
    value = serializers.CharField(max_length=200)


NAME_ENTRY = {"type": "object", "additionalProperties": False, "required": ["locale", "value"],
              "properties": {"locale": {"type": "string", "maxLength": 35,
                                        "pattern": f"^{LOCALE.pattern}$"},
                             "value": {"type": "string", "maxLength": 200,
                                       "pattern": NOT_BLANK}}}
GARBLED_ENTRY = {"type": "object", "additionalProperties": False,
                 "properties": {"locale": {"type": "string", "nullable": True, "enum": [None]},
                                "value": {"type": "string", "nullable": True, "enum": [None]}},
                 "description": "What the vendor's SDK sends for every name: skipped."}


@extend_schema_field({"type": "array", "nullable": True, "maxItems": MAX_NAMES,
                      "items": {"oneOf": [NAME_ENTRY, GARBLED_ENTRY]},
                      "description": "Locale-specific names, one per locale; null: none. A "
                                     "list of only null entries changes nothing."})
class NamesField(serializers.Field):
    """`names`, checked by `validation.names_clean` (None: leave the names as they are)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def validate_empty_values(self, data):
        if data is None:
            return True, []
        return super().validate_empty_values(data)

    def to_internal_value(self, data):
        try:
            return names_clean(data)
        except ValueError as error:
            raise serializers.ValidationError(str(error)) from None


class CodedItemSerializer(serializers.Serializer):
    """An authorisation type or source, as answered."""

    id = serializers.UUIDField()
    code = serializers.CharField(help_text="What an authorisation's authType or authSource "
                                           "names.")
    name = serializers.CharField(allow_blank=True)
    names = LocaleNameSerializer(many=True)
    description = serializers.CharField(allow_blank=True)
    nsCode = serializers.CharField()
    metadata = MetaSerializer()

    def to_representation(self, item):
        created = wire_time(item.created)
        path = ("authorisation_source" if item._meta.model_name == "authorisationsource"
                else "authorisation_type")
        return {"id": str(item.id), "code": item.code, "name": item.name,
                "names": item.names, "description": item.description,
                "nsCode": item.namespace.code,
                "metadata": {"created": created, "lastModified": wire_time(item.modified),
                             "location": f"{locations(self.context, path)}{item.id}"}}


class CodedItemWriteSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    """A create or change of a type or source. Unknown fields are refused; `id`, `created`
    and `modified` of a read may be sent back and are ignored."""

    code = StrictCharField(max_length=100, help_text="What an authorisation's authType or "
                                                      "authSource names.")
    name = StrictCharField(max_length=200, required=False, allow_blank=True)
    names = NamesField()
    description = StrictCharField(max_length=2000, required=False, allow_blank=True,
                                  allow_null=True, help_text="null: empty.")
    nsCode = StrictCharField(max_length=64, required=False, allow_null=True,
                             help_text="The namespace; the client's default when omitted.")
    id = IgnoredField(allow_null=True)
    created = IgnoredField(allow_null=True)
    modified = IgnoredField(allow_null=True)
    metadata = IgnoredField("object", allow_null=True)

    IGNORED = ("id", "created", "modified", "metadata")

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        if values.get("names", []) is None:  # only the SDK's null entries: no change
            del values["names"]
        if "description" in values and values["description"] is None:
            values["description"] = ""
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
