"""The services without HTTP: the rules hold whoever calls them (the API, the import)."""

from __future__ import annotations

import pytest
from oauth2_provider.models import Application

from accounts import services
from accounts.models import Account, AccountSource, AccountUser
from accounts.validation import AccountEntry, UserEntry
from audit.models import ChangeRecord
from core.errors import NotFoundError

pytestmark = pytest.mark.django_db


@pytest.fixture
def apps(make_caller):
    return [make_caller([]).credentials.application for _ in range(2)]


def test_sources_apply_merges_across_connectors_and_last_name_wins(apps):
    a, b = apps
    services.sources_apply([
        services.SourceItem(a.pk, "x", AccountEntry("First", "42")),
        services.SourceItem(b.pk, "x", AccountEntry("Second", "42")),
    ])
    account = Account.objects.get()
    assert account.name == "Second" and account.sources.count() == 2


def test_within_one_call_the_last_item_of_a_key_wins(apps):
    a, _ = apps
    summary = services.sources_apply([
        services.SourceItem(a.pk, "x", AccountEntry("First", "1")),
        services.SourceItem(a.pk, "x", AccountEntry("Second", "2")),
    ])
    assert summary.created == 1
    assert list(Account.objects.values_list("common_id", "name")) == [("2", "Second")]


def test_account_of_connector_needs_a_source_of_the_connector(apps):
    a, b = apps
    services.accounts_patch(connector_id=a.pk, entries={"x": AccountEntry("A", "1")})
    assert services.account_of_connector(connector_id=a.pk, account_id="1").common_id == "1"
    assert services.account_of_connector(connector_id=a.pk, account_id=" 1 ").common_id == "1"
    with pytest.raises(NotFoundError):
        services.account_of_connector(connector_id=b.pk, account_id="1")


def test_users_patch_then_bind_then_remove_the_account(apps):
    a, _ = apps
    services.accounts_patch(connector_id=a.pk, entries={"x": AccountEntry("A", "1")})
    services.users_patch(connector_id=a.pk, entries={"u": UserEntry("u@example.com", "U",
                                                                    "", "")})
    account = Account.objects.get()
    services.account_users_set(connector_id=a.pk, account=account, external_ids=["u", "p"])
    assert AccountUser.objects.filter(identity__isnull=False).count() == 1
    services.accounts_patch(connector_id=a.pk, entries={"x": None})
    assert not AccountUser.objects.exists() and not AccountSource.objects.exists()
    deleted = ChangeRecord.objects.filter(action="delete").values_list("object_type", flat=True)
    assert sorted(deleted) == ["accounts.account", "accounts.accountsource",
                               "accounts.accountuser", "accounts.accountuser",
                               "authorisations.authorisation"]


def test_a_connector_in_use_cannot_be_deleted(apps):
    from django.db.models import ProtectedError

    a, _ = apps
    services.accounts_patch(connector_id=a.pk, entries={"x": AccountEntry("A", "1")})
    with pytest.raises(ProtectedError):
        Application.objects.get(pk=a.pk).delete()


def test_binding_states_are_the_generic_snapshot():
    import uuid

    from django.utils import timezone

    from accounts.services import NewBinding, binding_states
    from audit.states import encoded_snapshot

    now = timezone.now()
    rows = []
    for i, external_id in enumerate(["plain", 'quo"te', "back\\slash", "tab\there", "ääkkö€",
                                     "emoji 🙂", "\x01ctl"]):
        row = NewBinding(10 + i, 3, external_id, now)
        row.id = 100 + i
        if i % 2:
            row.identity_id, row.authorisation_id = uuid.uuid4(), uuid.uuid4()
        rows.append(row)
    assert binding_states(rows) == [encoded_snapshot(r, model=AccountUser) for r in rows]


def test_a_bindings_create_record_holds_its_snapshot(apps):
    from audit.states import snapshot

    a, _ = apps
    services.accounts_patch(connector_id=a.pk, entries={"x": AccountEntry("A", "1")})
    services.users_patch(connector_id=a.pk, entries={"u": UserEntry("u@example.com", "U",
                                                                    "", "")})
    services.account_users_set(connector_id=a.pk, account=Account.objects.get(),
                               external_ids=["u", 'p\t"\\'])
    for row in AccountUser.objects.all():
        record = ChangeRecord.objects.get(object_type="accounts.accountuser",
                                          object_id=str(row.pk))
        assert record.action == "create" and record.after == snapshot(row)
        assert record.object_repr == str(row)
