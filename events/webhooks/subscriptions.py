"""Webhook subscriptions: made, changed and removed here, each with its change record (the
secret masked there, as every secret is), by the console and by `create_webhook`."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from audit.services import delete_recorded, save_recorded
from authorisations.models import Namespace
from events.models import Delivery, RelayPosition, Webhook
from events.webhooks.addresses import AddressRefused, check
from events.webhooks.relay import NAME, head
from events.webhooks.signing import new_secret
from identities.models import Tenant
from orgs.models import Organization
from orgs.paths import org_path_clean

MAX_PATTERNS = 50


@dataclass(frozen=True)
class Made:
    webhook: Webhook
    secret: str  # shown once

    def as_dict(self) -> dict:
        return {"id": self.webhook.pk, "name": self.webhook.name, "secret": self.secret}


def validate(webhook: Webhook) -> None:
    """Every field of a subscription checked, the URL's addresses included; ValidationError
    naming the fields at fault."""
    errors: dict[str, list[str]] = {}
    try:
        check(webhook.url)
    except AddressRefused as error:
        errors["url"] = [str(error)]
    patterns = webhook.types
    if not isinstance(patterns, list) or not all(isinstance(p, str) and p.strip()
                                                 for p in patterns):
        errors["types"] = ["a list of glob patterns over the event type"]
    elif len(patterns) > MAX_PATTERNS or any(len(p) > 150 for p in patterns):
        errors["types"] = [f"at most {MAX_PATTERNS} patterns of up to 150 characters"]
    if webhook.namespace and not Namespace.objects.filter(code=webhook.namespace).exists():
        errors["namespace"] = [f"no namespace {webhook.namespace!r}"]
    if webhook.tenant and not Tenant.objects.filter(key=webhook.tenant).exists():
        errors["tenant"] = [f"no tenant {webhook.tenant!r}"]
    if webhook.org_path:
        try:
            webhook.org_path = org_path_clean(webhook.org_path)
        except ValidationError as error:
            errors["org_path"] = error.messages
        else:
            if not Organization.objects.filter(path=webhook.org_path).exists():
                errors["org_path"] = [f"no organization {webhook.org_path!r}"]
    try:
        webhook.full_clean(exclude=["secret"])
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def webhook_create(*, name: str, url: str, types: list[str] | None = None,
                   namespace: str = "", org_path: str = "", tenant: str = "") -> Made:
    webhook = Webhook(name=name, url=url, types=list(types or []), namespace=namespace,
                      org_path=org_path, tenant=tenant, secret=new_secret(),
                      created_at=timezone.now())
    validate(webhook)
    with transaction.atomic():
        save_recorded(webhook, created=True)
        _relay_starts()
    return Made(webhook, webhook.secret)


def webhook_save(webhook: Webhook, *, created: bool) -> bool:
    """Save a subscription edited as a whole (the console's form). Made active again, its held
    deliveries are due at once."""
    validate(webhook)
    if created:
        webhook.secret = webhook.secret or new_secret()
    with transaction.atomic():
        was_active = created or Webhook.objects.filter(pk=webhook.pk, active=True).exists()
        changed = save_recorded(webhook, created=created)
        _relay_starts()
        if webhook.active and not was_active:
            _resume(webhook)
    return changed


def _resume(webhook: Webhook) -> None:
    held = Delivery.objects.filter(webhook=webhook, status=Delivery.Status.QUEUED)
    DBTaskResult.objects.filter(id__in=held.values("task_id"), status=TaskResultStatus.READY) \
        .update(run_after=timezone.now())


def webhook_rotate_secret(webhook: Webhook) -> str:
    """A new signing secret (the old one stops at once); the new one, shown once."""
    webhook.secret = new_secret()
    save_recorded(webhook, created=False)
    return webhook.secret


def webhook_delete(webhook: Webhook) -> None:
    """Remove a subscription, its deliveries with it."""
    delete_recorded(webhook)


def _relay_starts() -> None:
    """The relay reads from now on if it never ran: its first cursor is the newest record,
    this subscription's own included (records of transactions still open were written before
    the subscription was, so none is for it)."""
    if not RelayPosition.objects.filter(name=NAME).exists():
        RelayPosition.objects.get_or_create(name=NAME, defaults={
            "cursor": head(settled_only=False).token()})
