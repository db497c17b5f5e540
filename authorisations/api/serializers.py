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
from rest_framework import serializers

from authorisations.models import ObjectType, SubjectType
from authorisations.validation import clean_authorisation, names_clean, text
from config.api.fields import StrictCharField


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
        created = wire_time(row.created)
        return {
            "id": str(row.public_id),
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
            "modified": wire_time(row.modified),
            "meta": {"created": created, "lastModified": wire_time(row.modified),
                     "location": f"{location}{row.public_id}"},
        }


class AuthorisationWriteSerializer(serializers.Serializer):
    """A create or change. Unknown fields are refused; the read-only fields of a read (`id`,
    `revoked`, `active`, …) may be sent back and are ignored."""

    nsCode = serializers.CharField(
        required=False, allow_null=True, max_length=64,
        help_text="The namespace; the client's default namespace when omitted.")
    authType = serializers.CharField(max_length=100, help_text="An authorisation type's code.")
    authSource = serializers.CharField(required=False, allow_null=True, max_length=100,
                                       help_text="An authorisation source's code.")
    subject = SubjectSerializer(help_text="Who receives (user, group or string).")
    object = ObjectSerializer(
        help_text="Who gives (user, group, contact, target or string).")
    validFrom = serializers.DateTimeField(required=False, allow_null=True,
                                          help_text="ISO 8601; now when omitted.")
    validTo = serializers.DateTimeField(
        required=False, allow_null=True,
        help_text="ISO 8601; when omitted, the namespace's default validity (if any) "
                  "after validFrom; null: no end.")
    author = serializers.CharField(required=False, allow_null=True, max_length=255,
                                   help_text="Free text the client keeps (the server does not "
                                             "use it).")

    def to_internal_value(self, data):
        try:
            return clean_authorisation(data, partial=self.partial)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.message_dict) from None


class RevokeSerializer(serializers.Serializer):
    revocationDetails = serializers.CharField(
        required=False, allow_null=True, max_length=2000, help_text="Why it was revoked.")

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError({"body": ["Expected a JSON object."]})
        unknown = sorted(set(data) - {"revocationDetails"})
        if unknown:
            raise serializers.ValidationError({key: ["Unknown field."] for key in unknown})
        details = data.get("revocationDetails")
        if details is not None and (not isinstance(details, str) or len(details) > 2000
                                    or "\x00" in details):
            raise serializers.ValidationError(
                {"revocationDetails": ["Expected a string of at most 2000 characters."]})
        return {"details": details}


class CheckSerializer(serializers.Serializer):
    authorised = serializers.BooleanField()
    authorisations = serializers.ListField(child=serializers.UUIDField())


class LocaleNameSerializer(serializers.Serializer):
    locale = serializers.CharField(max_length=35, help_text="A language tag (BCP 47): fi, sv-FI.")
    value = serializers.CharField(max_length=200)


class CodedItemSerializer(serializers.Serializer):
    """An authorisation type or source."""

    id = serializers.UUIDField(read_only=True)
    code = StrictCharField(max_length=100, help_text="What an authorisation's authType or "
                                                      "authSource names.")
    name = StrictCharField(max_length=200, required=False, allow_blank=True)
    names = LocaleNameSerializer(many=True, required=False, allow_null=True,
                                 help_text="Locale-specific names, one per locale.")
    description = StrictCharField(max_length=2000, required=False, allow_blank=True,
                                  allow_null=True)
    nsCode = StrictCharField(max_length=64, required=False, allow_null=True,
                             help_text="The namespace; the client's default when omitted.")
    metadata = MetaSerializer(read_only=True)

    READ_ONLY = ("id", "created", "modified", "metadata")

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError({"body": ["Expected a JSON object."]})
        unknown = sorted(set(data) - set(self.fields) - set(self.READ_ONLY))
        if unknown:
            raise serializers.ValidationError({key: ["Unknown field."] for key in unknown})
        if "names" in data:
            try:
                names = names_clean(data["names"])
            except ValueError as error:
                raise serializers.ValidationError({"names": [str(error)]}) from None
        if data.get("description", "") is None:
            data = {**data, "description": ""}
        values = super().to_internal_value({k: v for k, v in data.items()
                                            if k not in self.READ_ONLY and k != "names"})
        if "names" in data and names is not None:
            values["names"] = names
        for key in ("code", "name", "description", "nsCode"):
            value = values.get(key)
            if isinstance(value, str) and "\x00" in value:
                raise serializers.ValidationError({key: ["Null characters are not allowed."]})
        if "code" in values:
            try:
                text(values["code"], 100)
            except ValueError as error:
                raise serializers.ValidationError({"code": [str(error)]}) from None
        return values

    def to_representation(self, item):
        created = wire_time(item.created)
        path = "authorisation_source" if item._meta.model_name == "authorisationsource" \
            else "authorisation_type"
        return {"id": str(item.id), "code": item.code, "name": item.name,
                "names": item.names, "description": item.description,
                "nsCode": item.namespace.code,
                "metadata": {"created": created, "lastModified": wire_time(item.modified),
                             "location": f"{locations(self.context, path)}{item.id}"}}


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
