"""A change record as a CloudEvents 1.0 event (JSON structured mode), built and validated by the
CNCF SDK (`cloudevents`).

- `id`: `chg_<record id>`, stable: a redelivery carries the same (Standard Webhooks' webhook-id).
- `source`: where the write came from, `/tessera/<origin>` (`/tessera/api`, `/tessera/admin`,
  `/tessera/command/import_orgs`); `/tessera` for records older than the origin column.
- `type`: `tessera.<kind>.<action>`, the kind being the model's name (`authorisation`,
  `orguser`, `account`, `member`…), the action past tense (`created`, `updated`, `deleted`,
  `revoked`, `restored`); an import's record says created, updated or deleted by its states.
- `subject`: the object's id; `time`: when the record was written, inside its transaction.
- `data`: `{"before": …, "after": …}` exactly as the record holds them (secrets masked).
- extensions: `auditcontext` (its id), `actor`, `clientid`, `correlationid`, and `sequence`
  (the record id, zero-padded): one object's changes in the order they were committed (a
  write holds the object's row lock when its record takes the next id).
"""

from __future__ import annotations

import json

from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent

from audit.models import ChangeRecord

PAST = {"create": "created", "update": "updated", "delete": "deleted", "revoke": "revoked",
        "restore": "restored"}
_FORMAT = JSONFormat()


def event_type(record: ChangeRecord) -> str:
    kind = record.object_type.rsplit(".", 1)[-1]
    action = PAST.get(record.action)
    if action is None:  # an import: what its states say happened
        action = ("created" if record.before is None else
                  "deleted" if record.after is None else "updated")
    return f"tessera.{kind}.{action}"


def cloud_event(record: ChangeRecord) -> CloudEvent:
    origin = record.origin.replace(":", "/")
    return CloudEvent(attributes={
        "specversion": "1.0",
        "id": f"chg_{record.pk}",
        "source": f"/tessera/{origin}" if origin else "/tessera",
        "type": event_type(record),
        "subject": record.object_id,
        "time": record.created_at,
        "datacontenttype": "application/json",
        "auditcontext": record.context_id,
        "actor": record.actor_repr,
        "clientid": record.client_id,
        "correlationid": record.correlation_id,
        "sequence": f"{record.pk:020d}",
    }, data={"before": record.before, "after": record.after})


def as_json(record: ChangeRecord) -> bytes:
    """The event's body, `application/cloudevents+json`."""
    return _FORMAT.write(cloud_event(record))


def as_dict(record: ChangeRecord) -> dict:
    return json.loads(as_json(record))
