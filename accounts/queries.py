"""Reads of the accounts context: the organization an account links to, and the accounts of
an organization (both ways in the admin)."""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery

from accounts.models import Account
from orgs.models import Organization


def top_level_organizations() -> QuerySet[Organization]:
    return Organization.objects.filter(parent__isnull=True)


def organization_of(account: Account) -> Organization | None:
    """The top-level CustomerID organization whose organizationId is the account's common
    id: a link read, never stored, so an organization made or removed later links or unlinks
    at once, and no organization is ever made for an account."""
    if not account.common_id:
        return None
    return top_level_organizations().filter(name=account.common_id).first()


def with_organization(accounts: QuerySet[Account]) -> QuerySet[Account]:
    """Accounts annotated with their organization's id and path (`organization_pk`,
    `organization_path`), in the same query."""
    linked = top_level_organizations().filter(name=OuterRef("common_id"))
    return accounts.annotate(organization_pk=Subquery(linked.values("pk")[:1]),
                             organization_path=Subquery(linked.values("path")[:1]))


def accounts_of(organization: Organization) -> QuerySet[Account]:
    """The account an organization links to (a top-level one only)."""
    if organization.parent_id is not None:
        return Account.objects.none()
    return Account.objects.filter(common_id=organization.name)
