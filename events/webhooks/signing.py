"""A delivery's request, signed per the Standard Webhooks specification with its own library
(`standardwebhooks`): the body is the CloudEvent (`application/cloudevents+json`),
`webhook-id` the event's id (the same on every attempt: receivers deduplicate on it),
`webhook-timestamp` the attempt's time, `webhook-signature` `v1,<base64 HMAC-SHA256>` of
`id.timestamp.body` under the subscription's secret (`whsec_…`)."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from standardwebhooks import Webhook

CONTENT_TYPE = "application/cloudevents+json"


def new_secret() -> str:
    """A subscription's signing secret: 32 random bytes, `whsec_` and base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


@dataclass(frozen=True)
class SignedDelivery:
    headers: dict[str, str]
    body: bytes


def signed(secret: str, event_id: str, body: bytes, *,
           at: datetime | None = None) -> SignedDelivery:
    at = at or timezone.now()
    signature = Webhook(secret).sign(event_id, at, body.decode())
    return SignedDelivery({
        "Content-Type": CONTENT_TYPE,
        "webhook-id": event_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature,
    }, body)
