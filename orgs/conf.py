"""The organization configuration read from settings (types, their roles, custom attributes)."""

from __future__ import annotations

from django.conf import settings


def organization_types() -> dict[str, list[str]]:
    return settings.ORGS_ORGANIZATION_TYPES


def default_organization_type() -> str:
    return settings.ORGS_DEFAULT_ORGANIZATION_TYPE


def organization_attributes() -> list[str]:
    return settings.ORGS_ORGANIZATION_ATTRIBUTES


def user_attributes() -> list[str]:
    return settings.ORGS_USER_ATTRIBUTES


def mandate_type() -> str:
    return settings.ORGS_MANDATE_TYPE


def max_results() -> int:
    return settings.ORGS_MAX_RESULTS
