"""`make run`'s demo data: two connectors, a merged account linked to the demo organization,
users merged by email (one also a CustomerID user), one pending; loading twice adds nothing."""

from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import Account, AccountSource, AccountUser
from accounts.queries import organization_of
from audit.models import ChangeRecord
from orgs.models import OrgUser

pytestmark = pytest.mark.django_db


def test_load_demo_makes_the_accounts_once():
    call_command("load_demo", stdout=StringIO())
    merged = Account.objects.get(common_id="1234567-8")
    assert AccountSource.objects.filter(account=merged).count() == 2
    assert organization_of(merged).path == "1234567-8"
    assert AccountUser.objects.filter(identity__isnull=True).count() == 1
    maija = OrgUser.objects.get(identity__username="maija").identity_id
    assert AccountUser.objects.filter(account=merged, identity_id=maija).count() == 2
    records = ChangeRecord.objects.count()
    call_command("load_demo", stdout=StringIO())
    assert ChangeRecord.objects.count() == records
