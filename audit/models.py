"""Audit contexts and the append-only change log."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class AppendOnlyError(Exception):
    """Raised on any attempt to change or delete an audit row."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("audit rows cannot be updated")

    def delete(self):
        raise AppendOnlyError("audit rows cannot be deleted")

    _raw_delete = delete


class TransactionId(models.Func):
    """The id of the transaction that writes the row: PostgreSQL's `pg_current_xact_id()` (a
    64-bit xid8, never wrapping), 0 elsewhere (SQLite runs one writer at a time, so its rows'
    ids are already in commit order). The change feed's order rests on it (audit.feed)."""

    template = "(pg_current_xact_id()::text::bigint)"
    output_field = models.BigIntegerField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return "0", []


class AppendOnlyModel(models.Model):
    """A row that may be inserted once and never changed or deleted."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} rows cannot be changed")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{type(self).__name__} rows cannot be deleted")


class AuditContext(AppendOnlyModel):
    """The key under which a caller's changes are grouped (spec 002/003 `AuditContextId`)."""

    id = models.BigAutoField(primary_key=True)
    tenant = models.ForeignKey("identities.Tenant", on_delete=models.PROTECT, related_name="+")
    created_by = models.CharField(max_length=200, help_text="The app that made the context.")
    authorized_app_id = models.CharField(max_length=200, blank=True, default="")
    person_ids = models.JSONField(default=list, blank=True)
    internal_ids = models.JSONField(default=list, blank=True)
    implicit = models.BooleanField(
        default=False, help_text="Made by Tessera for a write that named no context."
    )
    # Who asked for it: kept as a loose reference plus a snapshot, so the trail outlives them.
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    client_repr = models.CharField(max_length=200, blank=True, default="")
    correlation_id = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"audit context {self.id}"


class ChangeRecord(AppendOnlyModel):
    """One change to one object: who, when, what before and after, under which context."""

    class Action(models.TextChoices):
        CREATE = "create"
        UPDATE = "update"
        DELETE = "delete"
        REVOKE = "revoke"
        RESTORE = "restore"
        IMPORT = "import"

    id = models.BigAutoField(primary_key=True)
    context = models.ForeignKey(AuditContext, on_delete=models.PROTECT, related_name="changes")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # indexed where set (Meta.indexes): a command's records have none
        null=True,
        blank=True,
        related_name="+",
    )
    actor_repr = models.CharField(max_length=200, blank=True, default="")
    client_id = models.CharField(max_length=200, blank=True, default="")
    action = models.CharField(max_length=32, choices=Action.choices)
    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=255)
    object_repr = models.CharField(max_length=255, blank=True, default="")
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    correlation_id = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # where the write came from: api, admin, command:<name>, system (audit.context's origin)
    origin = models.CharField(max_length=100, blank=True, default="", db_default="")
    # the writing transaction (set by the database on every insert, COPY included)
    xid = models.BigIntegerField(db_default=TransactionId(), editable=False)

    class Meta:
        ordering = ["-id"]
        indexes = [
            # the change feed's order (audit.feed): by transaction, then by id
            models.Index(fields=["xid", "id"], name="change_feed_idx"),
            # the history of an object (audit.queries.changes_of): object ids are UUIDs or
            # numbers, so the id alone is selective, and its shorter key is cheaper to
            # insert at random (a bulk import's records) than (object_type, object_id); a
            # hash index on PostgreSQL (migration 0005: equality is all it serves)
            models.Index(fields=["object_id"], name="change_object_id_idx"),
            models.Index(fields=["actor"], condition=models.Q(actor__isnull=False),
                         name="change_actor_idx"),
            # an Index rather than db_index=True: no second (LIKE) index on PostgreSQL, for
            # lookups by equality (the admin's search is iexact, OR-ed with icontains, and
            # scans whatever the indexes)
            models.Index(fields=["correlation_id"], name="change_correlation_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type} {self.object_id}"


class Retention(AppendOnlyModel):
    """One prune of the change log (audit.retention.prune): the months before `cutoff` were
    exported and dropped. The highest `horizon` is where the kept change feed begins: a
    cursor before it may have missed dropped records (audit.feed answers PrunedCursorError)."""

    id = models.BigAutoField(primary_key=True)
    cutoff = models.DateTimeField(help_text="Records written before it are gone.")
    months = models.JSONField(default=list, help_text="The months dropped, YYYY-MM.")
    records = models.BigIntegerField(help_text="How many records were dropped.")
    # the last dropped record's feed position (xid, id): a cursor before it missed records
    horizon_xid = models.BigIntegerField()
    horizon_id = models.BigIntegerField()
    export = models.CharField(max_length=1000, blank=True, default="",
                              help_text="The NDJSON file the dropped records went to.")
    pruned_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"change log pruned before {self.cutoff:%Y-%m-%d}"
