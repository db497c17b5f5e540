"""Authorisations through HTTP: create, read, change, revoke, delete, and their audit records."""

from datetime import UTC, datetime, timedelta

import pytest

from audit.models import ChangeRecord
from authorisations.models import Authorisation, AuthorisationVersion
from authorisations.services.catalog import namespace_update
from identities.services.people import person_create
from tests.authorisations.conftest import BASE, assert_error, body

pytestmark = pytest.mark.django_db
URL = f"{BASE}/authorisation"


def test_create_read_and_the_change_record_names_the_client(make_ns_caller, ns_a):
    caller = make_ns_caller(name="backoffice")
    api = caller.bearer()
    response = api.post(URL, body(authSource="hr", validFrom="2030-01-01T12:00:00+02:00"),
                        format="json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["nsCode"] == "ns-a" and created["authType"] == "employment"
    assert created["authSource"] == "hr"
    assert created["subject"] == {"type": "string", "value": "alice"}
    assert created["validFrom"] == "2030-01-01T10:00:00Z"  # the offset honoured, UTC answered
    assert created["validTo"] is None and created["revoked"] is False
    assert created["active"] is False  # not yet valid
    read = api.get(f"{URL}/{created['id']}")
    assert read.status_code == 200 and read.json() == created
    change = ChangeRecord.objects.get(object_type="authorisations.authorisation",
                                      object_id=created["id"])
    assert change.action == "create" and change.actor_id == caller.identity.id
    assert change.client_id == caller.credentials.client_id
    assert change.correlation_id == response["X-Correlation-ID"]


def test_valid_from_defaults_to_now_and_the_namespace_default_validity(api_a, ns_a):
    namespace_update(namespace=ns_a, name=ns_a.name, default_validity=timedelta(days=30))
    before = datetime.now(UTC)
    created = api_a.post(URL, body(), format="json").json()
    valid_from = datetime.fromisoformat(created["validFrom"])
    assert before <= valid_from <= datetime.now(UTC)
    assert datetime.fromisoformat(created["validTo"]) == valid_from + timedelta(days=30)
    assert created["active"] is True
    unbounded = api_a.post(URL, body(validTo=None), format="json").json()
    assert unbounded["validTo"] is None


def test_user_subject_must_name_an_existing_identity(api_a):
    alice = person_create(username="alice")
    ok = api_a.post(URL, body(subject={"type": "user", "value": str(alice.id).upper()}),
                    format="json")
    assert ok.status_code == 201 and ok.json()["subject"]["value"] == str(alice.id)
    count = Authorisation.objects.count()
    missing = "2b1e4c5a-0000-4000-8000-000000000000"
    assert_error(api_a.post(URL, body(object={"type": "user", "value": missing}),
                            format="json"), 400, "object.value", missing)
    assert_error(api_a.post(URL, body(subject={"type": "user", "value": "alice"}),
                            format="json"), 400, "subject", "UUID")
    assert Authorisation.objects.count() == count


@pytest.mark.parametrize("data, fragment", [
    ({}, "authType: This field is required"),
    (body(authType=None), "authType"),
    (body(authType=12), "authType: Expected a string"),
    (body(authType="nope"), "Unknown authorisation type 'nope'"),
    (body(authSource="nope"), "Unknown authorisation source 'nope'"),
    (body(subject="alice"), "subject"),
    (body(subject={"type": "robot", "value": "x"}), "subject: type must be one of"),
    (body(object={"type": "contact"}), "object: Both type and value"),
    (body(object={"type": "target", "value": "x", "extra": 1}), "object: Unknown field"),
    (body(subject={"type": "string", "value": ""}), "blank"),
    (body(subject={"type": "string", "value": "x" * 256}), "255"),
    (body(subject={"type": "string", "value": "a\x00b"}), "Null characters"),
    (body(validFrom="yesterday"), "validFrom"),
    (body(validFrom="2024-13-01T00:00:00Z"), "validFrom"),
    (body(validFrom=20240101), "validFrom: Expected an ISO 8601"),
    (body(validTo="9999-12-31T23:59:59-05:00"), "validTo"),
    (body(validFrom="2024-02-01T00:00:00Z", validTo="2024-01-01T00:00:00Z"),
     "validTo must be later than validFrom"),
    (body(colour="blue"), "colour: Unknown field"),
    (["not", "an", "object"], "Expected a JSON object"),
])
def test_bad_bodies_are_400_and_write_nothing(api_a, data, fragment):
    counts = (Authorisation.objects.count(), ChangeRecord.objects.count())
    assert_error(api_a.post(URL, data, format="json"), 400, fragment)
    assert (Authorisation.objects.count(), ChangeRecord.objects.count()) == counts


def test_malformed_json_and_huge_bodies_are_refused(api_a, settings):
    assert_error(api_a.post(URL, "{bad", content_type="application/json"), 400)
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    huge = body(subject={"type": "string", "value": "x" * 5000})
    assert_error(api_a.post(URL, huge, format="json"), 413)
    assert not Authorisation.objects.exists()


def test_put_patch_keep_a_version_and_record_before_and_after(api_a):
    created = api_a.post(URL, body(authSource="hr", validTo="2031-01-01T00:00:00Z"),
                         format="json").json()
    patched = api_a.patch(f"{URL}/{created['id']}", {"validTo": "2032-01-01T00:00:00Z"},
                          format="json")
    assert patched.status_code == 200, patched.content
    assert patched.json()["validTo"] == "2032-01-01T00:00:00Z"
    assert patched.json()["authSource"] == "hr"
    # PUT replaces: the read body can be sent back; an omitted authSource becomes none.
    sent = {**patched.json(), "authType": "mandate"}
    del sent["authSource"]
    put = api_a.put(f"{URL}/{created['id']}", sent, format="json")
    assert put.status_code == 200, put.content
    assert put.json()["authType"] == "mandate" and put.json()["authSource"] is None
    assert AuthorisationVersion.objects.filter(authorisation_id=created["id"]).count() == 2
    change = ChangeRecord.objects.filter(object_id=created["id"], action="update").first()
    assert change.before["source"] is not None and change.after["source"] is None


def test_change_validation_and_the_namespace_cannot_move(api_a, ns_b):
    created = api_a.post(URL, body(validFrom="2030-01-01T00:00:00Z"), format="json").json()
    url = f"{URL}/{created['id']}"
    assert_error(api_a.patch(url, {"validTo": "2029-01-01T00:00:00Z"}, format="json"), 400,
                 "validTo must be later")
    assert_error(api_a.patch(url, {"nsCode": "ns-b"}, format="json"), 400, "nsCode")
    assert_error(api_a.put(url, {"authType": "employment"}, format="json"), 400, "subject")
    assert api_a.get(url).json() == created


def test_revoke_is_final_and_keeps_the_details(api_a):
    created = api_a.post(URL, body(), format="json").json()
    url = f"{URL}/{created['id']}/revoke"
    revoked = api_a.post(url, {"revocationDetails": "left the company"}, format="json")
    assert revoked.status_code == 200, revoked.content
    data = revoked.json()
    assert data["revoked"] is True and data["active"] is False
    assert data["revocationDetails"] == "left the company" and data["revokedAt"]
    assert_error(api_a.post(url, {}, format="json"), 409, "already revoked")
    assert_error(api_a.patch(f"{URL}/{created['id']}", {"validTo": None}, format="json"),
                 409, "revoked")
    assert_error(api_a.post(f"{URL}/{created['id']}/revoke", {"why": 1}, format="json"),
                 400, "why")
    change = ChangeRecord.objects.get(object_id=created["id"], action="revoke")
    assert change.before["revoked"] is False
    assert change.after["revoked"] is True
    assert change.after["revocation_details"] == "left the company"


def test_delete_is_soft(api_a):
    created = api_a.post(URL, body(), format="json").json()
    url = f"{URL}/{created['id']}"
    assert api_a.delete(url).status_code == 204
    assert_error(api_a.get(url), 404)
    assert_error(api_a.delete(url), 404)
    assert api_a.get(URL).json()["totalResults"] == 0
    check = api_a.get(f"{URL}/check", {"subject": "alice", "object": "acme",
                                       "authType": "employment"})
    assert check.json() == {"authorised": False, "authorisations": []}
    row = Authorisation.objects.get(pk=created["id"])
    assert row.deleted_at is not None
    change = ChangeRecord.objects.get(object_id=created["id"], action="delete")
    assert change.before["deleted_at"] is None and change.before["subject_value"] == "alice"


@pytest.mark.parametrize("path", ["not-a-uuid", "1", "00000000-0000-0000-0000-000000000000"])
def test_unknown_or_malformed_ids_are_404(api_a, path):
    assert_error(api_a.get(f"{URL}/{path}"), 404)
    assert_error(api_a.delete(f"{URL}/{path}"), 404)
    assert_error(api_a.patch(f"{URL}/{path}", {}, format="json"), 404)


def test_without_credentials_is_401_and_wrong_method_405(client, api_a):
    assert_error(client.get(URL), 401)
    assert_error(api_a.delete(URL), 405)


@pytest.mark.parametrize("authorization", [None, "Basic " + "bm9ib2R5Ondyb25n",  # nobody:wrong
                                           "Bearer not-a-token"])
def test_a_401_challenges_both_schemes_the_surface_takes(client, ns_a, authorization):
    """The vendor's SDK sends Basic, OAuth2 clients Bearer: a 401 names both (RFC 9110 §11.6.1,
    one header listing two challenges)."""
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    for path in (URL, f"{BASE}/namespace", f"{BASE}/authorisation_grant_right"):
        response = client.get(path, **headers)
        assert_error(response, 401)
        assert response["WWW-Authenticate"] == 'Bearer realm="tessera", Basic realm="tessera"'


def test_the_vendor_fields_author_creator_and_meta(make_ns_caller, ns_a):
    caller = make_ns_caller(name="payroll")
    api = caller.bearer()
    sent = {**body(author="payroll-sync", subject={"type": "String",
                                                   "value": "alice"}),
            # what the vendor's SDK sends along: the read-only fields, null
            "id": None, "creator": None, "createdAt": None, "revoked": None,
            "revokedAt": None, "meta": {"created": None, "lastModified": None,
                                        "location": None}}
    response = api.post(URL, sent, format="json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["author"] == "payroll-sync"
    assert created["creator"] == caller.credentials.client_id
    assert created["subject"] == {"type": "string", "value": "alice"}
    assert created["createdAt"] == created["created"] == created["meta"]["created"]
    assert created["meta"]["lastModified"] == created["modified"]
    assert created["meta"]["location"] == f"http://testserver{URL}/{created['id']}"
    # a read sent back whole changes nothing but what the client changed
    changed = api.put(f"{URL}/{created['id']}", {**created, "author": "hr-sync",
                                                 "creator": "someone else"}, format="json")
    assert changed.status_code == 200, changed.content
    assert changed.json()["author"] == "hr-sync"
    assert changed.json()["creator"] == caller.credentials.client_id  # read-only: ignored
    # a replace without author clears it; PATCH leaves it
    assert api.patch(f"{URL}/{created['id']}", {"validTo": None},
                     format="json").json()["author"] == "hr-sync"
    put = api.put(f"{URL}/{created['id']}", body(), format="json").json()
    assert put["author"] is None
    assert_error(api.post(URL, body(author="x" * 256), format="json"), 400, "author")
    assert_error(api.post(URL, body(author=5), format="json"), 400, "author")
    assert_error(api.post(URL, body(colour="red"), format="json"), 400, "colour")
    basic = make_ns_caller(name="operator-like").basic().post(URL, body(), format="json")
    assert basic.json()["creator"] == "operator-like"
