"""Serializer parts every surface uses: strict scalars and exact or case-insensitive field names."""

from __future__ import annotations

from rest_framework import serializers


class StrictIntegerField(serializers.IntegerField):
    """An integer that must arrive as a JSON number (not a string or a boolean)."""

    default_error_messages = {"invalid": "A valid integer is required."}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictCharField(serializers.CharField):
    """A string that must arrive as a JSON string (DRF would turn 12 into "12")."""

    default_error_messages = {"invalid": "Not a valid string."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class RejectUnknownFieldsMixin:
    """Unknown fields are an error, named in the message, rather than silently dropped.

    With `case_insensitive_fields = True` a key matches its field whatever its case, as the
    .NET services behind the additiv surfaces accept (`personIds` for `PersonIds`).
    """

    case_insensitive_fields = False

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
            raise serializers.ValidationError({key: ["Unknown field."] for key in unknown})
        return super().to_internal_value(data)
