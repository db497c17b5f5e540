"""Two connectors' first writes of one common id, or of one email, at the same instant make
one account and one identity (PostgreSQL, real threads)."""

from __future__ import annotations

import pytest

from accounts.models import Account, AccountSource
from identities.models import ExternalIdentity
from tests.races import postgresql_only, together

pytestmark = [postgresql_only, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def default_tenant(settings):
    """The migration's default tenant (an earlier transactional test's flush removes it)."""
    from identities.models import Tenant

    Tenant.objects.get_or_create(key=settings.TESSERA_DEFAULT_TENANT_KEY,
                                 defaults={"name": settings.TESSERA_DEFAULT_TENANT_NAME})


def test_one_common_id_from_two_connectors_at_once_is_one_account(connector):
    crm, erp = connector(), connector()
    for round_ in range(5):
        cid = f"race-{round_}"
        responses = together([
            lambda c=crm, k=f"a{round_}", i=cid: c.accounts({k: {"name": "A", "id": i}}),
            lambda c=erp, k=f"b{round_}", i=cid: c.accounts({k: {"name": "B", "id": i}})])
        assert [r.status_code for r in responses] == [200, 200], responses
        assert Account.objects.filter(common_id=cid).count() == 1
        assert AccountSource.objects.filter(account__common_id=cid).count() == 2


def test_one_email_from_two_connectors_at_once_is_one_identity(connector):
    crm, erp = connector(), connector()
    for round_ in range(5):
        email = f"race{round_}@example.com"
        responses = together([lambda c=crm, e=email: c.users({"u": {"email": e}}),
                              lambda c=erp, e=email: c.users({"u": {"email": e}})])
        assert [r.status_code for r in responses] == [200, 200], responses
        identities = set(ExternalIdentity.objects.filter(email=email).values_list(
            "identity_id", flat=True))
        assert len(identities) == 1, round_
