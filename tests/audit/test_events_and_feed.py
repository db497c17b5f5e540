"""Change records as CloudEvents (audit.events) and the change feed's pages (audit.feed): every
record once, resumable, and on PostgreSQL no gap when transactions commit out of id order."""

from __future__ import annotations

import random
import threading
import time

import psycopg
import pytest
from cloudevents.core.formats.json import JSONFormat
from django.conf import settings
from django.db import connection

from audit import context as scope
from audit.events import as_dict, as_json, event_type
from audit.feed import Cursor, CursorError, page
from audit.models import ChangeRecord
from audit.services import Change, audit_context_create, record, record_bulk
from identities.models import Tenant
from identities.services.people import person_create

POSTGRES = connection.vendor == "postgresql"
INSERT = ("INSERT INTO audit_changerecord (context_id, action, object_type, object_id, "
          "object_repr, actor_repr, client_id, correlation_id, created_at) VALUES "
          "(%s, 'create', 'tests.thing', %s, '', '', '', '', now()) RETURNING id")


def dsn() -> str:
    db = settings.DATABASES["default"]
    return (f"host={db['HOST'] or '127.0.0.1'} port={db['PORT'] or 5432} "
            f"dbname={db['NAME']} user={db['USER']}")


def changes(n: int, prefix: str = "t") -> list[ChangeRecord]:
    return [record(action="create", object_type="tests.thing", object_id=f"{prefix}{i}",
                   after={"n": i}) for i in range(n)]


# --- the events -----------------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_change_record_is_a_cloudevent_with_its_states_and_context():
    operator = person_create(username="ops")
    with scope.bind(actor=operator, client_id="crm", correlation_id="cid-1", origin="api"):
        changed = record(action="update", instance=Tenant.objects.get(key="default"),
                         before={"name": "Old"})
    event = as_dict(changed)
    assert event == {
        "specversion": "1.0", "id": f"chg_{changed.pk}", "source": "/tessera/api",
        "type": "tessera.tenant.updated", "subject": changed.object_id,
        "time": event["time"], "datacontenttype": "application/json",
        "auditcontext": changed.context_id, "actor": "ops", "clientid": "crm",
        "correlationid": "cid-1", "sequence": f"{changed.pk:020d}",
        "data": {"before": {"name": "Old"}, "after": changed.after},
    }
    assert event["time"].endswith("Z") and event["time"][:19] == \
        changed.created_at.strftime("%Y-%m-%dT%H:%M:%S")
    assert JSONFormat().read(None, as_json(changed)).get_id() == f"chg_{changed.pk}"


@pytest.mark.django_db
def test_the_type_is_the_kind_and_the_action_past_tense_and_the_source_the_command():
    with scope.for_command("import_orgs"):
        made = record_bulk([  # as an import writes them: COPY on PostgreSQL
            Change("import", "orgs.orguser", "1", before=None, after={"uid": "a"}),
            Change("import", "orgs.orguser", "2", before={"uid": "b"}, after={"uid": "c"}),
            Change("import", "orgs.orguser", "3", before={"uid": "d"}, after=None)],
            copy=True)
    assert made == 3
    found = list(ChangeRecord.objects.filter(object_type="orgs.orguser").order_by("id"))
    assert [event_type(r) for r in found] == [
        "tessera.orguser.created", "tessera.orguser.updated", "tessera.orguser.deleted"]
    assert {as_dict(r)["source"] for r in found} == {"/tessera/command/import_orgs"}
    with scope.bind(origin="admin"):
        revoke = record(action="revoke", object_type="authorisations.authorisation",
                        object_id="9", before={"revoked": False}, after={"revoked": True})
    assert event_type(revoke) == "tessera.authorisation.revoked"
    assert as_dict(revoke)["source"] == "/tessera/admin"


# --- the feed ----------------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)  # the feed shows committed transactions only
def test_the_feed_pages_through_everything_once_and_resumes_from_a_cursor():
    written = changes(7)
    seen, cursor = [], Cursor()
    for _ in range(5):
        found = page(cursor, 3)
        seen += [r.pk for r in found.records]
        assert found.next >= cursor
        cursor = found.next
    assert seen == [r.pk for r in written]  # once each, in order, then nothing new
    assert page(cursor, 3).records == [] and page(cursor, 3).next == cursor
    more = changes(2, prefix="u")
    again = page(Cursor.parse(cursor.token()), 10)
    assert [r.pk for r in again.records] == [r.pk for r in more]


