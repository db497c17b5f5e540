"""import_identities / export_identities: the DFS identities (spec 003) with their tenant
memberships, as CSV or NDJSON, on the one bulk framework (foundation.bulk, docs/bulk.md).

A row is upserted by `ExternalId` when it has one (an identity holding it), else by
`UserName`. A column left out (or an NDJSON null) keeps what the identity has (a new one
gets empty text, sign-in enabled, no password); an empty cell clears. `Memberships`
(`tenant:roleId[:disabled]`, `;` between them) creates or changes the memberships it names
and never removes one (audit contexts name member ids). `PasswordHash` (exported only with
--include-secrets) is a Django password hash. Only people are imported: a key naming an API
client's service account or an admin operator is a bad row. Decisions: docs/identities.md.
"""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Iterator
from typing import Any, NamedTuple

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX, identify_hasher
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db.models import Prefetch
from django.utils import timezone

from audit.models import ChangeRecord
from audit.services import Change, object_type_of, record_bulk
from audit.states import encoded_snapshot, raw_state, snapshot
from foundation.bulk.files import CellError, flag, text
from foundation.bulk.report import RowError, RowErrors
from foundation.bulk.run import Importer
from foundation.bulk.write import one_of
from identities.models import BankBranch, Identity, IdentityRole, Member, Salutation, Tenant
from identities.queries.directory import PEOPLE
from identities.services import bulk
from identities.services.people import username_check

COLUMNS = ["UserName", "ExternalId", "FirstName", "LastName", "Email", "SalutationId",
           "Description", "Phone", "Fax", "Mobile", "Url", "BankBranchId", "IdentityRoleId",
           "IsSignInEnabled", "Memberships", "PasswordHash"]
# column → (model field, longest text)
TEXTS = {"FirstName": ("first_name", 150), "LastName": ("last_name", 150),
         "Email": ("email", 254), "Description": ("description", 1000),
         "Phone": ("phone", 32), "Fax": ("fax", 32), "Mobile": ("mobile", 32),
         "Url": ("url", 500)}
REFERENCES = {"SalutationId": ("salutation_id", Salutation),
              "BankBranchId": ("bank_branch_id", BankBranch),
              "IdentityRoleId": ("identity_role_id", IdentityRole)}
MEMBERSHIP = re.compile(r"^([-a-zA-Z0-9_]{1,64}):([0-9]{1,10})(?::(enabled|disabled))?$")
LOCAL_PROVIDER = 1
Action = ChangeRecord.Action
_email = EmailValidator()


class IdentityRow(NamedTuple):
    """A validated row: `values` the model fields given (None-free text, ints or None),
    `memberships` (tenant key, role id, enabled) given."""

    line: int
    username: str | None
    external_id: str | None  # None: not given; "" clears
    values: dict[str, Any]
    memberships: tuple[tuple[str, int | None, bool], ...]
    password_hash: str | None


def _int(row: dict, name: str) -> int | str | None:
    value = text(row, name)
    if value is None:
        return "absent"
    if value == "":
        return None
    if not value.isdigit() or int(value) > 2**31 - 1:
        raise CellError(f"{name} must be a positive 32-bit integer")
    return int(value)


def memberships_parse(value: str) -> tuple[tuple[str, int | None, bool], ...]:
    """`tenant:roleId[:enabled|disabled]`, `;` between them; role 0: none."""
    out = []
    for part in filter(None, (p.strip() for p in value.split(";"))):
        match = MEMBERSHIP.match(part)
        if match is None:
            raise CellError(f"Memberships: {part!r} is not tenant:roleId[:enabled|disabled]")
        out.append((match[1], int(match[2]) or None, match[3] != "disabled"))
    return tuple(out)


def memberships_text(members) -> str:
    return ";".join(f"{m.tenant.key}:{m.identity_role_id or 0}"
                    f"{'' if m.is_enabled else ':disabled'}" for m in members)


def unusable_password() -> str:
    return UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)


