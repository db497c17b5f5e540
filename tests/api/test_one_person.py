"""One person, one truth (issue 13 item 3): a CustomerID user (orgs, spec 001) and an additiv
identity (specs 002/003) are the same person. Its shared attributes live once, on the
identity; the user's id is the identity's `IdentityId`; removing the CustomerID placement
keeps an identity that something else holds."""

from __future__ import annotations

import uuid
from datetime import timedelta
from xml.etree import ElementTree as ET

import pytest
from django.utils import timezone

from audit.models import ChangeRecord
from identities.models import Identity, Member
from identities.services.tenants import tenant_create
from orgs import services
from orgs.models import OrgUser
from orgs.services import UserFields
from tests.identities.dfs import ALL as DFS_ALL

pytestmark = pytest.mark.django_db
CID = "/eidm2/services"
CID_ALL = [f"orgs.{action}_{model}"
           for model in ("organization", "orguser", "role", "assignment")
           for action in ("view", "add", "change", "delete")] + ["orgs.access_subtree"]


@pytest.fixture
def bank(db):
    return tenant_create(key="bank", name="Bank")


@pytest.fixture
def acme(db):
    return services.organization_create(parent=None, organization_id="acme",
                                        friendly_name="Acme", organization_type="company")


@pytest.fixture
def cid(make_caller):
    return make_caller(CID_ALL).basic()


@pytest.fixture
def dfs(make_caller, bank):
    """A DFS client that reaches the tenant `bank` only (its default tenant)."""
    return make_caller(DFS_ALL, tenants=["bank"]).basic()


@pytest.fixture
def dfs_global(make_caller, bank):
    """A DFS client with global tenant reach: it reaches every person, so it may give a
    CustomerID user a membership (tenant access PATCH)."""
    return make_caller([*DFS_ALL, "identities.access_tenant"]).basic()


def cid_attributes(cid, path: str) -> dict[str, list[str]]:
    response = cid.get(f"{CID}/user/{path}")
    assert response.status_code == 200, response.content
    (element,) = ET.fromstring(response.content).findall("entity")
    return {a.get("name"): [v.text or "" for v in a.findall("value")]
            for a in element.findall("attribute")}


def created_id(response) -> str:
    assert response.status_code == 200, response.content
    (url,) = [e.text for e in ET.fromstring(response.content).findall("Id")]
    return url.rsplit("/", 1)[1]


def make_member(dfs_global, bank, identity_id: str) -> None:
    response = dfs_global.patch(f"/v1.0/tenants/{bank.id}/identities/{identity_id}/access",
                                {"TenantId": bank.id, "IdentityRoleId": 3, "IsEnabled": True},
                                format="json")
    assert response.status_code == 200, response.content


def test_a_customerid_user_is_the_dfs_identity_of_its_id(cid, dfs, dfs_global, bank, acme):
    """MOD009 answers the user's path; its last segment is the identity's IdentityId. The DFS
    routes answer it once it is a member of a tenant the client reaches."""
    user_id = created_id(cid.post(
        f"{CID}/users/acme/?uid=jdoe&email=jdoe%40example.com&firstname=John&surname=Doe"
        "&mobile=%2B358401234567"))
    assert uuid.UUID(user_id) and Identity.objects.filter(pk=user_id).exists()
    assert OrgUser.objects.get(name=user_id).pk == uuid.UUID(user_id)
    assert dfs.get(f"/v1.0/identities/{user_id}").status_code == 404  # not in its tenant

    make_member(dfs_global, bank, user_id)
    body = dfs.get(f"/v1.0/identities/{user_id}").json()
    assert (body["IdentityId"], body["UserName"], body["FirstName"], body["LastName"],
            body["Email"], body["Mobile"], body["IsSignInEnabled"]) == (
        user_id, "jdoe", "John", "Doe", "jdoe@example.com", "+358401234567", True)
    assert body["MemberId"] == Member.objects.get(identity_id=user_id, tenant=bank).pk


