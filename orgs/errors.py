"""The CustomerID error kinds (spec 001). Services raise them; each surface renders them.

`code` is the number answered in `<error><code>N</code>…`, in the vendor's published numbering
(the table is in docs/orgs.md). Tessera's own two kinds answer the code of the vendor kind they
fall under: a role cycle is an invalid reference (10), a delete of an organization with children
without `recursive=true` lacks an argument (1).
"""

from __future__ import annotations

from core.errors import DomainError


class OrgError(DomainError):
    code = 1
    status = 400
    kind = "invalid arguments"


class InvalidArgumentsError(OrgError):
    pass


class UnauthorizedError(OrgError):
    code, status, kind = 3, 403, "unauthorized"


class AlreadyExistsError(OrgError):
    code, status, kind = 4, 409, "already exists"


class ParentNotFoundError(OrgError):
    code, status, kind = 5, 404, "parent not found"


class EntityNotFoundError(OrgError):
    code, status, kind = 7, 404, "entity not found"


class ParentNotVirtualError(OrgError):
    code, status, kind = 8, 409, "parent not virtual"


class ParentNotNonVirtualError(OrgError):
    code, status, kind = 9, 409, "parent not non-virtual"


class InvalidReferenceError(OrgError):
    code, status, kind = 10, 400, "invalid reference"


class SizeLimitExceededError(OrgError):
    code, status, kind = 12, 400, "size limit exceeded"


class CycleRefusedError(OrgError):
    code, status, kind = 10, 409, "reference cycle"


class HasChildrenError(OrgError):
    code, status, kind = 1, 409, "has sub-organizations"
