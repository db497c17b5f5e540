"""What the webhooks still need of the change log: a prune (audit.retention) may not drop
records the relay has not read yet, nor records of deliveries still under way."""

from __future__ import annotations

from datetime import datetime

from audit.feed import Cursor, after_cursor
from audit.models import ChangeRecord
from events.models import Delivery, RelayPosition, Webhook
from events.webhooks.relay import NAME


def needed_before(until: datetime) -> str | None:
    """Why records written before `until` may not go yet, or None."""
    if not Webhook.objects.exists():
        return None
    before = ChangeRecord.objects.filter(created_at__lt=until)
    position = RelayPosition.objects.filter(name=NAME).first()
    if position is not None and after_cursor(before, Cursor.parse(position.cursor)).exists():
        return ("the webhooks' relay has not read every record of those months yet: run "
                "deliver_events and try again")
    open_ = Delivery.objects.filter(status__in=Delivery.OPEN).values("record_id")
    if before.filter(pk__in=open_).exists():
        return ("webhook deliveries of records of those months are still under way (see the "
                "console's deliveries): let them finish or die, then try again")
    return None
