import json
import math

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError

from audit import context as scope
from audit.models import AppendOnlyError, AuditContext, ChangeRecord
from audit.services import Change, audit_context_create, audited, record, record_bulk
from identities.models import Tenant
from identities.services.people import person_create

pytestmark = pytest.mark.django_db


def test_record_names_actor_client_and_correlation_id():
    actor = person_create(username="operator")
    with scope.bind(correlation_id="cid-1", actor=actor, client_id="client-x"):
        change = record(action="update", instance=Tenant.objects.get(key="default"))
    assert change.actor_id == actor.id
    assert change.actor_repr == "operator"
    assert change.client_id == "client-x"
    assert change.correlation_id == "cid-1"
    assert change.after["key"] == "default"
    assert change.context.implicit is True


def test_secret_fields_never_enter_the_log():
    identity = person_create(username="p", password="s3cret-Passw0rd")
    change = ChangeRecord.objects.filter(object_id=str(identity.pk)).get()
    assert change.after["password"] == "***"
    assert "s3cret" not in str(change.after)


def test_secret_keys_of_hand_built_states_are_masked_too():
    change = record(action="update", object_type="x.y", object_id="1",
                    before={"hetu": "131052-308T", "name": "a"}, after={"pwd": "", "name": "b"})
    assert change.before == {"hetu": "***", "name": "a"}
    assert change.after == {"pwd": "", "name": "b"}  # an empty secret stays visibly empty


def test_change_record_cannot_be_changed_or_deleted():
    change = record(action="create", object_type="x.y", object_id="1", after={"a": 1})
    change.action = "delete"
    with pytest.raises(AppendOnlyError):
        change.save()
    with pytest.raises(AppendOnlyError):
        change.delete()
    with pytest.raises(AppendOnlyError):
        ChangeRecord.objects.filter(pk=change.pk).update(action="delete")
    with pytest.raises(AppendOnlyError):
        ChangeRecord.objects.filter(pk=change.pk).delete()
    assert ChangeRecord.objects.get(pk=change.pk).action == "create"


