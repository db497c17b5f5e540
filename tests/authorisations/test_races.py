"""A deleted authorisation type or source has no live authorisations, however the delete races
the writes that use it (PostgreSQL, real threads): the API's create and change, and the
import."""

from __future__ import annotations

import io
import threading

import pytest
from django.core.management import CommandError, call_command

from authorisations.importer import AuthorisationImporter
from authorisations.models import Authorisation, AuthorisationSource, AuthorisationType
from authorisations.services.authorisations import authorisation_create
from authorisations.services.catalog import coded_item_create, coded_item_delete
from tests.authorisations.conftest import BASE, body
from tests.races import postgresql_only, together

pytestmark = [postgresql_only, pytest.mark.django_db(transaction=True)]
PAIRS = 20


def live_on_deleted_items() -> list[Authorisation]:
    """Live authorisations whose type or source is deleted: what must never be."""
    return list(Authorisation.objects.alive().filter(type__deleted_at__isnull=False)) + list(
        Authorisation.objects.alive().filter(source__deleted_at__isnull=False))


def no_errors(responses: list) -> None:
    for response in responses:
        assert not isinstance(response, BaseException), response


def assert_one_won(use, delete) -> None:
    """Either the write came first (and the delete is refused: in use), or the delete did
    (and the write is refused: unknown)."""
    assert (use.status_code, delete.status_code) in ((201, 409), (200, 409), (400, 204)), (
        use.content, delete.content)
    if delete.status_code == 409:
        assert "is used by" in delete.json()["errorMessage"]
    else:
        assert "Unknown authorisation" in use.json()["errorMessage"]


@pytest.fixture
def caller(make_ns_caller, ns_a):
    return make_ns_caller()


@pytest.mark.parametrize("model, field", [(AuthorisationType, "authType"),
                                          (AuthorisationSource, "authSource")])
def test_a_create_racing_the_delete_of_its_type_or_source(caller, ns_a, model, field):
    items = [coded_item_create(model=model, namespace=ns_a, code=f"item{i}")
             for i in range(PAIRS)]
    path = "authorisation_type" if model is AuthorisationType else "authorisation_source"
    clients = [caller.basic() for _ in range(2 * PAIRS)]
    calls = []
    for i, item in enumerate(items):
        data = body(nsCode="ns-a", **{field: item.code},
                    subject={"type": "string", "value": f"s{i}"})
        calls.append(lambda c=clients[2 * i], d=data: c.post(f"{BASE}/authorisation", d,
                                                            format="json"))
        calls.append(lambda c=clients[2 * i + 1], pk=item.pk: c.delete(f"{BASE}/{path}/{pk}"))
    responses = together(calls)
    no_errors(responses)
    assert live_on_deleted_items() == []
    for i in range(PAIRS):
        assert_one_won(responses[2 * i], responses[2 * i + 1])


def test_a_change_racing_the_delete_of_the_type_it_moves_to(caller, ns_a):
    types = [coded_item_create(model=AuthorisationType, namespace=ns_a, code=f"t{i}")
             for i in range(PAIRS)]
    rows = [authorisation_create(namespace=ns_a, data={
        "type_code": "employment", "subject_type": "string", "subject_value": f"s{i}",
        "object_type": "string", "object_value": "acme"}) for i in range(PAIRS)]
    clients = [caller.basic() for _ in range(2 * PAIRS)]
    calls = []
    for i, (item, row) in enumerate(zip(types, rows, strict=True)):
        calls.append(lambda c=clients[2 * i], pk=row.pk, code=item.code: c.patch(
            f"{BASE}/authorisation/{pk}", {"authType": code}, format="json"))
        calls.append(lambda c=clients[2 * i + 1], pk=item.pk: c.delete(
            f"{BASE}/authorisation_type/{pk}"))
    responses = together(calls)
    no_errors(responses)
    assert live_on_deleted_items() == []
    for i in range(PAIRS):
        assert_one_won(responses[2 * i], responses[2 * i + 1])


HEADER = "nsCode,authType,authSource,subject.type,subject.value,object.type,object.value\n"


def test_an_import_refuses_types_and_sources_deleted_after_it_began(tmp_path, ns_a,
                                                                    monkeypatch):
    """The import reads its catalog of types and sources when it begins; one deleted (and
    committed, by another connection) before a batch is written is refused for that batch's
    rows, new or changed, not written."""
    gone_type = coded_item_create(model=AuthorisationType, namespace=ns_a, code="temp")
    gone_source = coded_item_create(model=AuthorisationSource, namespace=ns_a, code="old")
    existing = authorisation_create(namespace=ns_a, data={
        "type_code": "employment", "subject_type": "string", "subject_value": "kept",
        "object_type": "string", "object_value": "acme"})
    path = tmp_path / "rows.csv"
    path.write_text("id," + HEADER
                    + ",ns-a,employment,hr,string,fine,string,acme\n"
                    + ",ns-a,temp,,string,new-on-temp,string,acme\n"
                    + ",ns-a,employment,old,string,new-on-old,string,acme\n"
                    + f"{existing.pk},ns-a,temp,,string,kept,string,acme\n")
    original = AuthorisationImporter.apply
    deleted = []

    def apply_after_a_delete(self, rows, prepared):
        if deleted:  # a batch that refused rows is applied again without them
            return original(self, rows, prepared)
        deleted.append(True)

        def delete():
            try:
                coded_item_delete(item=gone_type)
                coded_item_delete(item=gone_source)
            finally:
                from django.db import connection
                connection.close()

        other = threading.Thread(target=delete)
        other.start()
        other.join(10)
        assert not other.is_alive()
        return original(self, rows, prepared)

    monkeypatch.setattr(AuthorisationImporter, "apply", apply_after_a_delete)
    with pytest.raises(CommandError) as raised:
        call_command("import_authorisations", str(path), stdout=io.StringIO(),
                     stderr=io.StringIO())
    message = str(raised.value)
    assert "3 bad row" in message, message
    for line, what in ((3, "type 'temp'"), (4, "source 'old'"), (5, "type 'temp'")):
        assert f"line {line}: " in message and what in message, message
    assert AuthorisationType.objects.get(pk=gone_type.pk).deleted_at is not None
    assert AuthorisationSource.objects.get(pk=gone_source.pk).deleted_at is not None
    assert live_on_deleted_items() == []
    assert list(Authorisation.objects.values_list("subject_value", "type__code")) == [
        ("kept", "employment")]
