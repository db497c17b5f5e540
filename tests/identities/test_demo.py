"""The demo data (`manage.py load_demo`, `make run`): identities with pictures, two tenants,
members and roles, and people who are also CustomerID users."""

import io

import pytest
from django.core.management import call_command

from identities.models import Identity, Member, ProfilePicture, Tenant

pytestmark = pytest.mark.django_db


def test_the_demo_loads_identities_members_roles_and_pictures_idempotently():
    call_command("load_demo", stdout=io.StringIO())
    counts = (Identity.objects.count(), Member.objects.count(),
              ProfilePicture.objects.count())
    call_command("load_demo", stdout=io.StringIO())
    assert (Identity.objects.count(), Member.objects.count(),
            ProfilePicture.objects.count()) == counts
    for key in ("acme", "globex"):
        assert Member.objects.filter(tenant=Tenant.objects.get(key=key)).count() >= 2
    assert Member.objects.values("identity_role").distinct().count() >= 3
    erin = Identity.objects.get(username="erin")
    assert erin.external_id == "GLX-0001" and hasattr(erin, "profile_picture")
    assert set(Member.objects.filter(identity=erin).values_list("tenant__key", flat=True)) == {
        "globex", "acme"}


def test_customer_id_users_are_members_with_pictures():
    from orgs.models import OrgUser

    call_command("load_demo", stdout=io.StringIO())
    users = OrgUser.objects.filter(identity__username__in=["maija", "matti", "teppo"])
    assert users.count() == 3
    for user in users:
        identity = user.identity
        assert Member.objects.filter(identity=identity, tenant__key="acme").exists()
        assert ProfilePicture.objects.filter(identity=identity).exists()


def test_the_demo_loads_on_emptied_catalogs():
    """A flushed database (as `manage.py flush` leaves it) has no seeded catalogs."""
    from identities.models import BankBranch, IdentityProvider, IdentityRole, Salutation

    for model in (IdentityRole, Salutation, BankBranch, IdentityProvider):
        model.objects.all().delete()
    call_command("load_demo", stdout=io.StringIO())
    assert Identity.objects.get(username="carol").identity_role_id is None
