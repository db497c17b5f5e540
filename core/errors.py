"""The errors services raise. One handler (`foundation.api.exceptions`) answers them in each
surface's style, the admin shows them as messages, the commands as their error line.

A service says only what went wrong: the kind (the class; `kind` is its name in words, for the
admin's messages) and a message. It knows nothing of the wire: the HTTP status of each kind is
in `foundation.api.exceptions.STATUSES` (found along the class's MRO, so an app's kinds
specialise these generic ones), a vendor's error number in that surface's own table (CustomerID:
`orgs.api.codes`); it never builds a response itself.
"""

from __future__ import annotations


class DomainError(Exception):
    kind = "invalid input"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidInputError(DomainError):
    """Well-formed, but not acceptable (answered 400)."""


class NotFoundError(DomainError):
    """The thing named does not exist or is out of the caller's reach (answered 404)."""

    kind = "not found"


class ForbiddenError(DomainError):
    """The caller may not do this to something it can see (answered 403)."""

    kind = "forbidden"


class ConflictError(DomainError):
    """The request is well-formed but the record's state forbids it (answered 409)."""

    kind = "conflict"


class UnprocessableError(DomainError):
    """Well-formed but refused by a rule or a reference (an unknown role, a duplicate user
    name, a wrong old password): the additiv surfaces document 422 for these. The message
    starts with the field it is about."""

    kind = "unprocessable"

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field


class PreconditionFailedError(DomainError):
    """The caller's condition on the record's version does not hold: it changed since the
    caller read it (answered 412; SCIM's `If-Match`)."""

    kind = "precondition failed"
