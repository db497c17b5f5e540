"""import_users / export_users: users upserted by `uid` (or by organization and name).

`validate` turns a file row into a `UserRow`: checked like the API checks it, its password
hashed, and what the user would get if new (identity id, unusable password, change-record
state) prepared; on PostgreSQL `prepare` then encodes a batch's rows as new users' COPY text.
Both run in the reading worker process (see orgs.bulk), so `apply`, in the process that holds
the transaction, only looks rows up and writes them.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX, make_password
from django.db import connection

from audit.copytext import copy_fields
from audit.models import ChangeRecord
from audit.services import MASK, Change, change_copy_fields, encoded, record_bulk
from orgs import conf
from orgs.errors import OrgError
from orgs.fastinsert import copy_text, db_now, insert_rows, json_value, one_of
from orgs.models import Organization, OrgUser
from orgs.paths import org_path_clean, segment_clean
from orgs.rows import BATCH, Report, RowError, attributes, flag, text
from orgs.services import UserFields, _user_fields_clean, attributes_apply

USER_COLUMNS = ["organization", "name", "uid", "email", "firstname", "surname", "mobile",
                "locale", "hetu", "pwd", "pwd_hash", "pwd.activated", "status"]
USER_KNOWN = frozenset(USER_COLUMNS)
IMPORT = ChangeRecord.Action.IMPORT.value
ENABLED = OrgUser.Status.ENABLED.value
# a new user's raw rows: first what its file row alone gives, then its timestamps and
# organization, which the importing process adds
IDENTITY_COLUMNS = ("id", "password", "is_superuser", "username", "first_name", "last_name",
                    "email", "is_staff", "is_active", "kind", "date_joined")
PROFILE_COLUMNS = ("identity_id", "name", "uid", "mobile", "locale", "hetu", "pwd_activated",
                   "status", "attributes", "created_at", "modified_at", "organization_id")
ORGUSER = "orgs.orguser"


class UserRow(NamedTuple):
    """A validated row. Empty text columns clear; None: `password` (hashed), `pwd_activated`
    and `status` not given. The `new_*` values are used only if the user turns out new."""

    line: int
    org: str
    name: str | None
    uid: str | None
    email: str
    first_name: str
    last_name: str
    mobile: str
    locale: str
    hetu: str
    password: str | None
    pwd_activated: bool | None
    status: str | None
    attributes: dict
    attributes_json: str
    new_id: str
    new_password: str
    new_state: str


class NewUsersCopy(NamedTuple):
    """A batch's rows as new users' rows in COPY text (PostgreSQL), prepared by the reading
    process: row i of each text is the batch's row i, rows separated by newlines (which COPY
    text escapes inside values). Sent as three strings, not as 3 per row: unpickling them is
    a copy, and the importing process joins them with what it adds without a loop."""

    lines: tuple[int, ...]  # the file lines of the batch's rows, in order
    identities: str  # new_user_values' identity values: IDENTITY_COLUMNS but date_joined
    profiles: str  # and profile values: PROFILE_COLUMNS up to the timestamps
    changes: str  # the change records' own columns (audit.services.OWN_COLUMNS)

    def rows_of(self, lines: list[int]) -> tuple[list[str], list[str], list[str]]:
        """The identity, profile and change texts of the rows on `lines` (a subset of the
        batch, in order)."""
        texts = self.identities.split("\n"), self.profiles.split("\n"), self.changes.split("\n")
        if tuple(lines) == self.lines:
            return texts
        at = dict(zip(self.lines, range(len(self.lines)), strict=True))
        positions = [at[line] for line in lines]
        return tuple([text[i] for i in positions] for text in texts)


def user_row(line: int, org: str, name: str | None, data: UserFields) -> UserRow:
    """The row of already cleaned fields, its password hashed once, a new user's values
    prepared."""
    if data.pwd_hash:
        password = data.pwd_hash
    elif data.pwd:
        password = make_password(data.pwd)
    else:
        password = None
    new_password = password or _unusable_password()
    attrs = dict(data.attributes or {})
    fields = (data.uid or None, data.email or "", data.firstname or "", data.surname or "",
              data.mobile or "", data.locale or "", data.hetu or "")
    state = {
        "uid": fields[0], "email": fields[1], "firstname": fields[2], "surname": fields[3],
        "mobile": fields[4], "locale": fields[5], "hetu": MASK if fields[6] else "",
        "password_usable": not new_password.startswith(UNUSABLE_PASSWORD_PREFIX),
        "pwd_activated": True if data.pwd_activated is None else data.pwd_activated,
        "status": data.status or ENABLED, "attributes": attrs,
    }
    return UserRow(line, org, name, *fields, password, data.pwd_activated, data.status or None,
                   attrs, json_value(attrs), str(uuid.uuid4()), new_password, encoded(state))


class UserImporter:
    """Upsert users by uid (or by organization and name). A user stays in its organization."""

    def __init__(self, *, skip_bad_rows: bool = False):
        self.skip_bad_rows = skip_bad_rows
        self.report = Report()
        self.allowed = conf.user_attributes()
        self._orgs: dict[str, tuple[int, bool]] = {}
        self._org_paths: dict[str, str] = {}
        self._seen: set = set()
        self.as_copy = connection.vendor == "postgresql"  # asked once, not per row

    def _org_path(self, raw: str) -> str:
        """org_path_clean, remembered per path (many users share an organization)."""
        path = self._org_paths.get(raw)
        if path is None:
            path = org_path_clean(raw)
            if len(self._org_paths) < 100_000:
                self._org_paths[raw] = path
        return path

    def validate(self, line: int, row: dict) -> UserRow:
        try:
            org = self._org_path((text(row, "organization") or "").strip("/"))
            name = text(row, "name") or None
            if name is not None:
                segment_clean(name, "user name")
            data = UserFields(
                uid=text(row, "uid") or None, email=text(row, "email"),
                firstname=text(row, "firstname"), surname=text(row, "surname"),
                mobile=text(row, "mobile"), locale=text(row, "locale"),
                hetu=text(row, "hetu"), pwd=text(row, "pwd") or None,
                pwd_hash=text(row, "pwd_hash") or None,
                pwd_activated=flag(row, "pwd.activated", line), status=text(row, "status") or None,
                attributes=attributes(row, self.allowed, USER_KNOWN, line),
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
        return user_row(line, org, name, data)

    def prepare(self, rows: list[UserRow]) -> NewUsersCopy | None:
        """On PostgreSQL, the batch's rows as new users' COPY text. It runs in the reading
        process too, so that the writing process, which the database keeps waiting, only
        joins texts."""
        if not self.as_copy or not rows:
            return None
        identities, profiles, changes = [], [], []
        for r in rows:
            name = r.name or r.new_id
            identity, profile = new_user_values(r, r.new_id, name)
            identities.append(copy_fields(identity))
            profiles.append(copy_fields(profile))
            changes.append(change_copy_fields(IMPORT, ORGUSER, r.new_id, f"{r.org}/{name}",
                                              after_encoded=r.new_state))
        return NewUsersCopy(tuple(r.line for r in rows), "\n".join(identities),
                            "\n".join(profiles), "\n".join(changes))

    def apply(self, rows: list[UserRow], prepared: NewUsersCopy | None = None) -> None:
        """Upsert one validated batch with a fixed number of queries. New users go straight
        from their prepared values to raw rows (no model instances)."""
        identity_model = get_user_model()
        orgs = self._organizations({r.org for r in rows})
        uids = [r.uid for r in rows if r.uid]
        by_uid = {u.uid: u for u in OrgUser.objects.select_related("identity", "organization")
                  .filter(one_of("uid", uids)).order_by()} if uids else {}
        wanted = {(r.org, r.name) for r in rows if r.name and not r.uid}
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
        new: list[tuple[UserRow, int, str]] = []  # (row, organization id, user name)
        changes: list[Change] = []
        upd_users, upd_ids = [], []
        seen: set = set()
        for r in rows:
            key = r.uid or (r.org, r.name)
            if key in seen or key in self._seen:
                raise RowError(r.line, "the same user appears twice in the file")
            seen.add(key)
            org = orgs.get(r.org)
            if org is None:
                raise RowError(r.line, f"organization {r.org!r} not found")
            if r.uid in taken:
                raise RowError(r.line, f"uid {r.uid!r} belongs to another identity")
            user = by_uid.get(r.uid) if r.uid else by_name.get((r.org, r.name))
            if user is not None:
                if user.organization_id != org[0]:
                    raise RowError(r.line, f"user {r.uid!r} is in {user.organization.path!r}"
                                           "; moving users is not supported")
                self._update(user, r, upd_users, upd_ids, changes)
                continue
            if org[1]:
                raise RowError(r.line, f"organization {r.org!r} is virtual")
            new.append((r, org[0], r.name or r.new_id))
        chosen = {(org_id, name) for r, org_id, name in new if r.name}
        if chosen:
            taken_names = set(OrgUser.objects.filter(
                organization_id__in={o for o, _ in chosen}, name__in={n for _, n in chosen}
            ).values_list("organization_id", "name")) & chosen
            for r, org_id, name in new:
                if (org_id, name) in taken_names:
                    raise RowError(r.line, f"user name {name!r} is taken in {r.org!r}")
        new_changes = _insert_new_users(new, changes, prepared)
        if upd_ids:
            identity_model.objects.bulk_update(
                upd_ids, ["username", "email", "first_name", "last_name", "password",
                          "is_active"], batch_size=BATCH)
            OrgUser.objects.bulk_update(
                upd_users, ["uid", "mobile", "locale", "hetu", "pwd_activated", "status",
                            "attributes"], batch_size=BATCH)
        self.report.created += len(new)
        record_bulk(changes, copy=True, prepared=new_changes)
        self._seen |= seen  # the batch is applied (a failed one may be retried without a row)

    def _organizations(self, paths: set[str]) -> dict[str, tuple[int, bool]]:
        """path → (id, virtual), one query per batch for the paths not seen in earlier batches
        (a users import never changes organizations; its transaction holds them)."""
        missing = paths - self._orgs.keys()
        if missing:
            self._orgs.update((path, (pk, virtual)) for pk, path, virtual in
                              Organization.objects.filter(one_of("path", missing))
                              .order_by().values_list("pk", "path", "virtual"))
        return self._orgs

    def _update(self, user: OrgUser, r: UserRow, users: list, ids: list, changes: list):
        before, password = _user_dict(user), user.identity.password
        _fill(user, r)
        after = _user_dict(user)
        if after == before and user.identity.password == password:
            self.report.unchanged += 1
            return
        users.append(user)
        ids.append(user.identity)
        self.report.updated += 1
        changes.append(Change(action=ChangeRecord.Action.UPDATE, object_type=ORGUSER,
                              object_id=str(user.pk), object_repr=str(user.uid or user.name),
                              before=before, after=after))


def new_user_values(r: UserRow, pk: str, name: str) -> tuple[tuple, tuple]:
    """What a new user's identity and profile rows hold that its file row alone gives
    (IDENTITY_COLUMNS and PROFILE_COLUMNS up to the timestamps): what `_fill` gives a fresh
    instance, as the database stores it (`pk` adapted)."""
    status = r.status or ENABLED
    return (
        (pk, r.new_password, False, r.uid or r.new_id, r.first_name, r.last_name, r.email,
         False, status == ENABLED, "person"),
        (pk, name, r.uid, r.mobile, r.locale, r.hetu,
         True if r.pwd_activated is None else r.pwd_activated, status, r.attributes_json),
    )


def new_user_tuples(r: UserRow, pk: str, org_id: int, name: str, now) -> tuple[tuple, tuple]:
    """The identity and profile rows (IDENTITY_COLUMNS, PROFILE_COLUMNS) of a new user
    (`now` adapted)."""
    identity, profile = new_user_values(r, pk, name)
    return (*identity, now), (*profile, now, now, org_id)


def _insert_new_users(new: list[tuple[UserRow, int, str]], changes: list[Change],
                      prepared: NewUsersCopy | None) -> list[str]:
    """New identities and profiles as raw rows, and their change records with the states
    prepared with the rows. With the rows `prepared` as COPY text (PostgreSQL), the change
    records are returned, for `record_bulk(prepared=...)`; else appended to `changes`."""
    if not new:
        return []
    now = db_now()
    identity_table, profile_table = get_user_model()._meta.db_table, OrgUser._meta.db_table
    if prepared is not None:
        identities, profiles, new_changes = prepared.rows_of([r.line for r, _, _ in new])
        identity_end = f"\t{now}\n"
        copy_text(identity_table, IDENTITY_COLUMNS, identity_end.join(identities) + identity_end)
        copy_text(profile_table, PROFILE_COLUMNS, "".join([
            f"{profile}\t{now}\t{now}\t{org_id}\n"
            for profile, (_, org_id, _) in zip(profiles, new, strict=True)]))
        return new_changes
    hex_ids = not connection.features.has_native_uuid_field  # SQLite: UUIDs as 32 hex digits
    identities, profiles = [], []
    for r, org_id, name in new:
        pk = r.new_id.replace("-", "") if hex_ids else r.new_id
        identity, profile = new_user_tuples(r, pk, org_id, name, now)
        identities.append(identity)
        profiles.append(profile)
        changes.append(Change(action=IMPORT, object_type=ORGUSER, object_id=r.new_id,
                              object_repr=f"{r.org}/{name}", after_encoded=r.new_state))
    insert_rows(identity_table, IDENTITY_COLUMNS, identities)
    insert_rows(profile_table, PROFILE_COLUMNS, profiles)
    return []


def _unusable_password() -> str:
    """What make_password(None) stores (the "!" prefix marks it unusable), made faster."""
    return UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)


def _fill(user: OrgUser, r: UserRow) -> None:
    """Apply a row: given columns replace, empty ones clear."""
    identity = user.identity
    if r.uid:
        user.uid = r.uid
        identity.username = r.uid
    identity.email, identity.first_name, identity.last_name = r.email, r.first_name, r.last_name
    user.mobile, user.locale, user.hetu = r.mobile, r.locale, r.hetu
    if r.password is not None:
        identity.password = r.password
    elif not identity.password:
        identity.password = _unusable_password()
    if r.pwd_activated is not None:
        user.pwd_activated = r.pwd_activated
    user.status = r.status or user.status or ENABLED
    identity.is_active = user.status == ENABLED
    user.attributes = dict(r.attributes)


def _user_dict(user: OrgUser) -> dict:
    identity = user.identity
    return {
        "uid": user.uid, "email": identity.email, "firstname": identity.first_name,
        "surname": identity.last_name, "mobile": user.mobile, "locale": user.locale,
        "hetu": MASK if user.hetu else "", "password_usable": identity.has_usable_password(),
        "pwd_activated": user.pwd_activated,
        "status": user.status, "attributes": user.attributes,
    }


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
