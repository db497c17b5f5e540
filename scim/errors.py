"""The SCIM surface's own error kinds. A request that is not SCIM (a body or a PATCH that
scim2-models refuses) is the library's exception, a CustomerID rule the orgs kinds; the API
maps each kind to a status and a `scimType` (`scim.api.errors`)."""

from __future__ import annotations

from core.errors import DomainError, InvalidInputError, NotFoundError, PreconditionFailedError


class ScimError(DomainError):
    kind = "invalid value"


class InvalidValueError(InvalidInputError, ScimError):
    """A value SCIM allows but Tessera cannot hold (`scimType` invalidValue)."""

    kind = "invalid value"


class UserNotFoundError(NotFoundError, ScimError):
    """No user of that id in the token's organization subtree."""

    kind = "user not found"


class VersionMismatchError(PreconditionFailedError, ScimError):
    """`If-Match` names another version than the resource's current one."""

    kind = "version mismatch"


class ScimNotFoundError(NotFoundError, ScimError):
    """No such resource type, schema or endpoint."""

    kind = "not found"
