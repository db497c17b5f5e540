"""Refusals of the additiv surfaces' services beyond core.errors."""

from __future__ import annotations

from core.errors import DomainError


class UnprocessableError(DomainError):
    """Well-formed but refused by a rule or a reference (an unknown role, a duplicate user
    name, a wrong old password): the additiv surfaces document 422 for these. The message
    starts with the field it is about."""

    status, kind = 422, "unprocessable"

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
