"""External identities: the users a connector (an OAuth2 application) names through the
Ainua Users API, merged into identities by email, case-insensitively.

An entry links the connector's external user id to the person whose email it names (the
earliest such identity that is neither staff nor a superuser), or to a new person made for
it. A changed email re-links the external id to that email's identity (never rewriting an
existing identity's email); `null` removes the link. The caller (accounts) learns which
external ids changed identity (`Moved`) and moves what hangs on them. Many entries are
written with a fixed number of statements.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping
from typing import NamedTuple

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import connection
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from audit.models import ChangeRecord
from audit.services import Change, object_type_of, record_bulk
from audit.states import encoded_snapshot, snapshot
from foundation.bulk.write import insert_rows, reserve_ids, update_rows
from identities.models import ExternalIdentity, Identity
from identities.services.bulk import person_values, persons_insert
from identities.services.people import username_valid

Action = ChangeRecord.Action
LINK_COLUMNS = ("id", "connector_id", "external_id", "identity_id", "email", "name",
                "created", "modified")


class ExternalUser(NamedTuple):
    email: str
    name: str = ""
    first_name: str = ""
    last_name: str = ""
    identity: uuid.UUID | None = None  # the identity to link to, if it exists (an import)


class Moved(NamedTuple):
    """An external id's identity before and after a write (None: no link)."""

    before: uuid.UUID | None
    after: uuid.UUID | None


def mergeable() -> Q:
    """The identities the Users API merges into: people, not staff or superusers (an
    integration never binds accounts to an operator's identity by naming its email)."""
    return Q(kind=Identity.Kind.PERSON, is_staff=False, is_superuser=False)


def identities_by_email(emails) -> dict[str, Identity]:
    """The identity each (lower-case) email merges into: the earliest joined."""
    found: dict[str, Identity] = {}
    if not emails:
        return found
    for identity in (Identity.objects.annotate(email_lower=Lower("email"))
                     .filter(mergeable(), email_lower__in=list(emails))
                     .order_by("date_joined", "pk")):
        found.setdefault(identity.email_lower, identity)
    return found


def external_identities_apply(*, connector_id: int,
                              entries: Mapping[str, ExternalUser | None],
                              updated: set[str] | None = None) -> dict[str, Moved]:
    """Write a connector's external users (`None` removes one); answers the external ids
    whose identity changed (`updated`, when given, receives every key whose link changed).
    Unchanged entries write nothing. Runs in the caller's
    transaction and audit context."""
    if not entries:
        return {}
    links = {link.external_id: link for link in ExternalIdentity.objects.filter(
        connector_id=connector_id, external_id__in=list(entries))}
    by_email = identities_by_email({e.email.lower() for e in entries.values() if e})
    hints = {e.identity for e in entries.values() if e is not None and e.identity}
    hinted = Identity.objects.in_bulk(list(hints)) if hints else {}
    now = timezone.now()
    moves: dict[str, Moved] = {}
    made: dict[str, Identity] = {}
    creates: list[ExternalIdentity] = []
    updates: list[tuple[ExternalIdentity, dict]] = []
    deletes: list[ExternalIdentity] = []
    for key, entry in entries.items():
        link = links.get(key)
        if entry is None:
            if link is not None:
                deletes.append(link)
                moves[key] = Moved(link.identity_id, None)
            continue
        email = entry.email.lower()
        target = (hinted.get(entry.identity) if entry.identity else None) or by_email.get(
            email) or made.get(email)
        if target is None:
            target = made[email] = _person(entry, now)
        if link is None:
            creates.append(ExternalIdentity(connector_id=connector_id, external_id=key,
                                            identity=target, email=entry.email,
                                            name=entry.name, created=now, modified=now))
            moves[key] = Moved(None, target.pk)
            continue
        before = snapshot(link)
        if link.identity_id != target.pk:
            moves[key] = Moved(link.identity_id, target.pk)
            link.identity_id = target.pk
        link.email, link.name = entry.email, entry.name
        if snapshot(link) != before:
            link.modified = now
            updates.append((link, before))
            if updated is not None:
                updated.add(key)
    changes = _write_people(list(made.values()))
    changes += _write_links(creates, updates, deletes)
    record_bulk(changes, copy=True, batch_size=max(len(changes), 1))
    return moves


def _person(entry: ExternalUser, now) -> Identity:
    first, last = entry.first_name, entry.last_name
    if not (first or last) and entry.name:
        first, _, last = entry.name.strip().rpartition(" ")
        if not first:
            first, last = last, ""
    return Identity(id=uuid.uuid4(), username=entry.email.lower(), email=entry.email,
                    first_name=first[:150], last_name=last[:150], kind=Identity.Kind.PERSON,
                    is_active=True, date_joined=now, password=unusable_password())


def unusable_password() -> str:
    """What `make_password(None)` stores (the unusable prefix and a random suffix), from one
    read of the system's random source instead of forty choices."""
    return UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)


def _write_people(people: list[Identity]) -> list[Change]:
    """New people: each named by its email where that is a free, valid username (the one
    rule, `username_valid`), else `ainua-<random>`."""
    if not people:
        return []
    taken = set(Identity.objects.filter(username__in=[p.username for p in people])
                .values_list("username", flat=True))
    for person in people:
        if not username_valid(person.username) or person.username in taken:
            person.username = f"ainua-{uuid.uuid4().hex[:20]}"
        taken.add(person.username)
    persons_insert([person_values(pk=p.pk, username=p.username, first_name=p.first_name,
                                  last_name=p.last_name, email=p.email, mobile=p.mobile,
                                  is_active=True)
                    for p in people], [p.password for p in people],
                   joined=people[0].date_joined)
    kind = object_type_of(Identity)
    return [Change(Action.CREATE, kind, str(p.pk),
                   after_encoded=encoded_snapshot(p), object_repr=p.username)
            for p in people]


def _write_links(creates: list[ExternalIdentity], updates: list[tuple[ExternalIdentity, dict]],
                 deletes: list[ExternalIdentity]) -> list[Change]:
    kind = object_type_of(ExternalIdentity)
    table = ExternalIdentity._meta.db_table
    changes: list[Change] = []
    if deletes:
        for link in deletes:
            changes.append(Change(Action.DELETE, kind, str(link.pk), before=snapshot(link),
                                  object_repr=str(link)))
        ExternalIdentity.objects.filter(pk__in=[link.pk for link in deletes])._raw_delete(
            connection.alias)
    if updates:
        update_rows(table, "id", ("identity_id", "email", "name", "modified"),
                    [(link.identity_id, link.email, link.name, link.modified, link.pk)
                     for link, _ in updates])
        changes += [Change(Action.UPDATE, kind, str(link.pk), before=before,
                           after=snapshot(link), object_repr=str(link))
                    for link, before in updates]
    if creates:
        for link, pk in zip(creates, reserve_ids(table, len(creates)), strict=True):
            link.pk = pk
        insert_rows(table, LINK_COLUMNS, [tuple(getattr(link, f"{c}" if c != "id" else "pk")
                                                for c in LINK_COLUMNS) for link in creates])
        changes += [Change(Action.CREATE, kind, str(link.pk),
                   after_encoded=encoded_snapshot(link),
                           object_repr=str(link)) for link in creates]
    return changes


def external_identities_forget(ids) -> None:
    """Remove the links of the identities whose pk is in `ids` (a subquery), each with its
    tombstone: they are about to be deleted."""
    links = list(ExternalIdentity.objects.filter(identity_id__in=ids))
    changes = _write_links([], [], links)
    record_bulk(changes, copy=True, batch_size=max(len(changes), 1))
