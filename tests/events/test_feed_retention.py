"""The change feed after a prune of the change log (audit.retention): a cursor from before the
kept records is answered 410 Gone (problem+json), the beginning starts at the oldest record
kept, and a cursor past what was dropped reads on.

Transactional: on PostgreSQL the feed shows committed transactions only (audit.feed)."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from audit.models import ChangeRecord
from audit.retention.partitions import ensure_partitions
from audit.services import audit_context_create
from tests.events.test_feed_api import URL, bearer

pytestmark = pytest.mark.django_db(transaction=True)


def old(month: int, name: str) -> ChangeRecord:
    change = ChangeRecord(context=audit_context_create(), action="create",
                          object_type="tests.thing", object_id=name,
                          created_at=datetime(2025, month, 10, tzinfo=UTC))
    change.save()
    return change


def test_a_cursor_from_before_a_prune_is_gone_and_the_beginning_is_the_oldest_kept(
        make_caller, tmp_path):
    ensure_partitions(date(2025, 1, 1))
    january, february, march = old(1, "jan"), old(2, "feb"), old(3, "mar")
    client = bearer(make_caller(all_perms=True, name="reader"))
    after = {}  # event id -> the cursor just after it, paging one at a time
    cursor = None
    while events := (body := client.get(URL, {"limit": 1, **(
            {"after": cursor} if cursor else {})}).json())["events"]:
        after[events[0]["id"]] = cursor = body["next"]
    order = list(after)
    assert order.index(f"chg_{january.pk}") < order.index(f"chg_{february.pk}")

    call_command("prune_changes", "--before", "2025-03-01", "--export",
                 str(tmp_path / "pruned.ndjson"), stdout=io.StringIO())

    gone = client.get(URL, {"after": after[f"chg_{january.pk}"]})
    assert gone.status_code == 410
    assert gone["Content-Type"] == "application/problem+json"
    problem = gone.json()
    assert problem["status"] == 410 and problem["title"] == "Gone"
    assert problem["prunedBefore"] == "2025-03-01"
    assert "before the oldest change kept" in problem["detail"]
    assert "from the beginning (without `after`)" in problem["detail"]
    # past everything dropped (the last dropped record's cursor): reads on
    onward = client.get(URL, {"limit": 1000, "after": after[f"chg_{february.pk}"]})
    assert onward.status_code == 200
    assert [event["id"] for event in onward.json()["events"]] == order[
        order.index(f"chg_{february.pk}") + 1:]
    # from the beginning: the oldest record kept
    again = client.get(URL, {"limit": 1000})
    assert again.status_code == 200
    kept = [event["id"] for event in again.json()["events"]]
    assert f"chg_{january.pk}" not in kept and f"chg_{february.pk}" not in kept
    assert f"chg_{march.pk}" in kept
    assert kept == [key for key in after if key in kept]  # the rest, as before
    assert client.get(URL, {"after": "0-0", "limit": 1000}).json() == again.json()


def test_the_schema_documents_the_410():
    schema = APIClient().get("/apidoc/schema/", HTTP_ACCEPT="application/json").json()
    answers = schema["paths"][URL]["get"]["responses"]
    assert "pruned" in answers["410"]["description"]
    assert "application/problem+json" in answers["410"]["content"]