def test_a_cursor_is_opaque_and_only_the_feeds_own_parse():
    cursor = Cursor(2**59, 123)
    assert Cursor.parse(cursor.token()) == cursor
    assert Cursor.parse(None) == Cursor() == Cursor.parse("")
    assert cursor.token() == f"{2**59}-123"
    for junk in ("x", "1.2", "-1-2", "01-2", "1-2-3", "é", "1-" + "9" * 19, "1 -2", "1-2\n"):
        with pytest.raises(CursorError):
            Cursor.parse(junk)


@pytest.mark.django_db
def test_records_carry_their_transaction():
    first, second = changes(2)
    first.refresh_from_db()
    second.refresh_from_db()
    if POSTGRES:  # the test's own transaction
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_current_xact_id()::text::bigint")
            assert first.xid == second.xid == cursor.fetchone()[0]
    else:
        assert first.xid == second.xid == 0


@pytest.mark.skipif(not POSTGRES, reason="SQLite's writers take turns: ids are commit order")
@pytest.mark.django_db(transaction=True)
def test_no_gap_and_no_repeat_when_transactions_commit_out_of_id_order():
    """T1 takes its transaction id first, T2 a later one; T1 inserts record A, T2 inserts B
    and C (ids after A's) and commits while T1 is still open. A feed that followed ids would
    hand out B and C, then pass over A for good; this one holds B and C back until T1 ends."""
    context = audit_context_create()
    before = changes(1, prefix="before")[0]
    cursor = page(Cursor(), 100).next
    assert cursor.id == before.pk

    with psycopg.connect(dsn()) as t1, psycopg.connect(dsn()) as t2:
        t1.execute("SELECT pg_current_xact_id()")  # T1: its id first
        t2.execute("SELECT pg_current_xact_id()")
        (a,) = t1.execute(INSERT, [context.pk, "A"]).fetchone()
        (b,) = t2.execute(INSERT, [context.pk, "B"]).fetchone()
        (c,) = t2.execute(INSERT, [context.pk, "C"]).fetchone()
        t2.commit()
        assert a < b < c
        # T1 is open: what committed after it began waits (and nothing is handed out twice)
        waiting = page(cursor, 100)
        assert waiting.records == [] and waiting.next == cursor
        t1.commit()
        found = page(cursor, 100)
    assert [r.object_id for r in found.records] == ["A", "B", "C"]
    assert page(found.next, 100).records == []


@pytest.mark.skipif(not POSTGRES, reason="SQLite's writers take turns: ids are commit order")
@pytest.mark.django_db(transaction=True)
def test_a_reader_paging_beside_parallel_writers_sees_every_record_once():
    """Four writers, each committing transactions of one to three records after random
    pauses (so commits come out of id order), while a reader pages five at a time."""
    context = audit_context_create()
    start = page(Cursor(), 1000).next
    written: list[int] = []
    lock, stop = threading.Lock(), threading.Event()

    def writer(n: int) -> None:
        chance = random.Random(n)
        with psycopg.connect(dsn()) as conn:
            for i in range(15):
                ids = [conn.execute(INSERT, [context.pk, f"w{n}-{i}-{k}"]).fetchone()[0]
                       for k in range(chance.randint(1, 3))]
                time.sleep(chance.random() / 100)
                conn.commit()
                with lock:
                    written.extend(ids)

    seen: list[int] = []

    def reader() -> None:
        cursor = start
        while not stop.is_set():
            found = page(cursor, 5)
            seen.extend(r.pk for r in found.records)
            cursor = found.next
        while found := page(cursor, 5).records:
            seen.extend(r.pk for r in found)
            cursor = Cursor(found[-1].xid, found[-1].pk)
        connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    paging = threading.Thread(target=reader)
    paging.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stop.set()
    paging.join()
    assert len(seen) == len(set(seen))  # no repeat
    assert sorted(seen) == sorted(written)  # no gap
    assert seen != sorted(seen)  # and the commits did come out of id order
