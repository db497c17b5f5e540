"""import_users: users upserted by `uid` (or by organization and name).

`validate` turns a file row into a `UserRow`: checked by the services' own rules, and what the
user would get if new (ids, its rows and the head of its change-record state) prepared; on
PostgreSQL `prepare` then encodes a batch's new users as COPY text. Both run in the reading
process (foundation.bulk.worker), so `apply`, in the process that holds the transaction, looks rows
up and hands them to orgs.bulk.

A password given in clear (`pwd`) is hashed by `apply`, once it knows whether the user is new:
an existing user's stored hash is verified first (`password_is`) and kept when the password is
the same, so that a re-import changes nothing. Either is one Argon2 computation a row, which
uses every core by itself (its lanes run in threads), so it gains nothing from running in the
reading process instead. A masked hetu (`131052-****`, as the exports write it) keeps an
existing user's national id and is refused for a new user.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator
from operator import attrgetter
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX, make_password
from django.db import connection
from django.utils import timezone

from audit.states import encoded
from core.tree import subtree_q
from foundation.bulk.files import flag, text
from foundation.bulk.report import RowError
from foundation.bulk.run import Importer
from foundation.bulk.write import json_value, one_of
from identities.queries import username_is_own_id, usernames_taken
from identities.services.bulk import PERSON_FIELDS, person_values
from orgs import bulk, conf
from orgs.attributes import attributes_apply, attributes_from_cells
from orgs.errors import OrgError
from orgs.hetu import hetu_is_masked, hetu_mask
from orgs.models import Organization, OrgUser
from orgs.paths import org_path_clean
from orgs.services.users import (
    ENABLED,
    UserFields,
    identity_id_of,
    password_is,
    user_fields_apply,
    user_fields_clean,
    user_name_clean,
    user_organization_check,
    user_state,
    user_state_head,
)

USER_COLUMNS = ["organization", "name", "uid", "email", "firstname", "surname", "mobile",
                "locale", "hetu", "pwd", "pwd_hash", "pwd.activated", "status"]
USER_KNOWN = frozenset(USER_COLUMNS)


class UserRow(NamedTuple):
    """A validated row. Empty text columns clear; None: `hetu` masked (kept), `pwd` (in
    clear), `pwd_hash`, `pwd_activated` and `status` not given."""

    line: int
    org: str
    name: str | None
    uid: str | None
    email: str
    first_name: str
    last_name: str
    mobile: str
    locale: str
    hetu: str | None
    pwd: str | None
    pwd_hash: str | None
    pwd_activated: bool | None
    status: str | None
    attributes: dict


# positions in a handed-over row (a plain tuple) that `apply` reads of every row
_HETU, _PWD, _PWD_HASH = (UserRow._fields.index(name) for name in ("hetu", "pwd", "pwd_hash"))
# what an import row may change of a user: its profile's columns and its person's
_PROFILE = attrgetter("locale", "hetu", "pwd_activated", "status", "attributes")
_PERSON = attrgetter(*PERSON_FIELDS)


def user_row(line: int, org: str, name: str | None, data: UserFields, *,
             hetu_masked: bool = False) -> UserRow:
    """The row of already cleaned fields (`hetu_masked`: the row's hetu is masked)."""
    return UserRow(line, org, name, data.uid or None, data.email or "", data.firstname or "",
                   data.surname or "", data.mobile or "", data.locale or "",
                   None if hetu_masked else data.hetu or "", data.pwd or None,
                   data.pwd_hash or None, data.pwd_activated, data.status or None,
                   dict(data.attributes or {}))


def new_user(r: UserRow) -> bulk.NewUser:
    """What the row's user gets if it turns out new: ids, an unusable password unless it has
    one (a password in clear is hashed by `apply`), its rows' values and its state (the
    head, encoded; the importing process ends it)."""
    status = r.status or ENABLED
    pwd_activated = True if r.pwd_activated is None else r.pwd_activated
    named_id = identity_id_of(r.name) if r.name else None
    pk = str(named_id or uuid.uuid4())  # a name that is a UUID is the identity's id
    name = r.name or pk
    password = r.pwd_hash or (None if r.pwd else unusable_password())
    username = r.uid or pk
    hetu = r.hetu or ""  # masked: refused for a new user by `apply`
    head = user_state_head(
        name=name, uid=r.uid, mobile=r.mobile,
        locale=r.locale, hetu=hetu, pwd_activated=pwd_activated, status=status,
        attributes=r.attributes, username=username, email=r.email, first_name=r.first_name,
        last_name=r.last_name, is_active=status == ENABLED,
        password_usable=password is None or not password.startswith(UNUSABLE_PASSWORD_PREFIX))
    return bulk.NewUser(
        r.line, pk,
        person_values(pk=pk, username=username, first_name=r.first_name,
                      last_name=r.last_name, email=r.email, mobile=r.mobile,
                      is_active=status == ENABLED),
        password,
        (pk, name, r.locale, hetu, pwd_activated, status, json_value(r.attributes)),
        f"{r.org}/{name}", encoded(head)[:-1])


def unusable_password() -> str:
    """What make_password(None) stores (the "!" prefix marks it unusable), made faster."""
    return UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)


