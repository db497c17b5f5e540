"""Webhook subscriptions, their deliveries, and how far the relay has read the change feed.

A `Delivery` is the console's record of one event on its way to one subscription (status,
attempts, the last answer); the attempts themselves are tasks of the queue
(`django_tasks_db`, events.webhooks.tasks), never rows of a table of our own.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone


class Webhook(models.Model):
    """A subscription: where events go, signed with its secret, filtered by type and reach.

    Reach filters (namespace, organization subtree, tenant) each admit the events of their own
    realm's kinds within the object named (events.webhooks.filters); with any of them set, the
    kinds of no realm (identities, accounts, the catalogue) are left out."""

    id = models.BigAutoField(primary_key=True)
    name = models.CharField(max_length=100, unique=True)
    url = models.URLField(max_length=2000)
    # the Standard Webhooks signing key, `whsec_…`: needed in clear to sign; never in the
    # change log (audit.states.SECRET_FIELDS) and shown once, when made
    secret = models.CharField(max_length=100)
    types = models.JSONField(default=list, blank=True,
                             help_text="Glob patterns over the event type; none: every type.")
    namespace = models.CharField(max_length=100, blank=True, default="",
                                 help_text="An authorisation namespace code.")
    org_path = models.CharField(max_length=1000, blank=True, default="",
                                help_text="An organization path: its whole subtree.")
    tenant = models.CharField(max_length=64, blank=True, default="", help_text="A tenant key.")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Delivery(models.Model):
    """One event (a change record) for one subscription.

    Deliveries of one object (`lane`) to one subscription go one at a time, in the records'
    order: the first is QUEUED (one live task carries it), the later ones WAIT until it is
    delivered or dead (events.webhooks.lanes)."""

    class Status(models.TextChoices):
        WAITING = "waiting", "waiting (an earlier change of the object goes first)"
        QUEUED = "queued"
        DELIVERED = "delivered"
        DEAD = "dead", "dead letter"

    OPEN = (Status.WAITING, Status.QUEUED)

    id = models.BigAutoField(primary_key=True)
    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    # the change record (no foreign key: the change log is pruned by whole partitions)
    record_id = models.BigIntegerField()
    event_type = models.CharField(max_length=150)
    lane = models.CharField(max_length=400, help_text="The object: object type and id.")
    status = models.CharField(max_length=10, choices=Status.choices)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    # attempts go on until then (WEBHOOK_RETRY_HOURS after it was made, or replayed)
    retry_until = models.DateTimeField()
    # the queue's task that carries it while QUEUED (django_tasks_db's DBTaskResult id)
    task_id = models.UUIDField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True,
                                                   help_text="The last answer's HTTP status.")
    last_error = models.CharField(max_length=500, blank=True, default="")
    last_response = models.CharField(max_length=1000, blank=True, default="",
                                     help_text="The start of the last answer's body.")

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "deliveries"
        constraints = [models.UniqueConstraint(fields=["webhook", "record_id"],
                                               name="delivery_once_per_webhook")]
        indexes = [
            models.Index(fields=["webhook", "lane", "record_id"], name="delivery_open_lane_idx",
                         condition=Q(status__in=["waiting", "queued"])),
            models.Index(fields=["status", "webhook"], name="delivery_status_idx"),
        ]

    def __str__(self) -> str:
        return f"chg_{self.record_id} → {self.webhook_id}"

    @property
    def event_id(self) -> str:
        return f"chg_{self.record_id}"


class RelayPosition(models.Model):
    """How far the relay has read the change feed (a cursor of audit.feed)."""

    name = models.CharField(max_length=50, primary_key=True)
    cursor = models.CharField(max_length=50)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.name} at {self.cursor}"
