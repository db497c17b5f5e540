"""Which events a subscription receives: its type patterns and its reach filters.

- `types`: glob patterns over the event type (`tessera.authorisation.*`, `*.deleted`); none
  means every type.
- `namespace`, `org_path`, `tenant`: each admits the events of its realm's kinds (events.reach
  KINDS) about the object named, for an organization its whole subtree, as the record's states
  say (before or after: a move out of reach is seen by both sides). With any of them set, kinds
  of no realm are left out; with none, every kind passes.

The relay judges a page of records at once (`Judge`): the realm objects named are looked up
once per page, in a fixed number of queries, whatever the page's size. An organization is
placed by its path, from the live table or, once deleted, from its last change record, so a
subtree's removal reaches the subtree's subscribers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from fnmatch import fnmatchcase

from audit.events import event_type
from audit.models import ChangeRecord
from authorisations.models import NAMESPACES, Namespace
from core.tree import within
from events.models import Webhook
from events.reach import KINDS
from identities.models import TENANTS, Tenant
from orgs.models import SUBTREES, Organization

ORGANIZATION = "orgs.organization"
_KIND = {kind.object_type: kind for kind in KINDS}


def type_matches(patterns: Sequence[str], type_: str) -> bool:
    return not patterns or any(fnmatchcase(type_, pattern) for pattern in patterns)


def _realm_ids(record: ChangeRecord) -> set[str]:
    """The realm objects a record is about (its own id, or its states' realm key)."""
    kind = _KIND[record.object_type]
    if kind.key is None:
        return {record.object_id}
    return {str(state[kind.key]) for state in (record.before, record.after)
            if isinstance(state, dict) and state.get(kind.key) is not None}


class Judge:
    """Decides, for one page of records, which subscriptions receive which records."""

    def __init__(self, webhooks: Sequence[Webhook], records: Sequence[ChangeRecord]):
        self.webhooks = webhooks
        self.namespaces = dict(Namespace.objects.filter(
            code__in={w.namespace for w in webhooks if w.namespace}).values_list("code", "pk"))
        self.tenants = dict(Tenant.objects.filter(
            key__in={w.tenant for w in webhooks if w.tenant}).values_list("key", "pk"))
        self.paths = _org_paths(records) if any(w.org_path for w in webhooks) else {}

    def receivers(self, record: ChangeRecord) -> list[Webhook]:
        type_ = event_type(record)
        return [w for w in self.webhooks
                if type_matches(w.types, type_) and self._reaches(w, record)]

    def _reaches(self, webhook: Webhook, record: ChangeRecord) -> bool:
        if not (webhook.namespace or webhook.org_path or webhook.tenant):
            return True
        kind = _KIND.get(record.object_type)
        if kind is None:
            return False
        ids = _realm_ids(record)
        if kind.realm is NAMESPACES and webhook.namespace:
            return str(self.namespaces.get(webhook.namespace)) in ids
        if kind.realm is TENANTS and webhook.tenant:
            return str(self.tenants.get(webhook.tenant)) in ids
        if kind.realm is SUBTREES and webhook.org_path:
            return any(within(self.paths[pk], webhook.org_path)
                       for pk in ids if pk in self.paths)
        return False


def _org_paths(records: Iterable[ChangeRecord]) -> dict[str, str]:
    """The path of every organization the records are about: live ones from their table, the
    deleted ones from their last change record that holds a path (two queries)."""
    wanted = set()
    for record in records:
        kind = _KIND.get(record.object_type)
        if kind is not None and kind.realm is SUBTREES:
            wanted |= _realm_ids(record)
    if not wanted:
        return {}
    paths = {str(pk): path for pk, path in Organization.objects.filter(
        pk__in=[pk for pk in wanted if pk.isdigit()]).values_list("pk", "path")}
    gone = wanted - set(paths)
    if gone:
        for object_id, before, after in ChangeRecord.objects.filter(
                object_type=ORGANIZATION, object_id__in=gone).order_by("-id").values_list(
                "object_id", "before", "after"):
            state = after or before or {}
            if object_id not in paths and state.get("path"):
                paths[object_id] = state["path"]
    return paths
