"""Writes of the small catalogs (salutations, identity providers, bank branches), for the
admin: each save and delete in a transaction with its change record."""

from __future__ import annotations

from django.db import models, transaction

from audit.models import ChangeRecord
from audit.services import audited, record, record_delete
from audit.states import raw_state, snapshot

Action = ChangeRecord.Action


def catalog_entry_save(*, entry: models.Model, created: bool) -> models.Model:
    """Save a catalog entry edited as a whole; unchanged, nothing is written."""
    with transaction.atomic(), audited():
        before = None
        if not created:
            current = type(entry).objects.select_for_update().get(pk=entry.pk)
            if raw_state(current) == raw_state(entry):
                return entry
            before = snapshot(current)
        entry.full_clean()
        entry.save()
        record(action=Action.CREATE if created else Action.UPDATE, instance=entry,
               before=before)
    return entry


def catalog_entry_delete(*, entry: models.Model) -> None:
    """Delete an entry nothing refers to (the references PROTECT); a tombstone is kept."""
    with transaction.atomic(), audited():
        record_delete(entry)
        entry.delete()
