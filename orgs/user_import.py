"""import_users: users upserted by `uid` (or by organization and name).

`validate` turns a file row into a `UserRow`: checked by the services' own rules, its password
hashed, and what the user would get if new (ids, an unusable password, its rows and the head of
its change-record state) prepared; on PostgreSQL `prepare` then encodes a batch's new users as
COPY text. Both run in the reading process (core.bulk.worker), so `apply`, in the process that
holds the transaction, only looks rows up and hands them to orgs.bulk.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator
from typing import NamedTuple

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX, make_password
from django.db import connection
from django.utils import timezone

from audit.states import encoded
from core.bulk.files import flag, text
from core.bulk.report import RowError
from core.bulk.run import Importer
from core.bulk.write import json_value, one_of
from core.tree import subtree_q
from identities.bulk import person_values
from identities.queries import usernames_taken
from orgs import bulk, conf
from orgs.attributes import attributes_apply, attributes_from_cells
from orgs.errors import OrgError
from orgs.models import Organization, OrgUser
from orgs.paths import org_path_clean
from orgs.services.users import (
    ENABLED,
    UserFields,
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
    """A validated row. Empty text columns clear; None: `password` (hashed), `pwd_activated`
    and `status` not given."""

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


def user_row(line: int, org: str, name: str | None, data: UserFields) -> UserRow:
    """The row of already cleaned fields, its password hashed once."""
    if data.pwd_hash:
        password = data.pwd_hash
    elif data.pwd:
        password = make_password(data.pwd)
    else:
        password = None
    return UserRow(line, org, name, data.uid or None, data.email or "", data.firstname or "",
                   data.surname or "", data.mobile or "", data.locale or "", data.hetu or "",
                   password, data.pwd_activated, data.status or None,
                   dict(data.attributes or {}))


def new_user(r: UserRow) -> bulk.NewUser:
    """What the row's user gets if it turns out new: ids, an unusable password unless it has
    one, its rows' values and its state (the head, encoded; the importing process ends it)."""
    status = r.status or ENABLED
    pwd_activated = True if r.pwd_activated is None else r.pwd_activated
    pk = str(uuid.uuid4())
    name = r.name or pk
    password = r.password or unusable_password()
    username = r.uid or pk
    head = user_state_head(
        name=name, uid=r.uid, mobile=r.mobile,
        locale=r.locale, hetu=r.hetu, pwd_activated=pwd_activated, status=status,
        attributes=r.attributes, username=username, email=r.email, first_name=r.first_name,
        last_name=r.last_name, is_active=status == ENABLED,
        password_usable=not password.startswith(UNUSABLE_PASSWORD_PREFIX))
    return bulk.NewUser(
        r.line, pk,
        person_values(pk=pk, password=password, username=username, first_name=r.first_name,
                      last_name=r.last_name, email=r.email, is_active=status == ENABLED),
        (pk, name, r.uid, r.mobile, r.locale, r.hetu, pwd_activated, status,
         json_value(r.attributes)),
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
        data = user_fields_clean(UserFields(
            uid=text(row, "uid") or None, email=text(row, "email"),
            firstname=text(row, "firstname"), surname=text(row, "surname"),
            mobile=text(row, "mobile"), locale=text(row, "locale"),
            hetu=text(row, "hetu"), pwd=text(row, "pwd") or None,
            pwd_hash=text(row, "pwd_hash") or None,
            pwd_activated=flag(row, "pwd.activated"), status=text(row, "status") or None,
            attributes=attributes_from_cells(row, USER_KNOWN, self.allowed),
        ))
        attributes_apply({}, data.attributes, self.allowed, "user")
        return user_row(line, org, name, data)

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
        now = timezone.now()
        keys = [row[:4] for row in rows]  # line, organization, name, uid (UserRow's order)
        orgs = self._organizations({org for _, org, _, _ in keys})
        uids = [uid for _, _, _, uid in keys if uid]
        by_uid = {u.uid: u for u in OrgUser.objects.select_related("identity", "organization")
                  .filter(one_of("uid", uids)).order_by()} if uids else {}
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
        new: list[tuple[int, int]] = []  # (line, organization id) of each new user
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
            new.append((line, org.pk))
            if name:
                named[(org.pk, name)] = (line, org_path)
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

    def _organizations(self, paths: set[str]) -> dict[str, Organization]:
        """path → organization, one query per batch for the paths not seen in earlier batches
        (a users import never changes organizations; its transaction holds them)."""
        missing = paths - self._orgs.keys()
        if missing:
            self._orgs.update((org.path, org) for org in Organization.objects.filter(
                one_of("path", missing)).order_by().only("pk", "path", "virtual", "depth"))
        return self._orgs

    def _update(self, user: OrgUser, r: UserRow, changed: list) -> None:
        """A row of an existing user: its columns replace, its empty ones clear (a row is the
        user's whole state, but for what it leaves out: password, pwd.activated, status)."""
        before, password = user_state(user), user.identity.password
        gone = {name: None for name in user.attributes if name not in r.attributes}
        user_fields_apply(user, UserFields(
            uid=r.uid, email=r.email, firstname=r.first_name, surname=r.last_name,
            mobile=r.mobile, locale=r.locale, hetu=r.hetu, pwd_hash=r.password,
            pwd_activated=r.pwd_activated, status=r.status,
            attributes={**gone, **r.attributes}))
        if user_state(user) == before and user.identity.password == password:
            self.report.unchanged += 1
            return
        changed.append((before, user))
        self.report.updated += 1


def user_rows(root: str | None = None) -> Iterator[dict]:
    """Users as import_users reads them (the whole tree, or one subtree)."""
    qs = OrgUser.objects.select_related("identity", "organization").order_by(
        "organization__path", "name")
    if root:
        qs = qs.filter(subtree_q(root, "organization__path"))
    for user in qs.iterator(chunk_size=2000):
        identity = user.identity
        row = {"organization": user.organization.path, "name": user.name, "uid": user.uid or "",
               "email": identity.email, "firstname": identity.first_name,
               "surname": identity.last_name, "mobile": user.mobile, "locale": user.locale,
               "hetu": user.hetu, "pwd_hash": identity.password,
               "pwd.activated": "true" if user.pwd_activated else "false",
               "status": user.status}
        row.update({k: ",".join(v) for k, v in user.attributes.items()})
        yield row
