"""import_accounts: accounts from NDJSON, in the shape export_accounts writes.

A line is one account: `{"id", "name", "sources": [{"client", "externalId", "name"}],
"users": [{"client", "externalId", "identity", "email"}]}`. Its sources are bound (merged by
common id, re-bound if they were elsewhere), the account named as the line says, and its users
added to the connectors' lists (an import adds and updates; it removes nothing). A user with an
identity that exists, or an email, is linked as the Users API links it (its identity, else
merged by email); one with neither stays pending. The writes are the API's services, a batch
at a time, with their change records and mirrors.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.utils import timezone
from oauth2_provider.models import Application

from accounts import bulk, services
from accounts.models import Account, AccountSource, AccountUser
from accounts.validation import (
    COMMON_ID,
    NAME,
    AccountEntry,
    email_check,
    external_id_check,
    unicode_check,
)
from core import locks
from core.patterns import UUID, matches
from foundation.bulk.run import Importer
from foundation.bulk.write import one_of
from identities.models import Identity
from identities.services.external import ExternalUser

LINE_KEYS = ("id", "name", "sources", "users")


class Parsed(NamedTuple):
    line: int
    common_id: str | None
    name: str
    sources: tuple[tuple[int, str, str], ...]  # connector, external id, name
    users: tuple[tuple[int, str, str | None, str | None], ...]  # connector, id, identity, email


class AccountImporter(Importer):
    name = "accounts"
    batch_size = 5000

    def __init__(self, **options):
        super().__init__(**options)
        self.clients = dict(Application.objects.values_list("client_id", "pk"))

    # --- reading (no database) -------------------------------------------------------------------

    def validate(self, line: int, row: dict) -> Parsed:
        if self.format != "ndjson":
            raise ValidationError("Accounts nest their sources and users: NDJSON only.")
        unknown = sorted(set(row) - set(LINE_KEYS))
        if unknown:
            raise ValidationError({"line": [f"Unknown key(s): {', '.join(unknown)[:200]}."]})
        common_id = row.get("id")
        if common_id is not None:
            common_id = _text(common_id, "id", COMMON_ID, "1 to 64 characters (trimmed)")
        name = _text(row.get("name"), "name", NAME, "1 to 255 characters (trimmed)")
        sources = tuple(self._source(i, s) for i, s in enumerate(_list(row, "sources")))
        if not sources:
            raise ValidationError({"sources": ["An account has at least one source."]})
        if common_id is None and len(sources) > 1:
            raise ValidationError({"sources": ["An account without id has one source."]})
        feeding = {connector for connector, _, _ in sources}
        users = tuple(self._user(i, u, feeding) for i, u in enumerate(_list(row, "users")))
        return Parsed(line, common_id, name, sources, users)

    def _client(self, value: Any, where: str) -> int:
        if not isinstance(value, str) or value not in self.clients:
            raise ValidationError({where: [f"No OAuth2 client has the id {str(value)[:100]!r}."]})
        return self.clients[value]

    def _source(self, index: int, source: Any) -> tuple[int, str, str]:
        where = f"sources[{index}]"
        _object(source, where, ("client", "externalId", "name"))
        return (self._client(source.get("client"), f"{where}.client"),
                external_id_check(source.get("externalId"), f"{where}.externalId"),
                _text(source.get("name"), f"{where}.name", NAME, "1 to 255 characters"))

    def _user(self, index: int, user: Any, feeding: set[int]):
        where = f"users[{index}]"
        _object(user, where, ("client", "externalId", "identity", "email"))
        connector = self._client(user.get("client"), f"{where}.client")
        if connector not in feeding:
            raise ValidationError({f"{where}.client": [
                "A connector binds users only to accounts it has a source of."]})
        identity = user.get("identity")
        if identity is not None and (not isinstance(identity, str)
                                     or not matches(UUID, identity)):
            raise ValidationError({f"{where}.identity": ["Expected a UUID or null."]})
        email = user.get("email")
        if email is not None:
            if not isinstance(email, str):
                raise ValidationError({f"{where}.email": ["Expected a string or null."]})
            email_check(email, f"{where}.email")
        return (connector, external_id_check(user.get("externalId"), f"{where}.externalId"),
                identity, email)

    def prepare(self, rows: list[Parsed]) -> bulk.NewAccounts:
        """The lines that may be all new, encoded as new (what most lines of a file turn
        out to be): those whose common id and sources no other line of the batch names,
        whose users name no identity nor email (linked as the Users API links them) and are
        named so by no other line, and whose external ids leave their reprs open."""
        named = Counter(key for row in rows for key in _keys(row))
        hinted = {(c, e) for row in rows for c, e, identity, email in row.users
                  if identity or email}
        new = [bulk.NewLine(row.line, row.common_id, row.name, row.sources,
                            tuple(dict.fromkeys((c, e) for c, e, _, _ in row.users)))
               for row in rows
               if all(named[key] == 1 for key in _keys(row))
               and all(identity is None and email is None and (c, e) not in hinted
                       and bulk.openable(e) for c, e, identity, email in row.users)
               and all(bulk.openable(e) for _, e, _ in row.sources)]
        return bulk.accounts_prepare(new, timezone.now())

    # --- writing ---------------------------------------------------------------------------------

    def apply(self, rows: list[Parsed], prepared: bulk.NewAccounts) -> None:
        """The batch's lines that turn out all new (none of their sources, common id or
        users is known yet) as prepared; the others through the services, after them."""
        locks.exclusive(services.LOCK)  # held until the import commits
        new = self._new(rows, prepared)
        bulk.accounts_create(prepared, new)
        self.report.created += len(new)
        if len(new) < len(rows):
            made = set(new)
            self._apply([row for row in rows if row.line not in made])

    def _new(self, rows: list[Parsed], prepared: bulk.NewAccounts) -> list[int]:
        """The lines (in order) prepared as new that are: none of their sources is bound,
        no account has their common id, and the Users API has linked none of their users."""
        ready = set(prepared.lines)
        candidates = [row for row in rows if row.line in ready]
        if not candidates:
            return []
        sources = {(c, e) for row in candidates for c, e, _ in row.sources}
        bound = set(AccountSource.objects.filter(services.keys_q(sources)).values_list(
            "connector_id", "external_id"))
        common = {row.common_id for row in candidates if row.common_id}
        known = set(Account.objects.filter(one_of("common_id", common)).values_list(
            "common_id", flat=True)) if common else set()
        linked = services.links_of({(c, e) for row in candidates for c, e, _, _ in row.users})
        return [row.line for row in candidates
                if row.common_id not in known
                and not any((c, e) in bound for c, e, _ in row.sources)
                and not any((c, e) in linked for c, e, _, _ in row.users)]

    def _apply(self, rows: list[Parsed]) -> None:
        """Lines that bind, rename or add to what exists, through the services."""
        before = self._state(rows)
        bound: dict[tuple[int, str], Account] = {}
        services.sources_apply([services.SourceItem(c, e, AccountEntry(n, row.common_id))
                                for row in rows for c, e, n in row.sources], bound=bound)
        account_of = {row.line: bound[row.sources[0][:2]] for row in rows}
        accounts_by_pk = {account.pk: account for account in account_of.values()}
        names = {account_of[row.line].pk: row.name for row in rows}  # the last line's name
        services.accounts_rename({pk: name for pk, name in names.items()
                                  if accounts_by_pk[pk].name != name})
        self._link_users(rows)
        lists: dict[tuple[int, int], list[str]] = defaultdict(list)
        accounts: dict[int, Account] = {}
        for row in rows:
            account = accounts.setdefault(account_of[row.line].pk, account_of[row.line])
            for connector, external_id, _, _ in row.users:
                lists[(account.pk, connector)].append(external_id)
        services.bindings_apply([(accounts[a], c, ids) for (a, c), ids in lists.items()],
                                replace=False)
        for row in rows:
            state = before.get(row.line)
            if state is None:
                self.report.created += 1
            elif state == (row.common_id, row.name, set(row.sources),
                           {(c, e) for c, e, _, _ in row.users}):
                self.report.unchanged += 1
            else:
                self.report.updated += 1

    def _state(self, rows: list[Parsed]) -> dict[int, tuple]:
        """Each line's account as it stands (common id, name, sources, users), when all of
        the line's sources are bound to one account; for the report."""
        keys = {(c, e) for row in rows for c, e, _ in row.sources}
        sources = services.sources_of(keys)
        accounts = {s.account_id for s in sources.values()}
        users = defaultdict(set)
        for account_id, connector_id, external_id in AccountUser.objects.filter(
                account_id__in=accounts).values_list("account_id", "connector_id",
                                                     "external_id"):
            users[account_id].add((connector_id, external_id))
        all_sources = defaultdict(set)
        for source in AccountSource.objects.filter(account_id__in=accounts):
            all_sources[source.account_id].add((source.connector_id, source.external_id,
                                                source.name))
        state = {}
        for row in rows:
            found = {sources.get((c, e)) for c, e, _ in row.sources}
            if None in found:
                continue
            bound = {s.account for s in found}
            if len(bound) == 1:
                account = bound.pop()
                state[row.line] = (account.common_id, account.name,
                                   all_sources[account.pk], users[account.pk])
            else:
                state[row.line] = ()
        return state

    def _link_users(self, rows: list[Parsed]) -> None:
        """Link the users the file names an identity or an email of, per connector."""
        hinted = {u[2] for row in rows for u in row.users if u[2] and not u[3]}
        emails = dict(Identity.objects.filter(pk__in=list(hinted)).values_list("pk", "email")
                      ) if hinted else {}
        named = {(c, e) for row in rows for c, e, identity, email in row.users
                 if identity or email}
        if not named:
            return
        linked = services.links_of(named)  # an existing link stays as it is
        per_connector: dict[int, dict[str, ExternalUser]] = defaultdict(dict)
        for row in rows:
            for connector, external_id, identity, email in row.users:
                if (connector, external_id) in linked:
                    continue
                pk = uuid.UUID(identity) if identity else None
                email = email or emails.get(pk)
                if email:
                    per_connector[connector][external_id] = ExternalUser(email, identity=pk)
        for connector, entries in per_connector.items():
            services.users_link(connector_id=connector, entries=entries)


def _keys(row: Parsed):
    """What a line names that only one line of a batch may name to be written as new."""
    if row.common_id:
        yield row.common_id
    for connector, external_id, _ in row.sources:
        yield (connector, external_id)


def _list(row: dict, key: str) -> list:
    value = row.get(key, [])
    if not isinstance(value, list):
        raise ValidationError({key: ["Expected an array."]})
    return value


def _object(value: Any, where: str, keys: tuple[str, ...]) -> None:
    if not isinstance(value, dict):
        raise ValidationError({where: ["Expected an object."]})
    unknown = sorted(set(value) - set(keys))
    if unknown:
        raise ValidationError({where: [f"Unknown key(s): {', '.join(unknown)[:200]}."]})


def _text(value: Any, where: str, pattern: str, rule: str) -> str:
    if not isinstance(value, str) or not matches(pattern, value):
        raise ValidationError({where: [f"Expected text of {rule}, without NUL."]})
    unicode_check(value, where)
    return value.strip()
