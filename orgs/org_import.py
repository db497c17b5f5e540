"""import_orgs / export_orgs: organizations upserted by path, a parent before its children."""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from audit.models import ChangeRecord
from audit.services import Change, record_bulk
from orgs import conf
from orgs.errors import OrgError
from orgs.fastinsert import one_of
from orgs.models import MAX_DEPTH, Organization, Role
from orgs.paths import org_path_clean
from orgs.rows import BATCH, Report, RowError, attributes, flag, text
from orgs.services import attributes_apply

ORG_COLUMNS = ["path", "friendlyName", "organizationType", "virtual"]
ORG_KNOWN = frozenset(ORG_COLUMNS) | {"organizationClass"}


class OrgRow(NamedTuple):
    """A validated row (what the reading worker hands over)."""

    line: int
    path: str
    name: str
    parent: str
    depth: int
    friendly_name: str
    org_type: str
    virtual: bool | None
    attributes: dict


class OrgImporter:
    """Upsert organizations by path. A parent must exist or come earlier in the file."""

    def __init__(self, *, skip_bad_rows: bool = False):
        self.skip_bad_rows = skip_bad_rows
        self.report = Report()
        self.types = conf.organization_types()
        self.allowed = conf.organization_attributes()
        self._seen: set[str] = set()

    def validate(self, line: int, row: dict) -> OrgRow:
        try:
            path = org_path_clean((text(row, "path") or "").strip("/"))
            parts = path.split("/")
            if len(parts) > MAX_DEPTH:
                raise RowError(line, f"deeper than {MAX_DEPTH} levels")
            friendly = text(row, "friendlyName") or ""
            if not friendly or len(friendly) > 256:
                raise RowError(line, "friendlyName is mandatory (at most 256 characters)")
            org_type = text(row, "organizationType") or text(row, "organizationClass") or ""
            if org_type and org_type not in self.types:
                raise RowError(line, f"unknown organizationType {org_type[:64]!r}")
            attrs = attributes(row, self.allowed, ORG_KNOWN, line)
            attributes_apply({}, attrs, self.allowed, "organization")
            virtual = flag(row, "virtual", line)
        except OrgError as error:
            raise RowError(line, error.message) from None
        return OrgRow(line, path, parts[-1], "/".join(parts[:-1]), len(parts) - 1, friendly,
                      org_type, virtual, attrs)

    def prepare(self, rows: list[OrgRow]) -> None:
        """Nothing to prepare for a batch beyond its rows (see orgs.bulk.Checked)."""
        return None

    def apply(self, rows: list[OrgRow], prepared: None = None) -> None:
        """Upsert one validated batch: 2 lookups, then per depth one bulk insert, and bulk
        updates, type roles and change records."""
        paths = {r.path for r in rows} | {r.parent for r in rows if r.parent}
        known = {o.path: o for o in
                 Organization.objects.filter(one_of("path", paths)).order_by()}
        changes: list[Change] = []
        to_update: list[Organization] = []
        seen: set[str] = set()
        for depth in sorted({r.depth for r in rows}):
            new: list[Organization] = []
            for r in (r for r in rows if r.depth == depth):
                if r.path in seen or r.path in self._seen:
                    raise RowError(r.line, f"{r.path!r} appears twice in the file")
                seen.add(r.path)
                existing = known.get(r.path)
                if existing is not None:
                    self._update(existing, r, to_update, changes)
                    continue
                parent = known.get(r.parent) if r.parent else None
                if r.parent and parent is None:
                    raise RowError(r.line, f"parent {r.parent!r} not found")
                virtual = r.virtual if r.virtual is not None else bool(parent and parent.virtual)
                if parent is not None and virtual != parent.virtual:
                    raise RowError(r.line, "a sub-organization must be virtual exactly "
                                           "when its parent is")
                new.append(Organization(
                    parent=parent, name=r.name, path=r.path, depth=r.depth,
                    friendly_name=r.friendly_name,
                    org_type=r.org_type or conf.default_organization_type(), virtual=virtual,
                    attributes=r.attributes))
            Organization.objects.bulk_create(new, batch_size=BATCH)
            for org in new:
                known[org.path] = org
                changes.append(Change(action=ChangeRecord.Action.IMPORT,
                                      object_type="orgs.organization", object_id=str(org.pk),
                                      object_repr=org.path, after=_org_dict(org)))
            self.report.created += len(new)
        if to_update:
            Organization.objects.bulk_update(
                to_update, ["friendly_name", "org_type", "attributes"], batch_size=BATCH)
        self._type_roles([o for o in known.values() if o.path in seen], changes)
        record_bulk(changes, copy=True)
        self._seen |= seen  # the batch is applied (a failed one may be retried without a row)

    def _update(self, org: Organization, r: OrgRow, to_update: list, changes: list) -> None:
        if r.virtual is not None and r.virtual != org.virtual:
            raise RowError(r.line, "virtual cannot change on an existing organization")
        before = _org_dict(org)
        org.friendly_name = r.friendly_name
        org.org_type = r.org_type or org.org_type
        org.attributes = r.attributes
        after = _org_dict(org)
        if after == before:
            self.report.unchanged += 1
            return
        to_update.append(org)
        self.report.updated += 1
        changes.append(Change(action=ChangeRecord.Action.UPDATE, object_type="orgs.organization",
                              object_id=str(org.pk), object_repr=org.path, before=before,
                              after=after))

    def _type_roles(self, orgs: list[Organization], changes: list[Change]) -> None:
        wanted = {(o.pk, name) for o in orgs for name in self.types.get(o.org_type, [])}
        if not wanted:
            return
        have = set(Role.objects.filter(organization__in=[o.pk for o in orgs if
                                                         self.types.get(o.org_type)])
                   .values_list("organization_id", "name"))
        new = [Role(organization_id=org_id, name=name) for org_id, name in sorted(wanted - have)]
        Role.objects.bulk_create(new, batch_size=BATCH)
        changes.extend(Change(action=ChangeRecord.Action.IMPORT, object_type="orgs.role",
                              object_id=str(role.pk), object_repr=role.name,
                              after={"organization": role.organization_id, "name": role.name})
                       for role in new)


def _org_dict(org: Organization) -> dict:
    return {"path": org.path, "friendly_name": org.friendly_name, "org_type": org.org_type,
            "virtual": org.virtual, "attributes": org.attributes}


def org_rows(root: str | None = None) -> Iterator[dict]:
    qs = Organization.objects.order_by("path")
    if root:
        from orgs.queries import subtree_q

        qs = qs.filter(subtree_q(root))
    for org in qs.iterator(chunk_size=BATCH):
        row = {"path": org.path, "friendlyName": org.friendly_name,
               "organizationType": org.org_type, "virtual": "true" if org.virtual else "false"}
        row.update({k: ",".join(v) for k, v in org.attributes.items()})
        yield row
