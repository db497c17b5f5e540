"""Operator console of the organization tree. Every write goes through orgs.services;
`tree` holds the console's reads of the tree (counts, nesting, what a removal takes)."""

from orgs.admin import organizations  # noqa: F401 (registers)
from orgs.admin.organizations import OrganizationAdmin

__all__ = ["OrganizationAdmin"]
