"""What higher contexts do before identities are deleted, registered by them at start-up
(identities imports none of them): an identity's deletion is decided here or below (the
identity admin, CustomerID's Remove), and what hangs on it higher up must go first, recorded.
The hooks run in the deleting transaction, with the ids as a subquery."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import QuerySet

BeforeDelete = Callable[[QuerySet], None]
_before_delete: list[BeforeDelete] = []


def on_identities_delete(hook: BeforeDelete) -> BeforeDelete:
    """Register `hook(ids)` (once), called before identities whose pk is in `ids` go."""
    if hook not in _before_delete:
        _before_delete.append(hook)
    return hook


def identities_deleting(ids: QuerySet) -> None:
    for hook in _before_delete:
        hook(ids)