class UserImporter(Importer):
    """Upsert users by uid (or by organization and name). A user stays in its organization."""

    name = "users"

    def __init__(self, **options):
        super().__init__(**options)
        self.allowed = conf.user_attributes()
        self._orgs: dict[str, Organization] = {}
        self._org_paths: dict[str, str] = {}
        self._seen: set = set()
        self.as_copy = connection.vendor == "postgresql"  # asked once, not per row
        # the password hashes of the batch being applied, by (line, stored hash): kept when
        # a batch is retried without a refused row (each costs an Argon2 computation)
        self._hashes: dict[tuple[int, str | None], str | None] = {}
        self._hashes_of: object = None

    def _org_path(self, raw: str) -> str:
        """org_path_clean, remembered per path (many users share an organization)."""
        path = self._org_paths.get(raw)
        if path is None:
            path = org_path_clean(raw)
            if len(self._org_paths) < 100_000:
                self._org_paths[raw] = path
        return path

    def validate(self, line: int, row: dict) -> UserRow:
        org = self._org_path((text(row, "organization") or "").strip("/"))
        name = text(row, "name") or None
        if name is not None:
            name = user_name_clean(name)
        hetu = text(row, "hetu")
        hetu_masked = bool(hetu) and hetu_is_masked(hetu)
        data = user_fields_clean(UserFields(
            uid=text(row, "uid") or None, email=text(row, "email"),
            firstname=text(row, "firstname"), surname=text(row, "surname"),
            mobile=text(row, "mobile"), locale=text(row, "locale"),
            hetu=None if hetu_masked else hetu, pwd=text(row, "pwd") or None,
            pwd_hash=text(row, "pwd_hash") or None,
            pwd_activated=flag(row, "pwd.activated"), status=text(row, "status") or None,
            attributes=attributes_from_cells(row, USER_KNOWN, self.allowed),
        ))
        attributes_apply({}, data.attributes, self.allowed, "user")
        return user_row(line, org, name, data, hetu_masked=hetu_masked)

    def prepare(self, rows: list[UserRow]) -> bulk.NewUsers:
        """Each row's user as it would be if new (`new_user`): on PostgreSQL as COPY text. Made
        in the reading process, so that the writing process, which the database keeps
        waiting, only picks and joins them; not sent twice (the rows carry none of it)."""
        new = [new_user(r) for r in rows]
        return bulk.users_copy_text(new) if self.as_copy else bulk.NewUsersList.of_users(new)

    def hand_over(self, row: UserRow) -> tuple:
        """A plain tuple (a NamedTuple costs twice as much to unpickle, 200,000 times);
        `apply` names the fields of the few rows that update a user."""
        return tuple(row)

    def apply(self, rows: list[tuple], prepared: bulk.NewUsers) -> None:
        """Upsert one validated batch with a fixed number of queries."""
        if self._hashes_of is not prepared:  # a new batch (not a retry of this one)
            self._hashes, self._hashes_of = {}, prepared
        now = timezone.now()
        keys = [row[:4] for row in rows]  # line, organization, name, uid (UserRow's order)
        orgs = self._organizations({org for _, org, _, _ in keys})
        uids = [uid for _, _, _, uid in keys if uid]
        by_uid = {u.identity.username: u for u in OrgUser.objects.select_related(
            "identity", "organization").filter(one_of("identity__username", uids)).exclude(
            username_is_own_id("identity__")).order_by()} if uids else {}
        wanted = {(org, name) for _, org, name, uid in keys if name and not uid}
        by_name = {
            (u.organization.path, u.name): u
            for u in OrgUser.objects.select_related("identity", "organization").filter(
                organization__path__in={o for o, _ in wanted}, name__in={n for _, n in wanted})
            if (u.organization.path, u.name) in wanted
        } if wanted else {}
        # a uid is the identity's username: free, or this very user's (the services' rule)
        taken = usernames_taken({uid: by_uid[uid].pk if uid in by_uid else None
                                 for uid in uids})
        new: list[tuple[int, int, str | None]] = []  # line, organization, password hash
        named: dict[tuple[int, str], tuple[int, str]] = {}  # names the file chose: line, org
        changed: list[tuple[dict, OrgUser]] = []
        seen: set = set()
        for row, (line, org_path, name, uid) in zip(rows, keys, strict=True):
            key = uid or (org_path, name)
            if key in seen or key in self._seen:
                raise RowError(line, "the same user appears twice in the file")
            seen.add(key)
            org = orgs.get(org_path)
            if org is None:
                raise RowError(line, f"organization {org_path!r} not found")
            if uid in taken:
                raise RowError(line, f"uid {uid!r} belongs to another identity")
            user = by_uid.get(uid) if uid else by_name.get((org_path, name))
            if user is not None:
                if user.organization_id != org.pk:
                    raise RowError(line, f"user {uid!r} is in {user.organization.path!r}"
                                         "; moving users is not supported")
                self._update(user, UserRow._make(row), changed)
                continue
            try:
                user_organization_check(org)
            except OrgError as error:
                raise RowError(line, error.message) from None
            if row[_HETU] is None:
                raise RowError(line, "hetu is masked (as an export without --include-secrets "
                                     "writes it): a new user needs the whole national id, or "
                                     "none")
            pwd = row[_PWD] if row[_PWD_HASH] is None else None  # a hash given wins
            new.append((line, org.pk, self._hash(line, None, pwd) if pwd else None))
            if name:
                named[(org.pk, name)] = (line, org_path)
        self._ids_free(named)
        if named:
            for org_id, name in OrgUser.objects.filter(
                    organization_id__in={o for o, _ in named}, name__in={n for _, n in named}
            ).values_list("organization_id", "name"):
                if (org_id, name) in named:
                    line, org_path = named[(org_id, name)]
                    raise RowError(line, f"user name {name!r} is taken in {org_path!r}")
        bulk.users_create(new, prepared, now)
        bulk.users_update(changed, now)
        self.report.created += len(new)
        self._seen |= seen  # the batch is applied (a failed one may be retried without a row)

    def _ids_free(self, named: dict[tuple[int, str], tuple[int, str]]
                  ) -> None:
        """A new user named by a UUID gets that id for its identity: not another's (one
        query, only when the batch has such names)."""
        ids: dict[str, int] = {}
        for (_, name), (line, _) in named.items():
            if identity_id_of(name):
                if name in ids:
                    raise RowError(line, f"id {name} is given to two users")
                ids[name] = line
        if ids:
            for pk in get_user_model().objects.filter(pk__in=list(ids)).values_list(
                    "pk", flat=True):
                line = ids[str(pk)]
                raise RowError(line, f"id {pk} is already another user's or identity's")

    def _organizations(self, paths: set[str]) -> dict[str, Organization]:
        """path → organization, one query per batch for the paths not seen in earlier batches
        (a users import never changes organizations; its transaction holds them)."""
        missing = paths - self._orgs.keys()
        if missing:
            self._orgs.update((org.path, org) for org in Organization.objects.filter(
                one_of("path", missing)).order_by().only("pk", "path", "virtual", "depth"))
        return self._orgs

    def _hash(self, line: int, stored: str | None, pwd: str) -> str | None:
        """The hash to store for a password given in clear on `line`: None when the stored
        hash (None: a new user) already says it, so it is kept; else a new hash."""
        key = (line, stored)
        if key not in self._hashes:
            same = stored is not None and password_is(stored, pwd)
            self._hashes[key] = None if same else make_password(pwd)
        return self._hashes[key]

    def _update(self, user: OrgUser, r: UserRow, changed: list) -> None:
        """A row of an existing user: its columns replace, its empty ones clear (a row is the
        user's whole state, but for what it leaves out: password, pwd.activated, status, and
        a masked hetu). What the row leaves as it was is unchanged: raw values compared, so
        that a new hetu counts though the change log shows both masked."""
        identity = user.identity
        before, values = user_state(user), (_PROFILE(user), _PERSON(identity))
        gone = {name: None for name in user.attributes if name not in r.attributes}
        password = r.pwd_hash
        if password is None and r.pwd:
            password = self._hash(r.line, identity.password, r.pwd)
        user_fields_apply(user, UserFields(
            uid=r.uid, email=r.email, firstname=r.first_name, surname=r.last_name,
            mobile=r.mobile, locale=r.locale, hetu=r.hetu, pwd_hash=password,
            pwd_activated=r.pwd_activated, status=r.status,
            attributes={**gone, **r.attributes}))
        if (_PROFILE(user), _PERSON(identity)) == values:
            self.report.unchanged += 1
            return
        changed.append((before, user))
        self.report.updated += 1


def user_rows(root: str | None = None, *, secrets: bool = False) -> Iterator[dict]:
    """Users as import_users reads them (the whole tree, or one subtree). Without `secrets`
    their hetu masked (`hetu_mask`, which the import reads as "keep") and no password
    hashes (no `pwd_hash`: no change to passwords)."""
    qs = OrgUser.objects.select_related("identity", "organization").order_by(
        "organization__path", "name")
    if root:
        qs = qs.filter(subtree_q(root, "organization__path"))
    for user in qs.iterator(chunk_size=2000):
        identity = user.identity
        row = {"organization": user.organization.path, "name": user.name, "uid": user.uid or "",
               "email": identity.email, "firstname": identity.first_name,
               "surname": identity.last_name, "mobile": identity.mobile, "locale": user.locale,
               "hetu": user.hetu if secrets else hetu_mask(user.hetu),
               "pwd.activated": "true" if user.pwd_activated else "false",
               "status": user.effective_status}
        if secrets:
            row["pwd_hash"] = identity.password
        row.update({k: ",".join(v) for k, v in user.attributes.items()})
        yield row
