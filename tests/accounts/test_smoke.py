import pytest

from accounts.models import Account, AccountSource, AccountUser
from authorisations.models import Authorisation

pytestmark = pytest.mark.django_db


def test_smoke(connector):
    a = connector()
    r = a.accounts({"account_123": {"name": "Acme Ltd.", "id": "123456-8"}})
    assert r.status_code == 200, r.content
    assert r.json() == {"created": 1, "updated": 0, "removed": 0, "unchanged": 0}
    r = a.users_of("123456-8", ["user_001", "user_002"])
    assert r.status_code == 200, r.content
    assert AccountUser.objects.filter(identity__isnull=True).count() == 2
    r = a.users({"user_001": {"email": "Anna@Example.com", "name": "Anna Example"}})
    assert r.status_code == 200, r.content
    assert AccountUser.objects.filter(identity__isnull=True).count() == 1
    assert Authorisation.objects.alive().count() == 1
    r = a.accounts({"account_123": None})
    assert r.status_code == 200, r.content
    assert Account.objects.count() == 0 and AccountSource.objects.count() == 0
    assert Authorisation.objects.alive().count() == 0
