"""import_authorisations: authorisations upserted from CSV or NDJSON.

A row is the API's JSON shape (in CSV a party's type and value are two columns,
`subject.type` and `subject.value`), checked by the API's own `clean_authorisation`, plus the
import-only `id`, `revoked`, `revokedAt` and `revocationDetails`. A row with an `id` updates
that authorisation (or creates it with that id); a row without one matches a live
authorisation with the same namespace, type, subject, object and validity (`natural_key`)
and otherwise creates one. Rows that change nothing write nothing. References (types,
sources, identities) are resolved per batch; the writes are authorisations.services.bulk's.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from authorisations.export import COLUMNS
from authorisations.models import (
    RESERVED_NAMESPACES,
    Authorisation,
    AuthorisationSource,
    AuthorisationType,
    Namespace,
)
from authorisations.queries.references import ITEMS, Resolver, live_held, unknown, user_sides
from authorisations.services import bulk
from authorisations.services.authorisations import (
    STATE_FIELDS,
    authorisation_change_check,
    authorisation_values,
)
from authorisations.validation import clean_authorisation, instant
from foundation.bulk.report import RowError, RowErrors
from foundation.bulk.run import Importer
from foundation.bulk.worker import row_problem
from foundation.bulk.write import one_of


class Parsed(NamedTuple):
    """A validated row (what the reading process hands over), its references resolved."""

    line: int
    namespace_id: int
    data: dict[str, Any]
    pk: uuid.UUID | None
    revoked: bool
    revoked_at: datetime | None
    details: str | None
    type_id: uuid.UUID
    source_id: uuid.UUID | None


class Handed(NamedTuple):
    """What the importing process gets of a valid row: its parsed values (datetimes, UUIDs,
    a dict) cost more to send between processes than the rest of its import, so only what
    every row needs goes; the few rows that match an existing authorisation compare the
    values of the new one prepared for them (`NewAuthorisations.candidate`)."""

    line: int
    pk: uuid.UUID | None
    namespace_id: int
    users: tuple[tuple[str, str], ...]  # ("subject" or "object", the identity id named)


class AuthorisationImporter(Importer):
    name = "authorisations"
    batch_size = 10_000

    def __init__(self, *, default_namespace: str | None = None, **options):
        super().__init__(**options)
        self.default_ns = default_namespace
        self.namespaces = {n.code: n for n in Namespace.objects.all()}
        self.by_id = {n.pk: n for n in self.namespaces.values()}
        # types and sources as they stand when the import begins: resolved while reading
        self.resolver = Resolver()
        self.resolver.load_catalog()
        self.as_copy = connection.vendor == "postgresql"
        self.creator = f"command:import_{self.name}"  # as the change records' origin

    def check_header(self, header: Sequence[str]) -> None:
        unknown = [name for name in header if name not in COLUMNS]
        if unknown:
            raise RowError(1, f"unknown column(s) {', '.join(unknown)}; expected "
                              f"{', '.join(COLUMNS)}")

    # --- reading (no database) -------------------------------------------------------------------

    def validate(self, line: int, row: dict) -> Parsed:
        body = csv_body(row) if self.format == "csv" else dict(row)
        pk, revoked, revoked_at, details = meta(body)
        data = clean_authorisation(body)
        code = data.get("ns_code") or self.default_ns
        if not code:
            raise ValidationError({"nsCode": ["This field is required (or give --namespace)."]})
        namespace = self.namespaces.get(code)
        if namespace is None:
            raise ValidationError({"nsCode": [f"Unknown namespace {code!r}."]})
        if namespace.code in RESERVED_NAMESPACES:
            raise ValidationError({"nsCode": [f"Namespace {code!r} is reserved (it mirrors "
                                              "Ainua account bindings)."]})
        refs = self.resolver.resolve(namespace, data, identities=False)
        source = refs.get("source")
        return Parsed(line, namespace.pk, data, pk, revoked, revoked_at, details,
                      refs["type"].pk, source.pk if source is not None else None)

    def hand_over(self, row: Parsed) -> Handed:
        return Handed(row.line, row.pk, row.namespace_id, user_sides(row.data))

    def prepare(self, rows: list[Parsed]) -> bulk.NewAuthorisations | None:
        """Each row as a new authorisation (what most rows of a file turn out to be), with its
        change record, encoded here: the importing process only picks and sends them."""
        now = timezone.now()
        lines, new, refused = [], [], []
        ids = new_ids(len(rows))
        for row in rows:
            try:
                candidate = self.candidate(row, now)
            except ValidationError as error:  # a window the services refuse at `now`
                refused.append((row.line, row_problem(error)))
                continue
            if not row.pk:
                candidate.id = next(ids)
            lines.append(row.line)
            new.append(candidate)
        return bulk.authorisations_prepare(lines, new, now, refused, as_copy=self.as_copy)

    def candidate(self, row: Parsed, now: datetime) -> bulk.NewRow:
        """The row as the authorisation it makes (the services' `authorisation_values`)."""
        namespace = self.by_id[row.namespace_id]
        refs = {"type": self.resolver.types[(namespace.pk, row.data["type_code"])]}
        if row.source_id is not None:
            refs["source"] = self.resolver.sources[(namespace.pk, row.data["source_code"])]
        candidate = bulk.NewRow(authorisation_values(namespace=namespace, data=row.data,
                                                     refs=refs, now=now,
                                                     creator=self.creator))
        candidate.id = row.pk
        if row.revoked:
            candidate.revoked = True
            candidate.revoked_at = row.revoked_at or now
            candidate.revocation_details = row.details
        return candidate

    # --- writing ---------------------------------------------------------------------------------

    def apply(self, rows: list[Handed], prepared: bulk.NewAuthorisations) -> None:
        """Check the identities rows name, match rows to existing authorisations (by id, else
        by natural key), check each change; refuse the batch's bad rows before anything is
        written (RowErrors), else write its new rows (as prepared) and its changed ones.
        The types and sources the rows use are held (`references.live_held`) until the import
        commits; a row that writes one deleted since the import began is refused."""
        errors: list[RowError] = []
        gone = (prepared.type_ids - live_held(AuthorisationType, prepared.type_ids)) | (
            prepared.source_ids - live_held(AuthorisationSource, prepared.source_ids))
        self.resolver.check_identities(value for row in rows for _, value in row.users)
        key_of = dict(zip(prepared.lines, prepared.keys, strict=True))
        given = [row.pk for row in rows if row.pk]
        by_id = Authorisation.objects.in_bulk(given) if given else {}
        keys = [key_of[row.line] for row in rows if not row.pk and row.line in key_of]
        by_key = {a.natural_key: a for a in Authorisation.objects.alive().filter(
            one_of("natural_key", keys)).order_by()} if keys else {}
        creates: dict[Any, int] = {}  # id or natural key -> line
        changed: dict[Any, tuple[Authorisation, Authorisation]] = {}  # pk -> (before, after)
        refused = dict(prepared.refused)
        matched: list[tuple[Handed, Authorisation]] = []
        for row in rows:
            problems = self.resolver.user_errors(row.users)
            if problems or row.line in refused:
                message = row_problem(ValidationError(problems)) if problems else ""
                errors.append(RowError(row.line, "; ".join(
                    m for m in (message, refused.get(row.line, "")) if m)))
                continue
            key = row.pk or key_of[row.line]
            existing = (by_id if row.pk else by_key).get(key)
            if existing is not None:
                matched.append((row, existing))
            elif key in creates:
                self.report.unchanged += 1  # a repeat within the batch: the first wins
            else:
                creates[key] = row.line
        candidates = prepared.candidates([row.line for row, _ in matched])
        for row, existing in matched:
            candidate = candidates[row.line]
            differs = candidate_differs(existing, candidate)
            existing.namespace = self.by_id[existing.namespace_id]  # known: no query
            try:
                authorisation_change_check(
                    existing, namespace_code=self.by_id[row.namespace_id].code,
                    changes=differs)
            except Exception as error:
                problem = row_problem(error)
                if problem is None:
                    raise
                errors.append(RowError(row.line, problem))
                continue
            if existing.pk in changed or not differs:
                self.report.unchanged += 1
                continue
            problem = self.item_gone(candidate, gone)
            if problem:
                errors.append(RowError(row.line, problem))
                continue
            before = Authorisation(**{n: getattr(existing, n) for n in STATE_FIELDS},
                                   id=existing.pk, natural_key=existing.natural_key)
            for name in bulk.CHANGEABLE:
                setattr(existing, name, getattr(candidate, name))
            changed[existing.pk] = (before, existing)
        if gone:
            for line, candidate in prepared.candidates(sorted(creates.values())).items():
                problem = self.item_gone(candidate, gone)
                if problem:
                    errors.append(RowError(line, problem))
        if errors:
            raise RowErrors(errors)
        bulk.authorisations_create(prepared, sorted(creates.values()))
        bulk.authorisations_change(list(changed.values()), prepared.now)
        self.report.created += len(creates)
        self.report.updated += len(changed)

    def item_gone(self, candidate: bulk.NewRow, gone: set) -> str | None:
        """Why the row is bad if it writes a type or source among `gone`; None otherwise."""
        if not gone:
            return None
        namespace = self.by_id[candidate.namespace_id]
        problems = {}
        for key, field, _, noun in ITEMS:
            item_id = getattr(candidate, f"{key}_id")
            if item_id in gone:
                catalog = self.resolver.types if key == "type" else self.resolver.sources
                code = next(item.code for item in catalog.values() if item.pk == item_id)
                problems[field] = [unknown(noun, code, namespace)]
        return row_problem(ValidationError(problems)) if problems else None


def candidate_differs(existing: Authorisation, candidate: bulk.NewRow) -> bool:
    """Revocation stamps are not compared: revocation is final and happens once."""
    return candidate.revoked != existing.revoked or any(
        getattr(existing, name) != getattr(candidate, name) for name in bulk.CHANGEABLE[:9])


def csv_body(row: dict[str, str]) -> dict[str, Any]:
    """A CSV row as the API's JSON body: empty cells are null, absent columns absent, a
    party's two columns one object."""
    body: dict[str, Any] = {}
    for side in ("subject", "object"):
        if f"{side}.type" in row or f"{side}.value" in row:
            body[side] = {"type": row.get(f"{side}.type", ""),
                          "value": row.get(f"{side}.value", "")}
    for key, value in row.items():
        if "." not in key:
            body[key] = value if value != "" else None
    if "authType" in body and body["authType"] is None:
        body["authType"] = ""  # required: "blank", not "missing"
    return body


def meta(body: dict[str, Any]) -> tuple[uuid.UUID | None, bool, datetime | None, str | None]:
    """The import-only fields: `id`, `revoked`, `revokedAt`, `revocationDetails`."""
    errors: dict[str, list[str]] = {}
    pk = revoked_at = None
    raw_id = body.pop("id", None)
    if raw_id not in (None, ""):
        try:
            pk = uuid.UUID(str(raw_id))
        except ValueError:
            errors["id"] = [f"{str(raw_id)[:40]!r} is not a UUID."]
    raw_revoked = body.pop("revoked", None)
    if raw_revoked in (None, "", False, "false", "False"):
        revoked = False
    elif raw_revoked in (True, "true", "True"):
        revoked = True
    else:
        revoked = False
        errors["revoked"] = ["Expected true or false."]
    raw_at = body.pop("revokedAt", None)
    if raw_at not in (None, ""):
        try:
            revoked_at = instant(raw_at)
        except ValueError as error:
            errors["revokedAt"] = [str(error)]
    details = body.pop("revocationDetails", None)
    if details is not None and (not isinstance(details, str) or len(details) > 2000
                                or "\x00" in details):
        errors["revocationDetails"] = ["Expected a string of at most 2000 characters."]
    if errors:
        raise ValidationError(errors)
    return pk, revoked, revoked_at, details


def new_ids(n: int) -> Iterator[uuid.UUID]:
    """`n` random (version 4) UUIDs, as `uuid.uuid4` makes them, from one read of the system's
    random source (a read per row was a system call per row)."""
    pool = os.urandom(16 * n)
    for start in range(0, 16 * n, 16):
        yield uuid.UUID(bytes=pool[start:start + 16], version=4)
