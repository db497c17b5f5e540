"""import_orgs: organizations upserted by path, a parent before its children.

Columns: path, friendlyName, organizationType (or organizationClass), virtual, and the
configured custom attributes. A row checks as MOD001b/MOD003b check (orgs.services' rules);
a batch is written by orgs.bulk.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from django.utils import timezone

from audit.states import snapshot
from core.tree import subtree_q
from foundation.bulk.files import flag, text
from foundation.bulk.report import RowError
from foundation.bulk.run import Importer
from foundation.bulk.write import one_of
from orgs import bulk, conf
from orgs.attributes import attributes_apply, attributes_from_cells
from orgs.errors import OrgError
from orgs.models import MAX_DEPTH, Organization
from orgs.paths import org_path_clean
from orgs.services.organizations import (
    child_virtual,
    friendly_name_clean,
    type_clean,
    virtual_unchanged,
)

ORG_COLUMNS = ["path", "friendlyName", "organizationType", "virtual"]
ORG_KNOWN = frozenset(ORG_COLUMNS) | {"organizationClass"}


class OrgRow(NamedTuple):
    """A validated row (what the reading process hands over)."""

    line: int
    path: str
    name: str
    parent: str
    depth: int
    friendly_name: str
    org_type: str | None
    virtual: bool | None
    attributes: dict


class OrgImporter(Importer):
    """Upsert organizations by path. A parent must exist or come earlier in the file."""

    name = "orgs"

    def __init__(self, **options):
        super().__init__(**options)
        self.allowed = conf.organization_attributes()
        self._seen: set[str] = set()

    def validate(self, line: int, row: dict) -> OrgRow:
        path = org_path_clean((text(row, "path") or "").strip("/"))
        parts = path.split("/")
        if len(parts) > MAX_DEPTH:
            raise OrgError(f"deeper than {MAX_DEPTH} levels")
        friendly = friendly_name_clean(text(row, "friendlyName") or "")
        org_type = type_clean(text(row, "organizationType") or text(row, "organizationClass"))
        attrs = attributes_from_cells(row, ORG_KNOWN, self.allowed)
        attributes_apply({}, attrs, self.allowed, "organization")
        return OrgRow(line, path, parts[-1], "/".join(parts[:-1]), len(parts) - 1, friendly,
                      org_type or None, flag(row, "virtual"), attrs)

    def apply(self, rows: list[OrgRow], prepared: None = None) -> None:
        """Upsert one validated batch: one lookup, then the new organizations a level at a
        time (a parent before its children), and the updates."""
        now = timezone.now()
        paths = {r.path for r in rows} | {r.parent for r in rows if r.parent}
        known = {o.path: o for o in
                 Organization.objects.filter(one_of("path", paths)).order_by()}
        changed: list[tuple[dict, Organization]] = []
        levels: list[list[Organization]] = []
        seen: set[str] = set()
        for depth in sorted({r.depth for r in rows}):
            level: list[Organization] = []
            for r in (r for r in rows if r.depth == depth):
                if r.path in seen or r.path in self._seen:
                    raise RowError(r.line, f"{r.path!r} appears twice in the file")
                seen.add(r.path)
                try:
                    existing = known.get(r.path)
                    if existing is not None:
                        self._update(existing, r, changed)
                        continue
                    parent = known.get(r.parent) if r.parent else None
                    if r.parent and parent is None:
                        raise RowError(r.line, f"parent {r.parent!r} not found")
                    org = known[r.path] = Organization(
                        parent=parent, name=r.name, path=r.path, depth=r.depth,
                        friendly_name=r.friendly_name,
                        org_type=r.org_type or conf.default_organization_type(),
                        virtual=child_virtual(parent, r.virtual), attributes=r.attributes)
                    level.append(org)
                except OrgError as error:
                    raise RowError(r.line, error.message) from None
            levels.append(level)
        bulk.organizations_create(levels, now)
        bulk.organizations_update(changed, now)
        self.report.created += sum(map(len, levels))
        self._seen |= seen  # the batch is applied (a failed one may be retried without a row)

    def _update(self, org: Organization, r: OrgRow, changed: list) -> None:
        """A row of an existing organization: its fields replace, its attributes too."""
        virtual_unchanged(org, r.virtual)
        before = snapshot(org)
        org.friendly_name = r.friendly_name
        org.org_type = r.org_type or org.org_type
        org.attributes = r.attributes
        if snapshot(org) == before:
            self.report.unchanged += 1
            return
        changed.append((before, org))
        self.report.updated += 1


def org_rows(root: str | None = None) -> Iterator[dict]:
    """Organizations as import_orgs reads them (the whole tree, or one subtree)."""
    qs = Organization.objects.order_by("path")
    if root:
        qs = qs.filter(subtree_q(root))
    for org in qs.iterator(chunk_size=2000):
        row = {"path": org.path, "friendlyName": org.friendly_name,
               "organizationType": org.org_type, "virtual": "true" if org.virtual else "false"}
        row.update({k: ",".join(v) for k, v in org.attributes.items()})
        yield row
