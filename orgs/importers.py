"""Bulk import and export of organizations and users (CSV or NDJSON), streaming in batches.

An importer reads rows lazily, validates each batch like the API does, then upserts it with a
fixed number of queries per batch (lookups, bulk inserts, bulk updates, bulk change records).
Organizations upsert by path, users by `uid` (or by organization and name when a row has no
uid). Errors carry the row's line number; by default one bad row aborts the whole import.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import secrets
import sys
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import (
    UNUSABLE_PASSWORD_PREFIX,
    is_password_usable,
    make_password,
)
from django.utils import timezone

from audit.models import ChangeRecord
from audit.services import MASK, Change, record_bulk
from orgs import conf
from orgs.errors import OrgError
from orgs.fastinsert import insert_rows, json_value, one_of
from orgs.models import MAX_DEPTH, Organization, OrgUser, Role
from orgs.paths import org_path_clean, segment_clean
from orgs.services import UserFields, _user_fields_clean, attributes_apply

BATCH = 2000
ORG_COLUMNS = ["path", "friendlyName", "organizationType", "virtual"]
USER_COLUMNS = ["organization", "name", "uid", "email", "firstname", "surname", "mobile",
                "locale", "hetu", "pwd", "pwd_hash", "pwd.activated", "status"]
ORG_KNOWN = frozenset(ORG_COLUMNS) | {"organizationClass"}
USER_KNOWN = frozenset(USER_COLUMNS)
TRUE, FALSE = {"true", "1", "yes"}, {"false", "0", "no"}
IMPORT = ChangeRecord.Action.IMPORT.value


class RowError(Exception):
    def __init__(self, line: int, message: str):
        super().__init__(f"line {line}: {message}")
        self.line = line


# --- reading and writing -------------------------------------------------------------------------


def open_input(path: str) -> io.TextIOBase:
    if path == "-":
        return io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8-sig")
    return open(path, encoding="utf-8-sig", newline="")


def detect_format(path: str, given: str | None) -> str:
    if given:
        return given
    return "ndjson" if path.endswith((".ndjson", ".jsonl", ".json")) else "csv"


def read_rows(stream: Iterable[str], fmt: str) -> Iterator[tuple[int, dict]]:
    """(line number, row) pairs, read lazily. CSV: a header row; NDJSON: an object a line."""
    if fmt == "csv":
        reader = csv.DictReader(stream)
        for row in reader:
            if None in row:
                raise RowError(reader.line_num, "more fields than the header names")
            yield reader.line_num, {k: v for k, v in row.items() if v is not None}
        return
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as error:
            raise RowError(number, f"not JSON: {error.msg}") from None
        if not isinstance(row, dict):
            raise RowError(number, "expected a JSON object")
        yield number, row


def batches(rows: Iterator[tuple[int, dict]], size: int = BATCH) -> Iterator[list]:
    batch: list = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def write_rows(out, rows: Iterable[dict], columns: list[str], fmt: str) -> int:
    count = 0
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
            count += 1
    else:
        for row in rows:
            out.write(json.dumps({k: v for k, v in row.items() if v not in ("", None)},
                                 ensure_ascii=False) + "\n")
            count += 1
    return count


def _text(row: dict, name: str) -> str | None:
    value = row.get(name)
    if value is None:
        return None
    if value.__class__ is str:
        return value.strip()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value).strip()


def _flag(row: dict, name: str, line: int) -> bool | None:
    value = _text(row, name)
    if not value:
        return None
    if value.lower() in TRUE:
        return True
    if value.lower() in FALSE:
        return False
    raise RowError(line, f"{name} must be true or false")


def _attributes(row: dict, allowed: list[str], known: set[str], line: int) -> dict:
    """Custom attribute columns: a list (NDJSON) or comma-separated text; empty = absent."""
    result: dict[str, list[str]] = {}
    for key, value in row.items():
        if key in known:
            continue
        if key not in allowed:
            raise RowError(line, f"unknown attribute {key[:64]!r}")
        values = value if isinstance(value, list) else str(value or "").split(",")
        values = [str(v).strip() for v in values if str(v).strip()]
        if values:
            result[key] = values
    return result


def _audit_state(data: dict) -> dict:
    return {k: (MASK if k in {"hetu", "password"} and v else v) for k, v in data.items()}


@dataclass
class Report:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)


# --- organizations -------------------------------------------------------------------------------


class OrgImporter:
    """Upsert organizations by path. A parent must exist or come earlier in the file."""

    def __init__(self, *, skip_bad_rows: bool = False):
        self.skip_bad_rows = skip_bad_rows
        self.report = Report()
        self.types = conf.organization_types()
        self.allowed = conf.organization_attributes()

    def validate(self, line: int, row: dict) -> dict:
        try:
            path = org_path_clean((_text(row, "path") or "").strip("/"))
            parts = path.split("/")
            if len(parts) > MAX_DEPTH:
                raise RowError(line, f"deeper than {MAX_DEPTH} levels")
            friendly = _text(row, "friendlyName") or ""
            if not friendly or len(friendly) > 256:
                raise RowError(line, "friendlyName is mandatory (at most 256 characters)")
            org_type = _text(row, "organizationType") or _text(row, "organizationClass") or ""
            if org_type and org_type not in self.types:
                raise RowError(line, f"unknown organizationType {org_type[:64]!r}")
            attrs = _attributes(row, self.allowed, ORG_KNOWN, line)
            attributes_apply({}, attrs, self.allowed, "organization")
        except OrgError as error:
            raise RowError(line, error.message) from None
        return {"line": line, "path": path, "name": parts[-1], "parent": "/".join(parts[:-1]),
                "depth": len(parts) - 1, "friendly_name": friendly, "org_type": org_type,
                "virtual": _flag(row, "virtual", line), "attributes": attrs}

    def apply(self, rows: list[dict]) -> None:
        """Upsert one validated batch: 2 lookups, then per depth one bulk insert, and bulk
        updates, type roles and change records."""
        paths = {r["path"] for r in rows} | {r["parent"] for r in rows if r["parent"]}
        known = {o.path: o for o in
                 Organization.objects.filter(one_of("path", paths)).order_by()}
        changes: list[Change] = []
        to_update: list[Organization] = []
        seen: set[str] = set()
        for depth in sorted({r["depth"] for r in rows}):
            new: list[Organization] = []
            for r in (r for r in rows if r["depth"] == depth):
                if r["path"] in seen:
                    raise RowError(r["line"], f"{r['path']!r} appears twice in the file")
                seen.add(r["path"])
                existing = known.get(r["path"])
                if existing is not None:
                    self._update(existing, r, to_update, changes)
                    continue
                parent = known.get(r["parent"]) if r["parent"] else None
                if r["parent"] and parent is None:
                    raise RowError(r["line"], f"parent {r['parent']!r} not found")
                virtual = r["virtual"] if r["virtual"] is not None else bool(
                    parent and parent.virtual)
                if parent is not None and virtual != parent.virtual:
                    raise RowError(r["line"], "a sub-organization must be virtual exactly "
                                              "when its parent is")
                org = Organization(parent=parent, name=r["name"], path=r["path"],
                                   depth=r["depth"], friendly_name=r["friendly_name"],
                                   org_type=r["org_type"] or conf.default_organization_type(),
                                   virtual=virtual, attributes=r["attributes"])
                new.append(org)
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

    def _update(self, org: Organization, r: dict, to_update: list, changes: list) -> None:
        if r["virtual"] is not None and r["virtual"] != org.virtual:
            raise RowError(r["line"], "virtual cannot change on an existing organization")
        before = _org_dict(org)
        org.friendly_name = r["friendly_name"]
        org.org_type = r["org_type"] or org.org_type
        org.attributes = r["attributes"]
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


# --- users ---------------------------------------------------------------------------------------


class UserImporter:
    """Upsert users by uid (or by organization and name). A user stays in its organization."""

    def __init__(self, *, skip_bad_rows: bool = False):
        self.skip_bad_rows = skip_bad_rows
        self.report = Report()
        self.allowed = conf.user_attributes()
        self._orgs: dict[str, tuple[int, bool]] = {}
        self._org_paths: dict[str, str] = {}

    def _org_path(self, raw: str) -> str:
        """org_path_clean, remembered per path (many users share an organization)."""
        path = self._org_paths.get(raw)
        if path is None:
            path = org_path_clean(raw)
            if len(self._org_paths) < 100_000:
                self._org_paths[raw] = path
        return path

    def validate(self, line: int, row: dict) -> dict:
        try:
            org = self._org_path((_text(row, "organization") or "").strip("/"))
            name = _text(row, "name") or None
            if name is not None:
                segment_clean(name, "user name")
            status = _text(row, "status") or None
            data = UserFields(
                uid=_text(row, "uid") or None, email=_text(row, "email"),
                firstname=_text(row, "firstname"), surname=_text(row, "surname"),
                mobile=_text(row, "mobile"), locale=_text(row, "locale"),
                hetu=_text(row, "hetu"), pwd=_text(row, "pwd") or None,
                pwd_hash=_text(row, "pwd_hash") or None,
                pwd_activated=_flag(row, "pwd.activated", line), status=status,
                attributes=_attributes(row, self.allowed, USER_KNOWN, line),
            )
            _user_fields_clean(data)  # hetu: format, date and check character, canonical form
            attributes_apply({}, data.attributes, self.allowed, "user")
        except OrgError as error:
            raise RowError(line, error.message) from None
        except Exception as error:  # a ValidationError from hetu_clean
            messages = getattr(error, "messages", None)
            if messages is None:
                raise
            raise RowError(line, messages[0]) from None
        return {"line": line, "org": org, "name": name, "data": data}

    def apply(self, rows: list[dict]) -> None:
        """Upsert one validated batch with a fixed number of queries. New users go straight
        from the validated row to COPY rows and change-record states (no model instances)."""
        identity_model = get_user_model()
        orgs = self._organizations({r["org"] for r in rows})
        uids = [r["data"].uid for r in rows if r["data"].uid]
        by_uid = {u.uid: u for u in OrgUser.objects.select_related("identity", "organization")
                  .filter(one_of("uid", uids)).order_by()} if uids else {}
        wanted = {(r["org"], r["name"]) for r in rows if r["name"] and not r["data"].uid}
        by_name = {
            (u.organization.path, u.name): u
            for u in OrgUser.objects.select_related("identity", "organization").filter(
                organization__path__in={o for o, _ in wanted}, name__in={n for _, n in wanted})
            if (u.organization.path, u.name) in wanted
        } if wanted else {}
        # identities holding a uid of the batch as username, unless their profile has a uid of
        # the batch (those are by_uid's users): one query, the exclusion done here
        uid_set = set(uids)
        taken = {username for username, profile_uid in identity_model.objects.filter(
            one_of("username", uids)).order_by().values_list("username", "org_profile__uid")
            if profile_uid not in uid_set} if uids else set()
        new: list[tuple[dict, uuid.UUID, int, str]] = []  # (row, identity id, org id, name)
        changes: list[Change] = []
        upd_users, upd_ids = [], []
        seen: set = set()
        for r in rows:
            data: UserFields = r["data"]
            key = data.uid or (r["org"], r["name"])
            if key in seen:
                raise RowError(r["line"], "the same user appears twice in the file")
            seen.add(key)
            org = orgs.get(r["org"])
            if org is None:
                raise RowError(r["line"], f"organization {r['org']!r} not found")
            if data.uid in taken:
                raise RowError(r["line"], f"uid {data.uid!r} belongs to another identity")
            user = by_uid.get(data.uid) if data.uid else by_name.get((r["org"], r["name"]))
            if user is not None:
                if user.organization_id != org[0]:
                    raise RowError(r["line"], f"user {data.uid!r} is in {user.organization.path!r}"
                                              "; moving users is not supported")
                self._update(user, data, upd_users, upd_ids, changes)
                continue
            if org[1]:
                raise RowError(r["line"], f"organization {r['org']!r} is virtual")
            identity_id = uuid.uuid4()
            new.append((r, identity_id, org[0], r["name"] or str(identity_id)))
        chosen = {(org_id, name) for r, _, org_id, name in new if r["name"]}
        if chosen:
            taken_names = set(OrgUser.objects.filter(
                organization_id__in={o for o, _ in chosen}, name__in={n for _, n in chosen}
            ).values_list("organization_id", "name")) & chosen
            for r, _, org_id, name in new:
                if (org_id, name) in taken_names:
                    raise RowError(r["line"], f"user name {name!r} is taken in {r['org']!r}")
        _insert_new_users(new, changes)
        if upd_ids:
            identity_model.objects.bulk_update(
                upd_ids, ["username", "email", "first_name", "last_name", "password",
                          "is_active"], batch_size=BATCH)
            OrgUser.objects.bulk_update(
                upd_users, ["uid", "mobile", "locale", "hetu", "pwd_activated", "status",
                            "attributes"], batch_size=BATCH)
        self.report.created += len(new)
        record_bulk(changes, copy=True)

    def _organizations(self, paths: set[str]) -> dict[str, tuple[int, bool]]:
        """path → (id, virtual), one query per batch for the paths not seen in earlier batches
        (a users import never changes organizations; its transaction holds them)."""
        missing = paths - self._orgs.keys()
        if missing:
            self._orgs.update((path, (pk, virtual)) for pk, path, virtual in
                              Organization.objects.filter(one_of("path", missing))
                              .order_by().values_list("pk", "path", "virtual"))
        return self._orgs

    def _update(self, user: OrgUser, data: UserFields, users: list, ids: list, changes: list):
        before, password = _user_dict(user), user.identity.password
        _fill(user, data)
        after = _user_dict(user)
        if after == before and user.identity.password == password:
            self.report.unchanged += 1
            return
        users.append(user)
        ids.append(user.identity)
        self.report.updated += 1
        changes.append(Change(action=ChangeRecord.Action.UPDATE, object_type="orgs.orguser",
                              object_id=str(user.pk), object_repr=str(user.uid or user.name),
                              before=before, after=after))


IDENTITY_COLUMNS = ("id", "password", "is_superuser", "username", "first_name", "last_name",
                    "email", "is_staff", "is_active", "date_joined", "kind")
PROFILE_COLUMNS = ("identity_id", "organization_id", "name", "uid", "mobile", "locale", "hetu",
                   "pwd_activated", "status", "attributes", "created_at", "modified_at")


def new_user_values(data: UserFields, unusable=None) -> dict:
    """What a new user gets from a validated row: the values `_fill` gives a fresh OrgUser and
    identity (given columns, else the model defaults), a password hashed once. `unusable`
    supplies unusable passwords (default: `_unusable_password`)."""
    if data.pwd_hash:
        password = data.pwd_hash
    elif data.pwd:
        password = make_password(data.pwd)
    else:
        password = (unusable or _unusable_password)()
    status = data.status or OrgUser.Status.ENABLED
    return {
        "uid": data.uid or None, "email": data.email or "", "first_name": data.firstname or "",
        "last_name": data.surname or "", "mobile": data.mobile or "",
        "locale": data.locale or "", "hetu": data.hetu or "", "password": password,
        "pwd_activated": True if data.pwd_activated is None else data.pwd_activated,
        "status": status, "attributes": dict(data.attributes or {}),
    }


def new_user_state(v: dict) -> dict:
    """The change-record state of a new user, the same as `_user_dict` of its instance."""
    return {
        "uid": v["uid"], "email": v["email"], "firstname": v["first_name"],
        "surname": v["last_name"], "mobile": v["mobile"], "locale": v["locale"],
        "hetu": MASK if v["hetu"] else "", "password_usable": is_password_usable(v["password"]),
        "pwd_activated": v["pwd_activated"], "status": v["status"],
        "attributes": v["attributes"],
    }


def _insert_new_users(new: list[tuple[dict, uuid.UUID, int, str]], changes: list[Change]) -> None:
    """New identities and profiles as raw rows (COPY / executemany), values already valid,
    and their change records."""
    now = timezone.now()
    identities, profiles = [], []
    unusable = _unusable_passwords(len(new)).__next__
    for r, pk, org_id, name in new:
        v = new_user_values(r["data"], unusable)
        identities.append((pk, v["password"], False, v["uid"] or str(pk), v["first_name"],
                           v["last_name"], v["email"], False, v["status"] == "enabled", now,
                           "person"))
        profiles.append((pk, org_id, name, v["uid"], v["mobile"], v["locale"], v["hetu"],
                         v["pwd_activated"], v["status"], json_value(v["attributes"]), now, now))
        changes.append(Change(action=IMPORT, object_type="orgs.orguser", object_id=str(pk),
                              object_repr=f"{r['org']}/{name}", after=new_user_state(v)))
    insert_rows(get_user_model()._meta.db_table, IDENTITY_COLUMNS, identities)
    insert_rows(OrgUser._meta.db_table, PROFILE_COLUMNS, profiles)


def _unusable_password() -> str:
    """What make_password(None) stores (the "!" prefix marks it unusable), made faster."""
    return UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)


def _unusable_passwords(count: int) -> Iterator[str]:
    """`count` values of `_unusable_password()` from one draw of random bytes: 30 random
    bytes encode to exactly 40 URL-safe base64 characters, so slicing the encoding of
    30·count bytes gives each its own 30 bytes."""
    text = base64.urlsafe_b64encode(secrets.token_bytes(30 * count)).decode()
    return (UNUSABLE_PASSWORD_PREFIX + text[i:i + 40] for i in range(0, 40 * count, 40))


def _fill(user: OrgUser, data: UserFields) -> None:
    """Apply a row: given columns replace, empty ones clear, a password is hashed once."""
    identity = user.identity
    if data.uid:
        user.uid = data.uid
        identity.username = data.uid
    identity.email = data.email or ""
    identity.first_name = data.firstname or ""
    identity.last_name = data.surname or ""
    user.mobile, user.locale, user.hetu = data.mobile or "", data.locale or "", data.hetu or ""
    if data.pwd_hash:
        identity.password = data.pwd_hash
    elif data.pwd:
        identity.password = make_password(data.pwd)
    elif not identity.password:
        identity.password = _unusable_password()
    if data.pwd_activated is not None:
        user.pwd_activated = data.pwd_activated
    user.status = data.status or user.status or OrgUser.Status.ENABLED
    identity.is_active = user.status == OrgUser.Status.ENABLED
    user.attributes = dict(data.attributes or {})


def _user_dict(user: OrgUser) -> dict:
    identity = user.identity
    return _audit_state({
        "uid": user.uid, "email": identity.email, "firstname": identity.first_name,
        "surname": identity.last_name, "mobile": user.mobile, "locale": user.locale,
        "hetu": user.hetu, "password_usable": identity.has_usable_password(),
        "pwd_activated": user.pwd_activated,
        "status": user.status, "attributes": user.attributes,
    })


def user_rows(root: str | None = None) -> Iterator[dict]:
    qs = OrgUser.objects.select_related("identity", "organization").order_by(
        "organization__path", "name")
    if root:
        from orgs.queries import subtree_q

        qs = qs.filter(subtree_q(root, "organization__path"))
    for user in qs.iterator(chunk_size=BATCH):
        identity = user.identity
        row = {"organization": user.organization.path, "name": user.name, "uid": user.uid or "",
               "email": identity.email, "firstname": identity.first_name,
               "surname": identity.last_name, "mobile": user.mobile, "locale": user.locale,
               "hetu": user.hetu, "pwd_hash": identity.password,
               "pwd.activated": "true" if user.pwd_activated else "false",
               "status": user.status}
        row.update({k: ",".join(v) for k, v in user.attributes.items()})
        yield row