class IdentityImporter(Importer):
    """Upsert identities by ExternalId or UserName, with their memberships."""

    name = "identities"

    def __init__(self, **options):
        super().__init__(**options)
        self._claimed: dict[str, str] = {}  # "u:name" / "x:external id" → identity pk
        self._catalogs: dict[str, set[int]] | None = None
        self._tenants: dict[str, int] | None = None

    def check_header(self, header) -> None:
        unknown = [c for c in header if c not in COLUMNS]
        if unknown:
            raise RowError(1, f"unknown column(s): {', '.join(unknown)}")

    def validate(self, line: int, row: dict) -> IdentityRow:
        unknown = [c for c in row if c not in COLUMNS]
        if unknown:
            raise RowError(line, f"unknown field(s): {', '.join(unknown)}")
        username = text(row, "UserName") or None
        if username is not None:
            username_check(username)
        external = text(row, "ExternalId")
        if external is not None and len(external) > 100:
            raise RowError(line, "ExternalId: longer than 100 characters")
        if username is None and not external:
            raise RowError(line, "a row needs a UserName or an ExternalId")
        values: dict[str, Any] = {}
        for column, (field, longest) in TEXTS.items():
            value = text(row, column)
            if value is not None:
                if len(value) > longest:
                    raise RowError(line, f"{column}: longer than {longest} characters")
                values[field] = value
        if values.get("email"):
            try:
                _email(values["email"])
            except ValidationError:
                raise RowError(line, "Email: not a valid email address") from None
        for column, (field, _) in REFERENCES.items():
            value = _int(row, column)
            if value != "absent":
                values[field] = value
        active = flag(row, "IsSignInEnabled")
        if active is not None:
            values["is_active"] = active
        members = memberships_parse(text(row, "Memberships") or "")
        password = text(row, "PasswordHash") or None
        if password is not None and not password.startswith(UNUSABLE_PASSWORD_PREFIX):
            try:
                identify_hasher(password)
            except ValueError:
                raise RowError(line, "PasswordHash: not a password hash this server "
                                     "knows") from None
        return IdentityRow(line, username, external, values, members, password)

    def prepare(self, rows: list[IdentityRow]) -> dict[int, tuple[str, tuple, str]]:
        """Each row's identity as it would be if new — its id, its raw row
        (`identities.services.bulk.identity_values`) and its change record's state, encoded —
        made in the reading process, so that the importing process only picks those of the rows that
        turn out new."""
        now = timezone.now()
        out = {}
        for r in rows:
            identity = self._new_identity(r, str(uuid.uuid4()), now)
            out[r.line] = (str(identity.pk), bulk.identity_values(identity),
                           encoded_snapshot(identity))
        return out

    @staticmethod
    def _new_identity(r: IdentityRow, pk: str, now) -> Identity:
        identity = Identity(
            id=uuid.UUID(pk), username=r.username, kind=Identity.Kind.PERSON,
            is_active=True, date_joined=now, identity_provider_id=LOCAL_PROVIDER,
            password=r.password_hash or unusable_password())
        identity.external_id = r.external_id or None
        for field, value in r.values.items():
            setattr(identity, field, value)
        return identity

    def _load_catalogs(self) -> None:
        if self._catalogs is None:
            self._catalogs = {field: set(model.objects.values_list("id", flat=True))
                              for field, model in REFERENCES.values()}
            self._tenants = dict(Tenant.objects.values_list("key", "id"))

    def _check(self, r: IdentityRow, errors: list[RowError]) -> bool:
        for column, (field, _) in REFERENCES.items():
            value = r.values.get(field)
            if value is not None and value not in self._catalogs[field]:
                errors.append(RowError(r.line, f"{column}: no such entry ({value})"))
                return False
        for key, role, _ in r.memberships:
            if key not in self._tenants:
                errors.append(RowError(r.line, f"Memberships: no tenant {key!r}"))
                return False
            if role is not None and role not in self._catalogs["identity_role_id"]:
                errors.append(RowError(r.line, f"Memberships: no identity role {role}"))
                return False
        return True

    def apply(self, rows: list[IdentityRow], prepared: dict) -> None:
        """Upsert one validated batch with a fixed number of queries."""
        self._load_catalogs()
        externals = [r.external_id for r in rows if r.external_id]
        names = [r.username for r in rows if r.username]
        found = Identity.objects.filter(one_of("external_id", externals)) if externals else []
        by_external = {i.external_id: i for i in found}
        found = Identity.objects.filter(one_of("username", names)) if names else []
        by_name = {i.username: i for i in found}
        errors: list[RowError] = []
        plans: list[tuple[IdentityRow, Identity | None]] = []
        claims: dict[str, str] = {}
        for r in rows:
            if not self._check(r, errors):
                continue
            target = by_external.get(r.external_id) if r.external_id else None
            if target is None and r.username:
                target = by_name.get(r.username)
            if target is None and not r.username:
                errors.append(RowError(r.line, "UserName: a new identity needs one"))
                continue
            if target is not None and (target.kind != Identity.Kind.PERSON or target.is_staff
                                       or target.is_superuser):
                errors.append(RowError(r.line, "not a person: API clients' service accounts "
                                               "and admin operators are not imported"))
                continue
            pk = str(target.pk) if target else prepared[r.line][0]
            error = self._claim(r, pk, target, by_name, by_external, claims)
            if error:
                errors.append(RowError(r.line, error))
                continue
            plans.append((r, target, pk))
        if errors:
            raise RowErrors(errors)
        self._claimed.update(claims)
        self._write(plans, prepared)

    def _claim(self, r: IdentityRow, pk: str, target: Identity | None, by_name: dict,
               by_external: dict, claims: dict) -> str | None:
        """The row's user name and external id, unless another identity (stored, or an
        earlier row of the file) holds them."""
        wanted = []
        if r.username:
            holder = by_name.get(r.username)
            if holder is not None and str(holder.pk) != pk:
                return f"UserName: {r.username!r} is another identity's"
            wanted.append(f"u:{r.username}")
        if r.external_id:
            holder = by_external.get(r.external_id)
            if holder is not None and str(holder.pk) != pk:
                return f"ExternalId: {r.external_id!r} is another identity's"
            wanted.append(f"x:{r.external_id}")
        for key in wanted:
            owner = claims.get(key) or self._claimed.get(key)
            if owner is not None and owner != pk:
                return f"{'UserName' if key[0] == 'u' else 'ExternalId'}: {key[2:]!r} is " \
                       f"another row's of this file"
        for key in wanted:
            claims[key] = pk
        return None

    def _write(self, plans: list, prepared: dict) -> None:
        changes: list[Change] = []
        new: list[tuple] = []
        changed: list[Identity] = []
        identity_type = object_type_of(Identity)
        for r, target, pk in plans:
            if target is None:
                _, values, state = prepared[r.line]
                new.append(values)
                changes.append(Change(Action.CREATE, identity_type, pk,
                                      object_repr=r.username, after_encoded=state))
                self.report.created += 1
                continue
            before_raw, before = raw_state(target), snapshot(target)
            if r.username:
                target.username = r.username
            if r.external_id is not None:
                target.external_id = r.external_id or None
            for field, value in r.values.items():
                setattr(target, field, value)
            if r.password_hash:
                target.password = r.password_hash
            if raw_state(target) != before_raw:
                changed.append(target)
                changes.append(Change(Action.UPDATE, identity_type, pk, before=before,
                                      after=snapshot(target), object_repr=target.username))
                self.report.updated += 1
            else:
                self.report.unchanged += 1
        bulk.identities_insert(new)
        bulk.identities_update(changed)
        changes += self._memberships(plans)
        record_bulk(changes, copy=True)

    def _memberships(self, plans: list) -> list[Change]:
        """Create or change the memberships the rows name (one lookup, one insert, one
        update); their change records."""
        wanted = {(pk, self._tenants[key]): (role, enabled)
                  for r, _, pk in plans for key, role, enabled in r.memberships}
        if not wanted:
            return []
        ids = sorted({pk for pk, _ in wanted})
        existing = {(str(m.identity_id), m.tenant_id): m for m in Member.objects.filter(
            identity_id__in=[uuid.UUID(pk) for pk in ids]).order_by()} if any(
            target is not None for _, target, _ in plans) else {}
        member_type = object_type_of(Member)
        new, changed, changes = [], [], []
        now = timezone.now()
        for (pk, tenant_id), (role, enabled) in wanted.items():
            member = existing.get((pk, tenant_id))
            if member is None:
                new.append(Member(tenant_id=tenant_id, identity_id=uuid.UUID(pk),
                                  identity_role_id=role, is_enabled=enabled, created_at=now))
                continue
            before_raw, before = raw_state(member), snapshot(member)
            member.identity_role_id, member.is_enabled = role, enabled
            if raw_state(member) != before_raw:
                changed.append(member)
                changes.append(Change(Action.UPDATE, member_type, str(member.pk),
                                      before=before, after=snapshot(member)))
        bulk.members_insert(new)
        bulk.members_update(changed)
        changes += [Change(Action.CREATE, member_type, str(m.pk), after=snapshot(m))
                    for m in new]
        return changes


def identity_rows(*, secrets: bool) -> Iterator[dict]:
    """Every person, as import_identities reads them (streamed, a fixed number of queries a
    chunk); `PasswordHash` only with `secrets`."""
    people = (Identity.objects.filter(PEOPLE).order_by("username")
              .prefetch_related(Prefetch("memberships", queryset=Member.objects
                                         .select_related("tenant").order_by("id"))))
    for identity in people.iterator(chunk_size=2000):
        row = {"UserName": identity.username, "ExternalId": identity.external_id or ""}
        for column, (field, _) in TEXTS.items():
            row[column] = getattr(identity, field)
        for column, (field, _) in REFERENCES.items():
            value = getattr(identity, field)
            row[column] = "" if value is None else value
        row["IsSignInEnabled"] = "true" if identity.is_active else "false"
        row["Memberships"] = memberships_text(identity.memberships.all())
        if secrets:
            row["PasswordHash"] = identity.password
        yield row
