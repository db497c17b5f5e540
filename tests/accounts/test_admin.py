"""The admin: accounts with sources and users per connector (pending marked), the linked
organization both ways, History, search; removal through the services."""

from __future__ import annotations

import pytest

from accounts.models import Account, AccountUser
from audit.models import ChangeRecord
from authorisations.models import Authorisation
from identities.services.people import person_create
from orgs.services import organization_create

pytestmark = pytest.mark.django_db
BASE = "/admin/accounts/account/"


@pytest.fixture
def operator(client):
    client.force_login(person_create(username="root", superuser=True))
    return client


@pytest.fixture
def fed(connector):
    crm, erp = connector(name="crm"), connector(name="erp")
    crm.accounts({"a1": {"name": "Acme", "id": "123456-8"}})
    erp.accounts({"b1": {"name": "ACME Oy", "id": "123456-8"}, "b2": {"name": "Solo"}})
    crm.users({"u1": {"email": "anna@example.com"}})
    crm.users_of("123456-8", ["u1", "u-pending"])
    organization_create(parent=None, organization_id="123456-8", friendly_name="Acme Oy")
    return crm, erp


def test_the_account_page_shows_sources_users_pending_and_the_organization(operator, fed):
    account = Account.objects.get(common_id="123456-8")
    page = operator.get(f"{BASE}{account.pk}/change/").content.decode()
    for text in ("a1", "b1", "ACME Oy", "u-pending", "pending", "anna@example.com",
                 "/admin/orgs/organization/", "123456-8"):
        assert text in page, text
    listing = operator.get(BASE).content.decode()
    assert "123456-8" in listing and "Solo" in listing


@pytest.mark.parametrize("term, found", [("123456-8", ["ACME Oy"]), ("Solo", ["Solo"]),
                                         ("b2", ["Solo"]), ("a1", ["ACME Oy"]),
                                         ("nothing", [])])
def test_search_by_common_id_name_and_external_id(operator, fed, term, found):
    response = operator.get(BASE, {"q": term})
    assert response.status_code == 200
    shown = [a.name for a in response.context["cl"].result_list]
    assert shown == found


def test_history_lists_the_change_records(operator, fed):
    account = Account.objects.get(common_id="123456-8")
    page = operator.get(f"{BASE}{account.pk}/history/").content.decode()
    assert "Create" in page and "Update" in page


def test_the_organization_page_shows_its_account(operator, fed):
    from orgs.models import Organization

    org = Organization.objects.get(name="123456-8")
    page = operator.get(f"/admin/orgs/organization/{org.pk}/change/").content.decode()
    assert "Ainua account" in page and "/admin/accounts/account/" in page


def test_removal_goes_through_the_services(operator, fed):
    account = Account.objects.get(common_id="123456-8")
    response = operator.post(f"{BASE}{account.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Account.objects.filter(pk=account.pk).exists()
    assert not AccountUser.objects.filter(account_id=account.pk).exists()
    assert not Authorisation.objects.alive().exists()
    tomb = ChangeRecord.objects.get(object_type="accounts.account", object_id=str(account.pk),
                                    action="delete")
    assert tomb.actor_repr == "root"


@pytest.mark.parametrize("url", ["/admin/accounts/accountuser/",
                                 "/admin/identities/externalidentity/",
                                 "/admin/accounts/accountuser/?identity__isempty=1"])
def test_the_other_lists_render(operator, fed, url):
    assert operator.get(url).status_code == 200
