"""Bulk import and export of authorisations (CSV or NDJSON), in constant memory.

Rows are read as the API's JSON shapes and checked by the same `clean_authorisation`; references
are resolved per batch (a fixed number of queries per batch, whatever its size). Upsert: a row
with an `id` updates that authorisation (or creates it with that id); a row without one matches a
live authorisation with the same namespace, type, subject, object and validity (`natural_key`)
and otherwise creates one. Rows that change nothing write nothing.
"""

from __future__ import annotations

import csv
import itertools
import json
import os
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from audit.models import ChangeRecord
from audit.services import Change, record_bulk
from authorisations.models import Authorisation, AuthorisationVersion, Namespace, SubjectType
from authorisations.queries import AUTHORISATION_ATTRS, scim_q
from authorisations.references import Resolver
from authorisations.services import STATE_FIELDS, authorisation_values, version_of
from authorisations.validation import clean_authorisation, instant

Action = ChangeRecord.Action
CREATE = Action.CREATE
COLUMNS = ["id", "nsCode", "authType", "authSource", "subject.type", "subject.value",
           "object.type", "object.value", "validFrom", "validTo", "revoked", "revokedAt",
           "revocationDetails"]
COMPARED = ["type_id", "source_id", "subject_type", "subject_value", "object_type",
            "object_value", "valid_from", "valid_to", "revoked", "revoked_at",
            "revocation_details"]
OBJECT_TYPE = "authorisations.authorisation"
MAX_REPORTED = 50


class RollbackError(Exception):
    """Raised inside the transaction to roll it back (a bad row, or a dry run)."""


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    invalid: int = 0
    errors: list[str] = field(default_factory=list)
    written: bool = False

    def error(self, line: int, message: str) -> None:
        self.invalid += 1
        if len(self.errors) < MAX_REPORTED:
            self.errors.append(f"line {line}: {message}")


# --- reading ------------------------------------------------------------------------------------

def read_rows(stream: IO[str], fmt: str) -> Iterator[tuple[int, Any]]:
    """(line number, JSON-like row) pairs; a row that cannot be read is an Exception value."""
    if fmt == "ndjson":
        for number, line in enumerate(stream, 1):
            if line.strip():
                try:
                    yield number, json.loads(line)
                except ValueError as error:
                    yield number, ValueError(f"not valid JSON ({error.msg})")
        return
    reader = csv.reader(stream)
    header = next(reader, [])
    unknown = [name for name in header if name not in COLUMNS]
    if unknown:
        yield 1, ValueError(f"unknown column(s) {', '.join(unknown)}; expected "
                            f"{', '.join(COLUMNS)}")
        return
    width = len(header)
    build = csv_body_builder(header)
    for values in reader:
        if not values:
            continue  # a blank line (as csv.DictReader skips it)
        if len(values) > width:
            yield reader.line_num, ValueError("more values than columns")
            continue
        if len(values) < width:
            values = [*values, *[None] * (width - len(values))]
        yield reader.line_num, build(values)


def csv_body_builder(header: list[str]) -> Callable[[list[str | None]], dict[str, Any]]:
    """`csv_to_body` for rows of this header, with the column positions worked out once (it
    runs per row of an import)."""
    index = {name: i for i, name in enumerate(header)}
    sides = [(side, index.get(f"{side}.type"), index.get(f"{side}.value"))
             for side in ("subject", "object")
             if f"{side}.type" in index or f"{side}.value" in index]
    plain = [(name, i) for i, name in enumerate(header) if "." not in name]
    blank_type = "authType" in index

    def build(values: list[str | None]) -> dict[str, Any]:
        body: dict[str, Any] = {}
        for side, type_at, value_at in sides:
            body[side] = {"type": "" if type_at is None else values[type_at],
                          "value": "" if value_at is None else values[value_at]}
        for name, i in plain:
            value = values[i]
            body[name] = value if value != "" else None
        if blank_type and body["authType"] is None:
            body["authType"] = ""
        return body

    return build


def csv_to_body(row: dict[str, str]) -> dict[str, Any]:
    """A CSV row as the JSON body (empty cells are null; absent columns are absent)."""
    body: dict[str, Any] = {}
    for side in ("subject", "object"):
        if f"{side}.type" in row or f"{side}.value" in row:
            body[side] = {"type": row.get(f"{side}.type", ""),
                          "value": row.get(f"{side}.value", "")}
    for key, value in row.items():
        if "." not in key:
            body[key] = value if value != "" else None
    if body.get("authType") is None and "authType" in body:
        body["authType"] = ""
    return body


