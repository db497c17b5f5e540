"""The CustomerID error kinds (spec 001). Services raise them; each surface renders them.

Each kind is an `OrgError` and specialises the generic kind of core.errors it is (an entity
not found is a `NotFoundError`), which gives its HTTP status (foundation.api.exceptions). Its
number in `<error><code>N</code>…`, the vendor's published numbering, is in the CustomerID
surface's table, `orgs.api.codes` (the table is in docs/orgs.md).
"""

from __future__ import annotations

from core.errors import (
    ConflictError,
    DomainError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
)


class OrgError(DomainError):
    kind = "invalid arguments"


class InvalidArgumentsError(InvalidInputError, OrgError):
    kind = "invalid arguments"


class UnauthorizedError(ForbiddenError, OrgError):
    kind = "unauthorized"


class AlreadyExistsError(ConflictError, OrgError):
    kind = "already exists"


class ParentNotFoundError(NotFoundError, OrgError):
    kind = "parent not found"


class EntityNotFoundError(NotFoundError, OrgError):
    kind = "entity not found"


class ParentNotVirtualError(ConflictError, OrgError):
    kind = "parent not virtual"


class ParentNotNonVirtualError(ConflictError, OrgError):
    kind = "parent not non-virtual"


class InvalidReferenceError(InvalidInputError, OrgError):
    kind = "invalid reference"


class SizeLimitExceededError(InvalidInputError, OrgError):
    kind = "size limit exceeded"


class CycleRefusedError(ConflictError, OrgError):
    """Tessera's own kind: a role that would (transitively) be a member of itself."""

    kind = "reference cycle"


class HasChildrenError(ConflictError, OrgError):
    """Tessera's own kind: a delete of an organization with children without `recursive`."""

    kind = "has sub-organizations"
