"""Console reads of the organization tree: per-node counts, the tree as nested nodes, and
what a recursive removal takes (the confirmation page). Each is a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from core.tree import subtree_q
from orgs.models import Organization, OrgUser, Role

# the tree page shows at most this many organizations (path order: depth first); below a
# node it is rooted there (`?root=`)
TREE_LIMIT = 2000


def _count_of(model, fk: str):
    rows = (model.objects.filter(**{fk: OuterRef("pk")}).order_by().values(fk)
            .annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def with_counts(orgs: QuerySet[Organization]) -> QuerySet[Organization]:
    """Each organization with `n_users`, `n_roles` and `n_children` (one query, however many
    rows: a correlated count each, over the foreign keys' indexes)."""
    return orgs.annotate(n_users=_count_of(OrgUser, "organization"),
                         n_roles=_count_of(Role, "organization"),
                         n_children=_count_of(Organization, "parent"))


@dataclass
class Node:
    org: Organization
    children: list[Node] = field(default_factory=list)


def tree(root: Organization | None = None, *, limit: int = TREE_LIMIT) -> tuple[list[Node], bool]:
    """The tree (below `root`, itself included) as nested nodes with counts, and whether it
    was cut at `limit` organizations. One query: paths sort depth first."""
    orgs = Organization.objects.order_by("path")
    if root is not None:
        orgs = orgs.filter(subtree_q(root.path))
    rows = list(with_counts(orgs)[:limit + 1])
    cut = len(rows) > limit
    tops: list[Node] = []
    by_id: dict[int, Node] = {}
    for org in rows[:limit]:
        node = by_id[org.pk] = Node(org)
        parent = by_id.get(org.parent_id)
        (parent.children if parent is not None else tops).append(node)
    return tops, cut


@dataclass(frozen=True)
class Subtree:
    """What removing organizations recursively removes."""

    organizations: list[Organization]
    users: list[OrgUser]
    roles: list[Role]


def subtree_of(orgs: list[Organization]) -> Subtree:
    """The organizations under `orgs` (themselves included), their users and roles (three
    queries whatever the size)."""
    within = None
    for org in orgs:
        within = subtree_q(org.path) if within is None else within | subtree_q(org.path)
    if within is None:
        return Subtree([], [], [])
    found = Organization.objects.filter(within).order_by("path")
    ids = found.values("pk")
    return Subtree(
        organizations=list(found),
        users=list(OrgUser.objects.filter(organization__in=ids)
                   .select_related("organization", "identity").order_by("organization__path",
                                                                         "name")),
        roles=list(Role.objects.filter(organization__in=ids).select_related("organization")
                   .order_by("organization__path", "name")),
    )