# --- one row ------------------------------------------------------------------------------------

@dataclass
class Parsed:
    line: int
    namespace: Namespace
    data: dict[str, Any]
    pk: uuid.UUID | None
    revoked: bool
    revoked_at: datetime | None
    details: str | None


def parse_row(line: int, raw: Any, namespaces: dict[str, Namespace],
              default_ns: str | None) -> Parsed:
    if isinstance(raw, Exception):
        raise ValidationError(str(raw))
    if not isinstance(raw, dict):
        raise ValidationError("expected a JSON object")
    body = dict(raw)
    pk, revoked, revoked_at, details = meta(body)
    data = clean_authorisation(body)
    code = data.get("ns_code") or default_ns
    if not code:
        raise ValidationError({"nsCode": ["This field is required (or give --namespace)."]})
    namespace = namespaces.get(code)
    if namespace is None:
        raise ValidationError({"nsCode": [f"Unknown namespace {code!r}."]})
    return Parsed(line, namespace, data, pk, revoked, revoked_at, details)


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


def message_of(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(f"{key}: {' '.join(msgs)}" for key, msgs in error.message_dict.items())
    return "; ".join(error.messages)


# --- batches ------------------------------------------------------------------------------------

class Importer:
    """Validate and apply rows batch by batch inside the caller's transaction."""

    def __init__(self, *, default_namespace: str | None = None, batch_size: int = 10_000,
                 partial: bool = False, progress: Callable[[int], None] | None = None):
        self.default_ns = default_namespace
        self.batch_size = batch_size
        self.partial = partial
        self.progress = progress or (lambda n: None)
        self.namespaces = {n.code: n for n in Namespace.objects.all()}
        self.resolver = Resolver()
        self.known_refs: dict[tuple, dict[str, Any]] = {}
        self.report = ImportReport()

    def run(self, rows: Iterable[tuple[int, Any]]) -> ImportReport:
        """Apply the rows batch by batch. The next batch is read and validated (pure Python, no
        database) a row at a time while this batch's change records stream to the database,
        so the database's work overlaps the reading instead of following it."""
        source = iter(rows)
        pending = Lookahead(source, self).finish()
        while pending[0]:
            ahead = Lookahead(source, self)
            self.batch(*pending, ahead=ahead)
            pending = ahead.finish()
        return self.report

    @property
    def writing(self) -> bool:
        return self.partial or self.report.invalid == 0

    def parse(self, line: int, raw: Any, parsed: list[Parsed],
              errors: list[tuple[int, str]]) -> None:
        """Read and validate one row (no database access)."""
        try:
            parsed.append(parse_row(line, raw, self.namespaces, self.default_ns))
        except ValidationError as error:
            errors.append((line, message_of(error)))

    def batch(self, count: int, parsed: list[Parsed], errors: list[tuple[int, str]],
              ahead: Lookahead | None = None) -> None:
        self.report.rows += count
        for line, message in errors:
            self.report.error(line, message)
        self.resolver.load((p.namespace, p.data) for p in parsed)
        now = timezone.now()
        built: list[tuple[Parsed, NewRow]] = []
        ids = new_ids(len(parsed))
        for row in parsed:
            try:
                refs = self.refs(row)
                candidate = NewRow(authorisation_values(namespace=row.namespace, data=row.data,
                                                        refs=refs, now=now))
            except ValidationError as error:
                self.report.error(row.line, message_of(error))
                continue
            candidate.id = row.pk or next(ids)
            if row.revoked:
                candidate.revoked = True
                candidate.revoked_at = row.revoked_at or now
                candidate.revocation_details = row.details
            built.append((row, candidate))
        if self.writing:
            self.apply(built, now, ahead)
        self.progress(count)

    def refs(self, row: Parsed) -> dict[str, Any]:
        """`Resolver.resolve`, remembered per namespace, type and source for rows naming no
        identity (most rows of a file share a few): a per-row answer cost a dict or two."""
        data = row.data
        if data["subject_type"] == SubjectType.USER or data["object_type"] == SubjectType.USER:
            return self.resolver.resolve(row.namespace, data)
        key = (row.namespace.pk, data.get("type_code"), "source_code" in data,
               data.get("source_code"))
        refs = self.known_refs.get(key)
        if refs is None:
            refs = self.known_refs[key] = self.resolver.resolve(row.namespace, data)
        return refs

    def apply(self, built: list[tuple[Parsed, NewRow]], now: datetime,
              ahead: Lookahead | None = None) -> None:
        by_id = Authorisation.objects.in_bulk([c.id for r, c in built if r.pk])
        keys = [c.natural_key for r, c in built if not r.pk]
        by_key = {a.natural_key: a for a in live_by_natural_key(keys)} if keys else {}
        creates: dict[Any, NewRow] = {}
        updates: dict[Any, tuple[Authorisation, Authorisation]] = {}  # pk -> (before, after)
        for row, candidate in built:
            existing = by_id.get(candidate.id) if row.pk else by_key.get(candidate.natural_key)
            if existing is None:
                pending = creates.get(candidate.id if row.pk else candidate.natural_key)
                if pending is not None:
                    self.report.unchanged += 1  # a repeat within the batch: the first wins
                    continue
                creates[candidate.id if row.pk else candidate.natural_key] = candidate
                continue
            problem = self.merge_problem(row, existing, candidate)
            if problem:
                self.report.error(row.line, problem)
                if not self.writing:
                    return
                continue
            if existing.pk in updates or not self.differs(existing, candidate):
                self.report.unchanged += 1
                continue
            before = Authorisation(**{n: getattr(existing, n) for n in STATE_FIELDS},
                                   id=existing.pk, natural_key=existing.natural_key)
            for name in COMPARED:
                setattr(existing, name, getattr(candidate, name))
            existing.natural_key = existing.compute_natural_key()
            existing.modified = now
            updates[existing.pk] = (before, existing)
        if not self.writing:
            return
        self.write(list(creates.values()), list(updates.values()), now, ahead)

    def merge_problem(self, row: Parsed, existing: Authorisation,
                      candidate: NewRow) -> str | None:
        if existing.deleted_at is not None:
            return f"id: authorisation {existing.pk} was deleted."
        if existing.namespace_id != candidate.namespace_id:
            return f"nsCode: authorisation {existing.pk} belongs to another namespace."
        if existing.revoked and self.differs(existing, candidate):
            return f"authorisation {existing.pk} is revoked and cannot be changed."
        return None

    @staticmethod
    def differs(existing: Authorisation, candidate: NewRow) -> bool:
        """Revocation stamps are not compared: revocation is final and happens once."""
        return candidate.revoked != existing.revoked or any(
            getattr(existing, name) != getattr(candidate, name) for name in COMPARED[:8])

    def write(self, creates: list[NewRow],
              updates: list[tuple[Authorisation, Authorisation]], now: datetime,
              ahead: Lookahead | None = None) -> None:
        changes: list[Iterable[Change]] = []
        if creates:
            insert(creates)
            changes.append(created_changes(creates, now, ahead))
        if updates:
            Authorisation.objects.bulk_update(
                [after for _, after in updates], [*COMPARED, "natural_key", "modified"],
                batch_size=1000)
            AuthorisationVersion.objects.bulk_create(
                [version_of(before, now) for before, _ in updates], batch_size=2000)
            changes.append([Change(action=Action.REVOKE if after.revoked and not before.revoked
                                   else Action.UPDATE, object_type=OBJECT_TYPE,
                                   object_id=str(after.pk), before=state(before),
                                   after=state(after))
                            for before, after in updates])
        # A generator: each record is built while COPY streams the ones before it.
        record_bulk(itertools.chain.from_iterable(changes), copy=True)
        self.report.created += len(creates)
        self.report.updated += len(updates)


INSERT_COLUMNS = ["id", "namespace_id", "type_id", "source_id", "subject_type", "subject_value",
                  "object_type", "object_value", "valid_from", "valid_to", "revoked",
                  "revoked_at", "revocation_details", "created", "modified", "deleted_at",
                  "natural_key"]


class Lookahead:
    """The next batch, read and validated a row at a time (`step`) or all at once (`finish`)."""

    def __init__(self, source: Iterator[tuple[int, Any]], importer: Importer) -> None:
        self.source, self.importer = source, importer
        self.count = 0
        self.parsed: list[Parsed] = []
        self.errors: list[tuple[int, str]] = []
        self.done = False

    def step(self) -> None:
        if self.done or self.count >= self.importer.batch_size:
            return
        item = next(self.source, None)
        if item is None:
            self.done = True
            return
        self.count += 1
        self.importer.parse(*item, self.parsed, self.errors)

    def finish(self) -> tuple[int, list[Parsed], list[tuple[int, str]]]:
        while not self.done and self.count < self.importer.batch_size:
            self.step()
        return self.count, self.parsed, self.errors


class NewRow:
    """A new authorisation's column values. The import builds one per new row; a model object
    each cost more than the rest of the row's work (parsing, validation, digest) together."""

    __slots__ = INSERT_COLUMNS

    def __init__(self, values: dict[str, Any]) -> None:
        self.revoked, self.revoked_at, self.revocation_details = False, None, None
        self.deleted_at = None
        for name, value in values.items():
            setattr(self, name, value)

    @property
    def pk(self) -> uuid.UUID:
        return self.id


def new_ids(n: int) -> Iterator[uuid.UUID]:
    """`n` random (version 4) UUIDs, as `uuid.uuid4` makes them, from one read of the system's
    random source (a read per row was a system call per row)."""
    pool = os.urandom(16 * n)
    for start in range(0, 16 * n, 16):
        yield uuid.UUID(bytes=pool[start:start + 16], version=4)


def live_by_natural_key(keys: list[str]) -> Iterable[Authorisation]:
    """Live authorisations with these digests: on PostgreSQL one array parameter (an IN list of
    10,000 parameters cost more to build than to run)."""
    if connection.vendor == "postgresql":
        table = Authorisation._meta.db_table
        return Authorisation.objects.raw(
            f"SELECT * FROM {table} WHERE deleted_at IS NULL AND natural_key = ANY(%s)", [keys])
    return Authorisation.objects.alive().filter(natural_key__in=keys)


def insert(rows: list[NewRow]) -> None:
    """New rows: one COPY on PostgreSQL; elsewhere multi-row INSERTs of as many rows as the
    backend's parameter limit allows (what bulk_create sends, without a model object a row)."""
    table = Authorisation._meta.db_table
    if connection.vendor != "postgresql":
        preps = [_db_prep(name) for name in INSERT_COLUMNS]
        size = min(2000, connection.ops.bulk_batch_size(INSERT_COLUMNS, rows) or len(rows))
        one = f"({', '.join(['%s'] * len(INSERT_COLUMNS))})"
        head = f"INSERT INTO {table} ({', '.join(INSERT_COLUMNS)}) VALUES "
        with connection.cursor() as cursor:
            for start in range(0, len(rows), size):
                chunk = rows[start:start + size]
                params = [value if prep is None or value is None else prep(value)
                          for a in chunk
                          for prep, value in zip(preps, (getattr(a, n) for n in INSERT_COLUMNS),
                                                 strict=True)]
                cursor.execute(head + ", ".join([one] * len(chunk)), params)
        return
    with connection.cursor() as cursor, cursor.cursor.copy(
            f"COPY {table} ({', '.join(INSERT_COLUMNS)}) FROM STDIN") as copy:
        for a in rows:
            copy.write_row((a.id, a.namespace_id, a.type_id, a.source_id, a.subject_type,
                            a.subject_value, a.object_type, a.object_value, a.valid_from,
                            a.valid_to, a.revoked, a.revoked_at, a.revocation_details,
                            a.created, a.modified, a.deleted_at, a.natural_key))


def _db_prep(name: str) -> Callable[[Any], Any] | None:
    """How a column's value goes to the database (UUIDs and date-times need it off PostgreSQL)."""
    field = Authorisation._meta.get_field(name)
    target = field.target_field if field.is_relation else field
    if target.get_internal_type() in ("UUIDField", "DateTimeField"):
        return lambda value: target.get_db_prep_save(value, connection)
    return None


def state(a: Authorisation | NewRow) -> dict[str, Any]:
    """An authorisation's change-log state, built without a JSON round trip (it is hot)."""
    return {
        "id": str(a.pk), "namespace": a.namespace_id, "type": str(a.type_id),
        "source": str(a.source_id) if a.source_id else None,
        "subject_type": a.subject_type, "subject_value": a.subject_value,
        "object_type": a.object_type, "object_value": a.object_value,
        "valid_from": _iso(a.valid_from), "valid_to": _iso(a.valid_to),
        "revoked": a.revoked, "revoked_at": _iso(a.revoked_at),
        "revocation_details": a.revocation_details,
        "created": _iso(a.created), "modified": _iso(a.modified),
        "deleted_at": _iso(a.deleted_at),
    }


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


def created_changes(rows: list[NewRow], now: datetime,
                    ahead: Lookahead | None = None) -> Iterator[Change]:
    """The CREATE records of new rows: `state`, written out with what the rows share worked
    out once (it runs per row of an import). With `ahead`, a row of the next batch is read
    after each record, while COPY streams."""
    step = ahead.step if ahead is not None else (lambda: None)
    stamp = _iso(now)
    text: dict[Any, str | None] = {None: None}
    for a in rows:
        type_text = text.get(a.type_id) or text.setdefault(a.type_id, str(a.type_id))
        source_text = (text.get(a.source_id) if a.source_id in text
                       else text.setdefault(a.source_id, str(a.source_id)))
        pk = str(a.id)
        valid_to, revoked_at = a.valid_to, a.revoked_at
        yield Change(CREATE, OBJECT_TYPE, pk, None, {
            "id": pk, "namespace": a.namespace_id, "type": type_text, "source": source_text,
            "subject_type": a.subject_type, "subject_value": a.subject_value,
            "object_type": a.object_type, "object_value": a.object_value,
            "valid_from": a.valid_from.astimezone(UTC).isoformat(),
            "valid_to": valid_to.astimezone(UTC).isoformat() if valid_to else None,
            "revoked": a.revoked,
            "revoked_at": revoked_at.astimezone(UTC).isoformat() if revoked_at else None,
            "revocation_details": a.revocation_details,
            "created": stamp, "modified": stamp, "deleted_at": None,
        })
        step()


def import_authorisations(rows: Iterable[tuple[int, Any]], *, dry_run: bool = False,
                          partial: bool = False, default_namespace: str | None = None,
                          batch_size: int = 10_000,
                          progress: Callable[[int], None] | None = None) -> ImportReport:
    """Run an import in one transaction: all-or-nothing unless `partial`; `dry_run` validates
    and rolls back. The caller binds the audit scope (one context for the whole run)."""
    importer = Importer(default_namespace=default_namespace, batch_size=batch_size,
                        partial=partial, progress=progress)
    try:
        with transaction.atomic():
            report = importer.run(rows)
            if dry_run or (report.invalid and not partial):
                raise RollbackError
            report.written = True
    except RollbackError:
        report = importer.report
        if not dry_run:
            report.created = report.updated = 0
    return report


# --- export -------------------------------------------------------------------------------------

EXPORT_FIELDS = ["id", "namespace__code", "type__code", "source__code", "subject_type",
                 "subject_value", "object_type", "object_value", "valid_from", "valid_to",
                 "revoked", "revoked_at", "revocation_details"]


def export_rows(*, filter_text: str | None = None) -> Iterator[dict[str, Any]]:
    """Live authorisations as import reads them (API shape), streamed in chunks."""
    qs = (Authorisation.objects.alive().filter(scim_q(filter_text, AUTHORISATION_ATTRS))
          .order_by("created", "id").values_list(*EXPORT_FIELDS))
    for (pk, ns, type_code, source, s_type, s_value, o_type, o_value, valid_from, valid_to,
         revoked, revoked_at, details) in qs.iterator(chunk_size=5000):
        yield {
            "id": str(pk), "nsCode": ns, "authType": type_code, "authSource": source,
            "subject": {"type": s_type, "value": s_value},
            "object": {"type": o_type, "value": o_value},
            "validFrom": _wire(valid_from), "validTo": _wire(valid_to), "revoked": revoked,
            "revokedAt": _wire(revoked_at), "revocationDetails": details,
        }


def _wire(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


def to_csv_row(row: dict[str, Any]) -> list[str]:
    flat = {**row, "subject.type": row["subject"]["type"],
            "subject.value": row["subject"]["value"], "object.type": row["object"]["type"],
            "object.value": row["object"]["value"],
            "revoked": "true" if row["revoked"] else "false"}
    return ["" if flat[c] is None else str(flat[c]) for c in COLUMNS]
