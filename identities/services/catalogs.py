"""Writes of the small catalogs (salutations, identity providers, bank branches), for the
admin: each save and delete in a transaction with its change record."""

from __future__ import annotations

from django.db import models

from audit.services import delete_recorded, save_recorded


def catalog_entry_save(*, entry: models.Model, created: bool) -> models.Model:
    """Save a catalog entry edited as a whole; unchanged, nothing is written."""
    save_recorded(entry, created=created, clean=True)
    return entry


def catalog_entry_delete(*, entry: models.Model) -> None:
    """Delete an entry nothing refers to (the references PROTECT); a tombstone is kept."""
    delete_recorded(entry)
