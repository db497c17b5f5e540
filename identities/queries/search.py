"""The identity search of the DFS surface (`POST /v1.0/identities/search`, spec 003): one
query builder over the identities a client reaches, with its term, filters, scope and sort.

A term matches case-insensitively anywhere in the chosen field(s); on PostgreSQL the text
columns it reads carry `pg_trgm` GIN indexes (identities 0008) so that `LIKE '%term%'` uses
them. Decisions: docs/identities.md ("Identity search")."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import CharField, Count, Exists, F, Func, Max, OuterRef, Q, QuerySet
from django.db.models.expressions import OrderBy, RawSQL

from foundation.reach import Reach
from identities.models import TENANTS, Identity, IdentityProvider, IdentityRole, Member, Tenant

# SearchIdentityBy → what the term is matched against ("All": every one of them)
TEXT_FIELDS = {"FirstName": "first_name", "LastName": "last_name", "UserName": "username",
               "Email": "email"}
SEARCH_BY = [*TEXT_FIELDS, "IdentityProviderName", "RoleName", "FullName", "All"]
SORT_FIELDS = {"FirstName": "first_name", "LastName": "last_name", "UserName": "username",
               "Email": "email"}


class FullName(Func):
    """`first_name || ' ' || last_name`, written as the PostgreSQL trigram index on it is
    (identities 0008), so that the planner matches the two (Concat would add COALESCEs)."""

    template = "(%(expressions)s)"
    arg_joiner = " || ' ' || "
    output_field = CharField()

    def __init__(self) -> None:
        super().__init__(F("first_name"), F("last_name"))


FULL_NAME = FullName()


@dataclass(frozen=True)
class IdentitySearch:
    """The criteria of a search (the body's fields, parsed)."""

    term: str | None = None
    search_by: str = "All"
    first_name: str | None = None
    last_name: str | None = None
    role_ids: Sequence[int] | None = None
    identity_ids: Sequence[Any] | None = None
    all_tenants: bool = False
    inactive: bool = False
    system_accounts: bool = False
    sort: str | None = None
    descending: bool = False


def _term_q(term: str, search_by: str) -> Q:
    """The term against one field or all of them. The provider and the (home) role are small
    catalogs: their matching ids are read first (one query each), so that the planner can
    OR index scans. "All" reads the full name for the first and last names (each is in it)."""
    def catalog(field: str, model: type) -> Q:
        ids = list(model.objects.filter(name__icontains=term).values_list("id", flat=True))
        return Q(**{f"{field}__in": ids})

    if search_by in TEXT_FIELDS:
        return Q(**{f"{TEXT_FIELDS[search_by]}__icontains": term})
    if search_by == "IdentityProviderName":
        return catalog("identity_provider_id", IdentityProvider)
    if search_by == "RoleName":
        return catalog("identity_role_id", IdentityRole)
    if search_by == "FullName":
        return Q(full_name__icontains=term)
    return (Q(username__icontains=term) | Q(email__icontains=term)
            | Q(full_name__icontains=term) | catalog("identity_provider_id", IdentityProvider)
            | catalog("identity_role_id", IdentityRole))


def identities_query(tenants: Reach, *, criteria: IdentitySearch,
                     default_tenant: Tenant | None) -> QuerySet:
    """The identities matching `criteria` that the client reaches, sorted (the id breaks
    ties); one query for a page whatever its size. Scope: the members of the client's default
    tenant, or with `all_tenants` of every tenant it reaches (every identity with the global
    tenant permission). People only, plus service accounts with `system_accounts`; never the
    admin's operators. Without `inactive`, only active identities: sign-in enabled and an
    enabled member in scope."""
    tenants.expect(TENANTS)
    kinds = [Identity.Kind.PERSON] + ([Identity.Kind.SERVICE] if criteria.system_accounts
                                      else [])
    rows = Identity.objects.filter(kind__in=kinds, is_staff=False, is_superuser=False)
    members = Member.objects.filter(identity=OuterRef("pk"))
    if not criteria.all_tenants:
        if default_tenant is None:
            return Identity.objects.none()
        members = members.filter(tenant=default_tenant)
    elif not tenants.everything:
        members = members.filter(tenants.q("tenant"))
    scoped = not (criteria.all_tenants and tenants.everything)
    if not criteria.inactive:
        rows = rows.filter(is_active=True)
        members = members.filter(is_enabled=True)
        scoped = True
    if criteria.role_ids:
        members = members.filter(identity_role_id__in=list(criteria.role_ids))
        scoped = True
    if scoped:
        rows = rows.filter(Exists(members))
    if criteria.identity_ids:  # [] (the sample sends it) filters nothing, as RoleIds
        rows = rows.filter(pk__in=list(criteria.identity_ids))
    if criteria.first_name:
        rows = rows.filter(first_name__icontains=criteria.first_name)
    if criteria.last_name:
        rows = rows.filter(last_name__icontains=criteria.last_name)
    if criteria.term:
        if criteria.search_by in ("FullName", "All"):
            rows = rows.alias(full_name=FULL_NAME)
        rows = rows.filter(_term_q(criteria.term, criteria.search_by))
    return rows.order_by(*_order(criteria, F(_sort_field(criteria))))


def _sort_field(criteria: IdentitySearch) -> str:
    return SORT_FIELDS.get(criteria.sort or "", "username")


def _order(criteria: IdentitySearch, field: Any) -> list[OrderBy]:
    return [OrderBy(field, descending=criteria.descending),
            OrderBy(F("id"), descending=criteria.descending)]


class Unindexed(Func):
    """`(column || '')`: the column's value and order, which no index answers."""

    template = "(%(expressions)s || '')"
    output_field = CharField()


def count_and_order(rows: QuerySet, criteria: IdentitySearch) -> tuple[int, QuerySet]:
    """The number of matches (one query) and `rows` ordered for reading one page of them.

    A page sorted by a field with an index (identities 0012) can be read by walking that
    index and stopping after the page, or by sorting the matches. The planner prefers the
    walk when it thinks matches are spread evenly, but a term's matches cluster in sort order
    (a last-name fragment sorted by last name), and the walk then reads every row before them
    (0.7 s for a page of 50,000 Svenssons among 1,000,000). The count decides instead: when
    the matches are more than half the table, the walk reads at most the other half before a
    page; otherwise the matches are sorted (the index is kept out of the plan). The table's
    size is an estimate read in the count's query: PostgreSQL's `reltuples`, SQLite's
    greatest rowid."""
    table = Identity._meta.db_table
    estimate = (f"(SELECT reltuples FROM pg_class WHERE oid = '{table}'::regclass)"
                if connection.vendor == "postgresql" else f"(SELECT MAX(rowid) FROM {table})")
    counted = rows.order_by().aggregate(total=Count("pk"), table=Max(RawSQL(estimate, [])))
    total, size = counted["total"], counted["table"] or 0  # never analysed: -1, so a walk
    if total * 2 > size:
        return total, rows
    return total, rows.order_by(*_order(criteria, Unindexed(F(_sort_field(criteria)))))


def default_members(tenant: Tenant | None, identities: Sequence[Identity]) -> dict[Any, Member]:
    """The members of `tenant` of a page of identities, by identity id (one query)."""
    if tenant is None or not identities:
        return {}
    rows = Member.objects.select_related("identity_role").filter(
        tenant=tenant, identity_id__in=[identity.pk for identity in identities])
    return {member.identity_id: member for member in rows}
