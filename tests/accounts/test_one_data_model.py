"""One data model: each resolved binding is an authorisation in the reserved namespace ainua
(subject the identity, object the account), answered by the onePortal check, asOf and the
change history; nobody else writes that namespace."""

from __future__ import annotations

import time

import pytest
from django.utils import timezone

from accounts.models import AccountUser
from authorisations.models import Authorisation
from authorisations.services.catalog import api_client_namespaces_grant
from identities.models import ExternalIdentity

pytestmark = pytest.mark.django_db
CHECK = "/api/rest/v1/authorisation/check"


@pytest.fixture
def reader(make_caller):
    """A onePortal client that may read the namespace ainua."""
    caller = make_caller(["authorisations.AUTHORISATION_VIEW",
                          "authorisations.AUTHORISATION_CREATE",
                          "authorisations.AUTHORISATION_MODIFY",
                          "authorisations.AUTHORISATION_REMOVE"])
    api_client_namespaces_grant(identity=caller.identity, codes=["ainua"])
    return caller.basic()


@pytest.fixture
def bound(connector):
    crm = connector()
    crm.accounts({"a1": {"name": "Acme", "id": "123456-8"}, "solo": {"name": "Solo"}})
    crm.users({"u1": {"email": "anna@example.com"}})
    crm.users_of("123456-8", ["u1", "u2"])
    crm.users_of("solo", ["u1"])
    return crm


def check(reader, subject, obj, **params):
    response = reader.get(CHECK, {"subject": subject, "object": obj,
                                  "authType": "account-user", **params})
    assert response.status_code == 200, response.content
    return response.json()


def test_a_binding_answers_the_check(bound, reader):
    anna = str(ExternalIdentity.objects.get().identity_id)
    assert check(reader, anna, "123456-8", nsCode="ainua", objectType="target")["authorised"]
    solo = AccountUser.objects.get(account__common_id=None).account_id
    assert check(reader, anna, f"account:{solo}", objectType="string")["authorised"]
    assert not check(reader, anna, "999")["authorised"]


def test_a_removed_binding_no_longer_answers_but_as_of_and_history_keep_it(bound, reader):
    anna = str(ExternalIdentity.objects.get().identity_id)
    mirror = AccountUser.objects.get(account__common_id="123456-8", external_id="u1")
    then = timezone.now()
    time.sleep(0.01)
    bound.users_of("123456-8", ["u2"])
    assert not check(reader, anna, "123456-8")["authorised"]
    listed = reader.get("/api/rest/v1/authorisation", {"asOf": then.isoformat(),
                                                       "filter": 'nsCode eq "ainua"'})
    assert str(mirror.authorisation_id) in {row["id"] for row in listed.json()["resources"]}
    gone = Authorisation.objects.get(pk=mirror.authorisation_id)
    assert gone.deleted_at is not None and gone.versions.count() == 1


def test_a_client_without_the_namespace_does_not_see_them(bound, make_caller):
    other = make_caller(["authorisations.AUTHORISATION_VIEW"])
    api_client_namespaces_grant(identity=other.identity, codes=["elsewhere"])
    anna = str(ExternalIdentity.objects.get().identity_id)
    response = other.basic().get(CHECK, {"subject": anna, "object": "123456-8",
                                         "authType": "account-user"})
    assert response.json()["authorised"] is False


def test_the_reserved_namespace_refuses_the_apis_writes(bound, reader):
    mirror = Authorisation.objects.alive().first()
    url = f"/api/rest/v1/authorisation/{mirror.pk}"
    for response in (
        reader.delete(url),
        reader.patch(url, {"validTo": "2099-01-01T00:00:00Z"}, format="json"),
        reader.post(f"{url}/revoke", {"revocationDetails": "x"}, format="json"),
        reader.post("/api/rest/v1/authorisation", {
            "nsCode": "ainua", "authType": "account-user",
            "subject": {"type": "string", "value": "x"},
            "object": {"type": "string", "value": "y"}}, format="json"),
    ):
        assert response.status_code == 403, response.content
        assert "reserved" in response.json()["errorMessage"]
    assert Authorisation.objects.alive().filter(pk=mirror.pk, revoked=False).exists()


def test_the_account_links_to_the_top_level_organization_of_its_common_id(bound):
    from accounts.queries import organization_of
    from orgs.models import Organization
    from orgs.services import organization_create

    account = AccountUser.objects.get(external_id="u1", account__common_id="123456-8").account
    assert organization_of(account) is None
    organization_create(parent=None, organization_id="123456-8", friendly_name="Acme Oy")
    assert organization_of(account) == Organization.objects.get(name="123456-8")
    assert Organization.objects.count() == 1  # never made by the accounts context


def test_a_deleted_identity_unbinds_first_with_change_records(connector):
    from audit.models import ChangeRecord
    from identities.models import Identity
    from identities.services.people import identity_delete
    from orgs.services import UserFields, organization_create, user_create

    org = organization_create(parent=None, organization_id="acme", friendly_name="Acme")
    user = user_create(organization=org, data=UserFields(uid="anna", firstname="Anna",
                                                         surname="A", email="anna@example.com"))
    crm = connector()
    crm.accounts({"a1": {"name": "Acme", "id": "1"}})
    crm.users({"u1": {"email": "ANNA@example.com"}})
    crm.users_of("1", ["u1"])
    binding = AccountUser.objects.get()
    assert binding.identity_id == user.identity_id  # merged into the CustomerID user
    identity_delete(identity=Identity.objects.get(pk=user.identity_id))
    binding.refresh_from_db()
    assert binding.identity_id is None and binding.authorisation_id is None
    assert not Authorisation.objects.alive().exists()
    assert not ExternalIdentity.objects.exists()
    kinds = set(ChangeRecord.objects.filter(action__in=["update", "delete"]).values_list(
        "object_type", "action"))
    assert {("accounts.accountuser", "update"), ("authorisations.authorisation", "delete"),
            ("identities.externalidentity", "delete")} <= kinds


def test_removing_the_customerid_user_keeps_an_identity_its_binding_holds(connector):
    """One person, one truth: the binding's mirror authorisation holds the identity, so
    CustomerID's Remove takes the placement only, and a change record names the holder."""
    from audit.models import ChangeRecord
    from identities.models import Identity
    from orgs.models import OrgUser
    from orgs.services import UserFields, organization_create, user_create, user_delete

    org = organization_create(parent=None, organization_id="acme", friendly_name="Acme")
    user = user_create(organization=org, data=UserFields(uid="anna", firstname="Anna",
                                                         surname="A", email="anna@example.com"))
    crm = connector()
    crm.accounts({"a1": {"name": "Acme", "id": "1"}})
    crm.users({"u1": {"email": "ANNA@example.com"}})
    crm.users_of("1", ["u1"])
    user_delete(user=OrgUser.objects.get(pk=user.pk))
    assert not OrgUser.objects.exists()
    assert Identity.objects.filter(pk=user.identity_id).exists()
    binding = AccountUser.objects.get()
    assert binding.identity_id == user.identity_id and binding.authorisation_id is not None
    assert Authorisation.objects.alive().count() == 1
    assert ChangeRecord.objects.filter(object_id=str(user.identity_id),
                                       after__icontains="authorisation").exists()
