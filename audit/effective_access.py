"""Effective access: everything that gives one identity access, in one answer (the query side
of the console's panel; docs/console.md, "Effective access").

Each app registers the sections it knows of in its `AppConfig.ready()` (`section_register`),
as `identities.services.holders` registers holders, so this module imports no app: identities its
tenant memberships and an API client's permissions, applications and tenants; orgs the
placement, direct and inherited roles and subtrees; authorisations the authorisations where
the identity is subject or object, its grant rights and namespaces; accounts its bindings.

A section answers `Line`s for one identity in a number of queries of its own that does not
grow with the answer (a join or a recursive query, never a loop of queries), so the panel's
count is fixed by the registry. Each line names the record it comes from (`record`), so the
panel links to the record's admin page and to its history.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils import timezone


@dataclass(frozen=True)
class Line:
    """One thing that gives access: what it is (`text`), where from (`via`, e.g. the role
    an inherited role comes through), its state (`active`, `future`, `expired`, `revoked`,
    `deleted`, `disabled`, or "" when it has none), and the record behind it."""

    text: str
    record: models.Model | None = None
    state: str = ""
    via: str = ""

    @property
    def url(self) -> str | None:
        return _admin_url(self.record, "change")

    @property
    def history_url(self) -> str | None:
        return _admin_url(self.record, "history")


@dataclass(frozen=True)
class Section:
    """A kind of access: `title`, its `order` in the panel, and `lines(identity)`.
    `applies(identity)` (default: always) keeps a section off pages where it means nothing
    (an API client's permissions on a person's page)."""

    key: str
    title: str
    lines: Callable[[Any], list[Line]]
    order: int = 100
    applies: Callable[[Any], bool] = field(default=lambda identity: True)


@dataclass(frozen=True)
class Answer:
    section: Section
    lines: list[Line]


_SECTIONS: dict[str, Section] = {}


def section_register(section: Section) -> None:
    """Register (or replace, by key: `ready()` may run twice) a section."""
    _SECTIONS[section.key] = section


def sections() -> list[Section]:
    return sorted(_SECTIONS.values(), key=lambda s: (s.order, s.key))


def effective_access(identity: Any) -> list[Answer]:
    """Every section that applies to `identity`, with its lines."""
    return [Answer(section, section.lines(identity)) for section in sections()
            if section.applies(identity)]


def window_state(*, valid_from: datetime | None, valid_to: datetime | None,
                 revoked: bool = False, deleted: bool = False,
                 at: datetime | None = None) -> str:
    """The state of a record with a validity window: deleted, revoked, future, expired or
    active (at `at`, default now)."""
    at = at or timezone.now()
    if deleted:
        return "deleted"
    if revoked:
        return "revoked"
    if valid_from is not None and valid_from > at:
        return "future"
    if valid_to is not None and valid_to <= at:
        return "expired"
    return "active"


def _admin_url(record: models.Model | None, view: str) -> str | None:
    if record is None or record.pk is None:
        return None
    opts = record._meta
    try:
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=[record.pk])
    except NoReverseMatch:
        return None