def test_a_user_named_by_a_uuid_is_that_identity_and_another_ones_is_refused(cid, acme):
    chosen = str(uuid.uuid4())
    assert cid.put(f"{CID}/user/acme/{chosen}?create=true&uid=chosen").status_code == 200
    assert Identity.objects.get(pk=chosen).username == "chosen"
    services.organization_create(parent=None, organization_id="other", friendly_name="O")
    response = cid.put(f"{CID}/user/other/{chosen}?create=true")
    assert response.status_code == 409, response.content
    assert OrgUser.objects.filter(name=chosen).count() == 1


def test_a_change_through_customerid_reads_back_through_dfs(cid, dfs, dfs_global, bank, acme):
    user_id = created_id(cid.post(f"{CID}/users/acme/?uid=ann&firstname=Ann"))
    make_member(dfs_global, bank, user_id)
    response = cid.put(f"{CID}/user/acme/{user_id}?uid=anna&firstname=Anna&surname=Smith"
                       "&email=anna%40example.com&mobile=%2B358409999&disable=true")
    assert response.status_code == 200, response.content
    body = dfs.get(f"/v1.0/identities/{user_id}").json()
    assert (body["UserName"], body["FirstName"], body["LastName"], body["Email"],
            body["Mobile"], body["IsSignInEnabled"]) == (
        "anna", "Anna", "Smith", "anna@example.com", "+358409999", False)
    assert cid.put(f"{CID}/user/acme/{user_id}?enable=true").status_code == 200
    assert dfs.get(f"/v1.0/identities/{user_id}").json()["IsSignInEnabled"] is True
    # a removed value reads back as DFS's null
    assert cid.put(f"{CID}/user/acme/{user_id}?mobile=").status_code == 200
    assert dfs.get(f"/v1.0/identities/{user_id}").json()["Mobile"] is None


def test_a_change_through_dfs_reads_back_through_customerid(cid, dfs, dfs_global, bank, acme):
    user_id = created_id(cid.post(f"{CID}/users/acme/?uid=ben&firstname=Ben&status=enabled"
                                  .replace("&status=enabled", "")))
    make_member(dfs_global, bank, user_id)
    response = dfs.patch(f"/v1.0/identities/{user_id}", {
        "FirstName": "Benjamin", "UpdateFirstName": True,
        "LastName": "Brown", "UpdateLastName": True,
        "Email": "ben@example.com", "UpdateEmail": True,
        "Mobile": "+358405555", "UpdateMobile": True,
        "UserName": "benb", "UpdateUserName": True,
        "IsSignInEnabled": False, "UpdateIsSignInEnabled": True,
    }, format="json")
    assert response.status_code == 200, response.content
    attrs = cid_attributes(cid, f"acme/{user_id}")
    assert {name: attrs.get(name) for name in ("uid", "firstname", "surname", "email",
                                               "mobile", "status")} == {
        "uid": ["benb"], "firstname": ["Benjamin"], "surname": ["Brown"],
        "email": ["ben@example.com"], "mobile": ["+358405555"], "status": ["disabled"]}
    # the CustomerID list filters read the same truth
    listed = cid.get(f"{CID}/users/acme/?uid=benb&exactMatch=true&status=disabled")
    assert [e.text.rsplit("/", 1)[1] for e in ET.fromstring(listed.content).findall("Id")] == [
        user_id]
    # a CustomerID update that does not name the status leaves DFS's sign-in switch alone
    assert cid.put(f"{CID}/user/acme/{user_id}?firstname=Ben").status_code == 200
    assert Identity.objects.get(pk=user_id).is_active is False
    dfs.patch(f"/v1.0/identities/{user_id}", {"IsSignInEnabled": True,
                                              "UpdateIsSignInEnabled": True}, format="json")
    assert cid_attributes(cid, f"acme/{user_id}")["status"] == ["enabled"]


def test_a_uid_less_user_has_no_uid_and_its_id_is_not_found_as_one(cid, acme):
    user_id = created_id(cid.post(f"{CID}/users/acme/?firstname=Nemo"))
    assert "uid" not in cid_attributes(cid, f"acme/{user_id}")
    listed = cid.get(f"{CID}/users/acme/?uid={user_id[:8]}")
    assert ET.fromstring(listed.content).findall("Id") == []


