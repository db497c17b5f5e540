"""Every write to the organization tree: one function per use case, in a transaction, audited.

The API, the admin and the import commands all call these (the imports through the bulk
services of `orgs.bulk`, which use the same rules). Callers resolve paths (and check the
client's reach) through `orgs.queries`; services take model instances and raise `orgs.errors`.

    organizations   create, update, remove (with their subtrees); type roles; subtree grants
    roles           roles and memberOf; role assignments
    users           the CustomerID users: their fields' rules, state, create, update, remove
    removal         tombstones and deletes of whole sets, in a fixed number of statements
"""

from orgs.services.organizations import (
    Removed,
    organization_create,
    organization_delete,
    organization_update,
    subtree_grant,
    subtrees_grant,
)
from orgs.services.roles import (
    assignment_create,
    assignment_delete,
    role_delete,
    role_member_of_set,
    role_put,
)
from orgs.services.users import UserFields, user_create, user_delete, user_update

__all__ = [
    "Removed",
    "UserFields",
    "assignment_create",
    "assignment_delete",
    "organization_create",
    "organization_delete",
    "organization_update",
    "role_delete",
    "role_member_of_set",
    "role_put",
    "subtree_grant",
    "subtrees_grant",
    "user_create",
    "user_delete",
    "user_update",
]