def test_audit_context_cannot_be_changed_or_deleted():
    context = audit_context_create(created_by="x")
    with pytest.raises(AppendOnlyError):
        context.save()
    with pytest.raises(AppendOnlyError):
        context.delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_database_refuses_raw_update_and_delete_on_postgresql():
    change = record(action="create", object_type="x.y", object_id="1")
    for sql in (
        "UPDATE audit_changerecord SET action = 'x' WHERE id = %s",
        "DELETE FROM audit_changerecord WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [change.pk])
    assert ChangeRecord.objects.filter(pk=change.pk, action="create").exists()


def test_records_of_one_block_share_one_implicit_context():
    before = AuditContext.objects.count()
    with audited() as context:
        first = record(action="create", object_type="x.y", object_id="1")
        second = record(action="create", object_type="x.y", object_id="2")
    assert first.context_id == second.context_id == context.id
    assert AuditContext.objects.count() == before + 1


def test_a_given_context_is_used():
    context = audit_context_create(created_by="backoffice")
    change = record(action="create", object_type="x.y", object_id="1", context=context)
    assert change.context_id == context.id


@pytest.mark.parametrize("size", [10, 500])
def test_record_bulk_query_count_does_not_grow(size, count_queries):
    context = audit_context_create(created_by="import")
    changes = [Change("import", "x.y", str(i), after={"i": i}) for i in range(size)]
    with count_queries() as queries:
        assert record_bulk(changes, context=context, batch_size=50) == size
    assert len(queries) == math.ceil(size / 50)  # one INSERT per batch, none per row
    assert ChangeRecord.objects.filter(context=context, action="import").count() == size


@pytest.mark.parametrize("size", [10, 500])
def test_record_bulk_copy_query_count_does_not_grow(size, count_queries):
    context = audit_context_create(created_by="import")
    changes = [Change("import", "x.y", str(i), after={"i": i}) for i in range(size)]
    with count_queries() as queries:
        assert record_bulk(changes, context=context, batch_size=50, copy=True) == size
    # PostgreSQL: one COPY (not seen by the query log); elsewhere one executemany per batch
    expected = 0 if connection.vendor == "postgresql" else math.ceil(size / 50)
    assert len(queries) == expected
    assert ChangeRecord.objects.filter(context=context, action="import").count() == size


def test_record_bulk_copy_stores_what_the_orm_path_stores():
    import datetime
    import uuid

    actor = person_create(username="importer")
    context = audit_context_create(created_by="import")
    state = {"id": uuid.UUID(int=7), "at": datetime.datetime(2024, 5, 1, 12, tzinfo=datetime.UTC),
             "day": datetime.date(2024, 5, 1), "n": 1, "ok": True, "none": None,
             "list": ["a", "ä"], "nested": {"x": [1, 2]}}
    changes = [Change("update", "x.y", "1", before={"n": 0}, after=state, object_repr="r" * 300),
               Change("import", "x.y", 2, after=state)]
    with scope.bind(correlation_id="cid-bulk", actor=actor, client_id="client-b"):
        record_bulk(changes, context=context)
        record_bulk(changes, context=context, copy=True)
    fields = ["context_id", "actor_id", "actor_repr", "client_id", "action", "object_type",
              "object_id", "object_repr", "before", "after", "correlation_id"]
    rows = list(ChangeRecord.objects.filter(context=context, object_type="x.y").order_by("id")
                .values_list(*fields))
    assert len(rows) == 4 and rows[:2] == rows[2:]
    assert rows[0][:4] == (context.id, actor.id, "importer", "client-b")
    assert rows[0][7] == "r" * 255 and rows[0][10] == "cid-bulk"
    assert rows[1][9]["id"] == str(uuid.UUID(int=7)) and rows[1][9]["at"].startswith("2024-05-01")
    stamps = ChangeRecord.objects.filter(context=context, object_type="x.y").values_list(
        "created_at", flat=True)
    assert all(s.tzinfo is not None for s in stamps)


def test_audit_context_ids_strictly_increase():
    ids = [audit_context_create(created_by="x").id for _ in range(5)]
    assert ids == sorted(ids) and len(set(ids)) == 5


@pytest.mark.parametrize("copy", [False, True])
def test_bulk_records_mask_secret_keys_too(copy):
    context = audit_context_create(created_by="import")
    record_bulk([Change("import", "x.y", "1", before={"hetu": "131052-308T"},
                        after={"pwd": "s3cret", "name": "n"})], context=context, copy=copy)
    change = ChangeRecord.objects.get(context=context, action="import")
    assert change.before == {"hetu": "***"} and change.after == {"pwd": "***", "name": "n"}


def test_prepared_records_are_stored_like_changes():
    """COPY rows on PostgreSQL, read back into values elsewhere: stored alike."""
    from audit.services import change_copy_fields
    from audit.states import encoded

    context = audit_context_create(created_by="import")
    after = {"name": "a\tb", "hetu": "***"}
    prepared = [change_copy_fields("import", "x.y", "p1", "repr\\1", after_encoded=encoded(after))]
    with scope.bind(correlation_id="cid-prep"):
        assert record_bulk([Change("import", "x.y", "c1", after=after, object_repr="repr\\1")],
                           context=context, copy=True, prepared=prepared) == 2
    fields = ["context_id", "actor_id", "actor_repr", "client_id", "action", "object_type",
              "object_repr", "before", "after", "correlation_id", "created_at"]
    rows = {r[0]: r[1:] for r in ChangeRecord.objects.filter(context=context, object_type="x.y")
            .values_list("object_id", *fields)}
    assert set(rows) == {"p1", "c1"} and rows["p1"] == rows["c1"]
    assert rows["p1"][5:10] == ("x.y", "repr\\1", None, after, "cid-prep")


def test_prepared_records_need_a_copy():
    with pytest.raises(ValueError):
        record_bulk([], copy=False, prepared=["x"])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL query plans")
def test_an_objects_history_and_an_actors_changes_are_found_by_index():
    from audit.queries import changes_of

    actor = person_create(username="indexed")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for queryset, index in [
            (changes_of(actor), "change_object_id_idx"),
            (ChangeRecord.objects.filter(actor=actor), "change_actor_idx"),
        ]:
            sql, params = queryset.query.sql_with_params()
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            # the index, or its copy on a monthly partition (audit.retention.partitions)
            cursor.execute("SELECT relid::text FROM pg_partition_tree(%s)", [index])
            copies = [row[0] for row in cursor.fetchall()]
            assert [name for name in copies if f" {name} " in plan], plan


def test_snapshot_is_the_json_of_the_row_without_a_round_trip(db):
    """snapshot converts each value by its field's type (a bulk import's hot path); it must
    give exactly what serialising the row's values through JSON gives, secrets masked."""
    from datetime import timedelta

    from audit.states import MASK, encoded, encoded_snapshot, snapshot, to_json
    from authorisations.models import Authorisation, AuthorisationType
    from authorisations.services.authorisations import authorisation_create
    from authorisations.services.catalog import coded_item_create, namespace_create
    from identities.services.people import person_create

    namespace = namespace_create(code="ns", default_validity=timedelta(days=3, seconds=7))
    coded_item_create(model=AuthorisationType, namespace=namespace, code="t")
    made = authorisation_create(namespace=namespace, data={
        "type_code": "t", "subject_type": "string", "subject_value": "a",
        "object_type": "string", "object_value": "b"})
    person = person_create(username="p", password="Secret-12345")
    for row in (Authorisation.objects.get(pk=made.pk), namespace, person):
        plain = {f.name: getattr(row, f.attname) for f in row._meta.concrete_fields
                 if f.name not in getattr(row, "audit_derived", ())}
        expected = to_json({k: (MASK if k == "password" else v) for k, v in plain.items()})
        assert snapshot(row) == expected
    assert snapshot(person)["password"] == MASK
    assert "natural_key" not in snapshot(made)  # derived, not state
    person.first_name, person.last_name = "Ärjä \"q\" \\ \t", "日本"
    for row in (made, namespace, person):  # the hot path's text: the same JSON
        assert json.loads(encoded_snapshot(row)) == json.loads(encoded(snapshot(row)))
    assert snapshot(person, exclude=["password", "email"]).keys() == expected.keys() - {
        "password", "email"}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL index")
def test_the_object_history_index_is_a_hash_index():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = "
                       "'change_object_id_idx'")
        (definition,) = cursor.fetchone()
    assert "USING hash (object_id)" in definition