# --- removal: the placement goes, the identity only when nothing else holds it ---------------

def test_removing_an_organization_keeps_a_user_who_is_a_tenant_member(cid, dfs, dfs_global,
                                                                       bank, acme):
    member_id = created_id(cid.post(f"{CID}/users/acme/?uid=kept&firstname=Kept"))
    loner_id = created_id(cid.post(f"{CID}/users/acme/?uid=gone"))
    make_member(dfs_global, bank, member_id)
    member = Member.objects.get(identity_id=member_id)

    response = cid.delete(f"{CID}/org/acme?recursive=true")
    assert response.status_code == 200, response.content

    assert not OrgUser.objects.exists()
    assert not Identity.objects.filter(pk=loner_id).exists()
    kept = Identity.objects.get(pk=member_id)
    assert (kept.username, kept.first_name) == ("kept", "Kept")
    assert Member.objects.get(pk=member.pk).is_enabled  # the membership is intact
    assert dfs.get(f"/v1.0/identities/{member_id}").json()["UserName"] == "kept"
    record = ChangeRecord.objects.get(object_type="identities.identity", object_id=member_id)
    assert record.after["kept"] is True
    assert record.after["held_by"] == [f"tenant membership: member {member.pk} of tenant bank"]
    assert record.before == {"placement": "CustomerID user"}
    assert not ChangeRecord.objects.filter(object_type="identities.identity",
                                           object_id=loner_id, action="update").exists()


def test_removing_a_user_named_by_an_authorisation_keeps_its_identity(cid, acme):
    from authorisations.models import Authorisation, AuthorisationType, Namespace

    subject_id = created_id(cid.post(f"{CID}/users/acme/?uid=subj"))
    object_id = created_id(cid.post(f"{CID}/users/acme/?uid=obj"))
    revoked_id = created_id(cid.post(f"{CID}/users/acme/?uid=rev"))
    namespace = Namespace.objects.create(code="ns", name="NS")
    kind = AuthorisationType.objects.create(namespace=namespace, code="mandate",
                                            name="Mandate")
    now = timezone.now()

    def authorise(subject: str, obj: str, **extra) -> Authorisation:
        return Authorisation.objects.create(
            namespace=namespace, type=kind, subject_type="user", subject_value=subject,
            object_type="user" if obj != "x" else "string", object_value=obj,
            valid_from=now - timedelta(days=1), created=now, modified=now, **extra)

    held = authorise(subject_id, "x")
    authorise("someone", object_id)
    authorise(revoked_id, "x", revoked=True)
    for user_id in (subject_id, object_id, revoked_id):
        assert cid.delete(f"{CID}/user/acme/{user_id}").status_code == 200
    assert set(Identity.objects.filter(pk__in=[subject_id, object_id, revoked_id])
               .values_list("username", flat=True)) == {"subj", "obj"}
    record = ChangeRecord.objects.get(object_type="identities.identity", object_id=subject_id)
    assert record.after["held_by"] == [f"subject of authorisation {held.pk}"]


def test_a_holder_registered_by_a_higher_app_keeps_the_identity(acme, bank):
    """The registry is what a higher app (accounts' bindings) extends in its ready()."""
    from identities.services import holders

    user = services.user_create(organization=acme, data=UserFields(uid="bound"))

    def bound(ids):
        from django.db.models import CharField, Value

        from audit.tombstones import uuid_text
        return Identity.objects.filter(pk__in=ids, username="bound").annotate(
            held_id=uuid_text("id"), held_by=Value("account binding", output_field=CharField()))

    holders.holder_register("test binding", bound)
    try:
        services.user_delete(user=user)
    finally:
        holders._HOLDERS.pop("test binding")
    assert Identity.objects.filter(pk=user.pk).exists()
    record = ChangeRecord.objects.get(object_type="identities.identity", object_id=str(user.pk))
    assert record.after["held_by"] == ["account binding"]
