import math

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError

from audit import context as scope
from audit.models import AppendOnlyError, AuditContext, ChangeRecord
from audit.services import Change, audit_context_create, audited, record, record_bulk
from identities.models import Tenant
from identities.services import person_create

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


def test_audit_context_ids_strictly_increase():
    ids = [audit_context_create(created_by="x").id for _ in range(5)]
    assert ids == sorted(ids) and len(set(ids)) == 5
