"""The errors services raise. One handler (`foundation.api.exceptions`) answers them in each
surface's style, the admin shows them as messages, the commands as their error line.

A service says what went wrong (`status` is the HTTP status it means, `code` an optional
vendor error number, as CustomerID numbers its kinds); it never builds a response itself.
"""

from __future__ import annotations


class DomainError(Exception):
    status = 400
    kind = "invalid input"
    code: int | None = None  # the vendor's error number, where a surface has them

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidInputError(DomainError):
    """Well-formed, but not acceptable (answered 400)."""


class NotFoundError(DomainError):
    """The thing named does not exist or is out of the caller's reach (answered 404)."""

    status, kind = 404, "not found"


class ForbiddenError(DomainError):
    """The caller may not do this to something it can see (answered 403)."""

    status, kind = 403, "forbidden"


class ConflictError(DomainError):
    """The request is well-formed but the record's state forbids it (answered 409)."""

    status, kind = 409, "conflict"
