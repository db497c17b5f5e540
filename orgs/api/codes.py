"""CustomerID's error numbers (spec 001): the `N` of `<error><code>N</code>…`, by error kind.

The vendor's published numbering (the table is in docs/orgs.md). The CustomerID views
(`orgs.api.base.CustomerIdView.error_numbers`) hand this table to the one exception handler,
which looks a refusal's kind up along its MRO; a kind not here (a generic core.errors kind, an
authentication failure, …) answers the number of its HTTP status
(`foundation.api.errors.CUSTOMERID_CODES`). Tessera's own two kinds answer the number of the
vendor kind they fall under: a role cycle is an invalid reference (10), a delete of an
organization with children without `recursive=true` lacks an argument (1).
"""

from __future__ import annotations

from orgs import errors

NUMBERS: dict[type[errors.OrgError], int] = {
    errors.OrgError: 1,
    errors.InvalidArgumentsError: 1,
    errors.UnauthorizedError: 3,
    errors.AlreadyExistsError: 4,
    errors.ParentNotFoundError: 5,
    errors.EntityNotFoundError: 7,
    errors.ParentNotVirtualError: 8,
    errors.ParentNotNonVirtualError: 9,
    errors.InvalidReferenceError: 10,
    errors.SizeLimitExceededError: 12,
    errors.CycleRefusedError: 10,
    errors.HasChildrenError: 1,
}
