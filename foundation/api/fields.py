"""Serializer parts every surface uses: strict scalars, exact or case-insensitive field names,
and their OpenAPI shapes (docs/foundation.md, "The schema is the contract")."""

from __future__ import annotations

from django.core.validators import RegexValidator
from drf_spectacular.extensions import (
    OpenApiSerializerExtension,
    OpenApiSerializerFieldExtension,
)
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.patterns import INSTANT_RANGE, NOT_BLANK, NUL_FREE_FILLED, UUID, matches


class WholeMatch(RegexValidator):
    """A RegexValidator over the whole value (`fullmatch`), so a trailing newline cannot slip
    past `$`; drf-spectacular publishes its pattern."""

    def __call__(self, value):
        if not isinstance(value, str) or not matches(self.regex.pattern, value):
            raise serializers.ValidationError(self.message, code=self.code)


def text_validator(*, allow_blank: bool) -> WholeMatch:
    # DRF answers "" before validators run (allowed or not); drf-spectacular documents an
    # allowed "" as a oneOf branch of its own, so the pattern must not match "" too.
    if allow_blank:
        return WholeMatch(NUL_FREE_FILLED, "Null characters are not allowed.")
    return WholeMatch(NOT_BLANK, "This field may not be blank (nor hold a NUL character).")


class StrictIntegerField(serializers.IntegerField):
    """An integer that must arrive as a JSON number (not a string or a boolean)."""

    default_error_messages = {"invalid": "A valid integer is required."}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictCharField(serializers.CharField):
    """A string that must arrive as a JSON string (DRF would turn 12 into "12"), taken as sent
    (no trimming: its length is the length the schema states), never blank unless
    `allow_blank`, never holding a NUL character (a pattern the schema publishes)."""

    default_error_messages = {"invalid": "Not a valid string."}

    def __init__(self, **kwargs):
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)
        self.validators.append(text_validator(allow_blank=self.allow_blank))

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictUUIDField(serializers.UUIDField):
    """A UUID in its canonical written form (DRF alone also takes braces, URNs, bare hex)."""

    def to_internal_value(self, data):
        if not isinstance(data, str) or not matches(UUID, data):
            self.fail("invalid", value=data)
        return super().to_internal_value(data)


@extend_schema_field({"type": "string", "format": "date-time", "pattern": INSTANT_RANGE})
class InstantField(serializers.DateTimeField):
    """An RFC 3339 date-time within the range a server can hold (core.patterns.INSTANT_RANGE)."""


class IgnoredField(serializers.Field):
    """A read-only key of a read that a client may send back (`id`, `created`, …): a value of
    its read type (`kind`, a JSON type), accepted and ignored."""

    CHECKS = {"string": str, "boolean": bool, "object": dict}

    def __init__(self, kind: str = "string", **kwargs):
        self.kind = kind
        kwargs.setdefault("required", False)
        kwargs.setdefault("write_only", True)
        kwargs.setdefault("help_text", "Read-only: accepted (so a read can be sent back) and "
                                       "ignored.")
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, self.CHECKS[self.kind]):
            raise serializers.ValidationError(f"Expected a {self.kind} (or leave it out).")
        return data


class IgnoredFieldExtension(OpenApiSerializerFieldExtension):
    target_class = IgnoredField

    def map_serializer_field(self, auto_schema, direction):
        return {"type": self.target.kind}


def ignored_fields_check(serializer: serializers.Serializer, data) -> None:
    """Check the IgnoredFields of a body another function cleans (ValidationError by field)."""
    if not isinstance(data, dict):
        return
    errors = {}
    for name, field in serializer.fields.items():
        if isinstance(field, IgnoredField) and name in data:
            try:
                field.run_validation(data[name])
            except serializers.ValidationError as error:
                errors[name] = error.detail
    if errors:
        raise serializers.ValidationError(errors)


class _KnownFieldsMixin:
    """A JSON object body whose keys are matched to the fields, exactly or (with
    `case_insensitive_fields = True`) whatever their case, as the .NET services behind the
    additiv surfaces accept (`personIds` for `PersonIds`); what is done with a key that
    matches no field is the subclass's."""

    case_insensitive_fields = False

    def unknown_fields(self, unknown: list[str]) -> None:
        raise NotImplementedError

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError(
                {"non_field_errors": ["Expected a JSON object."]}
            )
        known = {name for name, field in self.fields.items() if not field.read_only}
        if self.case_insensitive_fields:
            by_lower = {name.lower(): name for name in known}
            data = {by_lower.get(key.lower(), key): value for key, value in data.items()}
        unknown = sorted(set(data) - known)
        if unknown:
            self.unknown_fields(unknown)
            data = {key: value for key, value in data.items() if key in known}
        return super().to_internal_value(data)


class RejectUnknownFieldsMixin(_KnownFieldsMixin):
    """Unknown fields are an error, named in the message, rather than silently dropped; the
    schema says so (`additionalProperties: false`, `ClosedObjectExtension`). Where the vendor
    or its SDK refuses them too (onePortal), or no vendor client sends more than it names."""

    def unknown_fields(self, unknown: list[str]) -> None:
        raise serializers.ValidationError({key: ["Unknown field."] for key in unknown})


class IgnoreUnknownFieldsMixin(_KnownFieldsMixin):
    """Unknown fields are ignored, as the vendor's own services do (the additiv surfaces,
    specs 002/003: a client whose models carry more properties than a call names must work);
    the schema leaves the object open."""

    def unknown_fields(self, unknown: list[str]) -> None:
        return None


class ClosedObjectExtension(OpenApiSerializerExtension):
    """A request body of a serializer that refuses unknown fields declares
    `additionalProperties: false`."""

    target_class = RejectUnknownFieldsMixin
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        if direction == "request":
            schema["additionalProperties"] = False
        return schema
