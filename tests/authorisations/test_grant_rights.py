"""Authorisation grant rights: create, read, list, revoke, isolation, permissions, audit, asOf,
and what an active grant right lets its principal create."""

from __future__ import annotations

import pytest
from django.utils import timezone

from audit.models import ChangeRecord
from authorisations.models import AuthorisationGrantRight, AuthorisationType
from authorisations.services.catalog import coded_item_delete
from tests.authorisations.conftest import ALL, BASE, assert_error, body

pytestmark = pytest.mark.django_db
URL = f"{BASE}/authorisation_grant_right"
GRANT = [f"AUTHORISATION_GRANT_RIGHT_{verb}" for verb in ("VIEW", "CREATE", "MODIFY")]


@pytest.fixture
def granter(make_ns_caller, ns_a):
    return make_ns_caller(perms=[*ALL, *GRANT])


@pytest.fixture
def principal(make_ns_caller, ns_a):
    """A client with no permission at all, in no namespace."""
    return make_ns_caller(perms=[], namespaces=())


def sdk_body(principal_id: str, **changes) -> dict:
    """What the vendor's SDK sends: every field, the read-only ones null."""
    data = {"id": None, "authorisationTypes": ["employment"], "validFrom": None,
            "validTo": None,
            "authorisationGrant": {"createdAt": None, "createdByOauthClientId": None,
                                   "revokedByOauthClientId": None, "revoked": None,
                                   "revokedAt": None},
            "object": {"type": None, "value": None},
            "principal": {"type": "User", "value": principal_id}}
    data.update(changes)
    return data


def test_create_answers_the_vendor_shape_and_records_it(granter, principal):
    api = granter.basic()
    response = api.post(URL, sdk_body(str(principal.identity.pk)), format="json")
    assert response.status_code == 201, response.content
    right = response.json()
    assert right["authorisationTypes"] == ["employment"]
    assert right["principal"] == {"type": "user", "value": str(principal.identity.pk)}
    assert right["object"] == {"type": "user", "value": str(granter.identity.pk)}
    assert right["nsCode"] == "ns-a" and right["active"] is True
    grant = right["authorisationGrant"]
    assert grant["createdByOauthClientId"] == granter.credentials.client_id
    assert grant["revoked"] is False and grant["revokedAt"] is None
    year = (timezone.datetime.fromisoformat(right["validTo"])
            - timezone.datetime.fromisoformat(right["validFrom"]))
    assert 364 <= year.days <= 366
    assert api.get(f"{URL}/{right['id']}").json() == right
    records = ChangeRecord.objects.filter(object_type="authorisations.authorisationgrantright",
                                          object_id=right["id"])
    assert [r.action for r in records] == ["create"]
    assert records[0].after["authorisationTypes"] == ["employment"]


def test_list_filters_and_pages(granter, principal):
    api = granter.basic()
    for code in ("employment", "mandate", "employment"):
        assert api.post(URL, sdk_body(str(principal.identity.pk), authorisationTypes=[code]),
                        format="json").status_code == 201
    page = api.get(URL, {"filter": 'authorisationTypes eq "employment"'}).json()
    assert page["totalResults"] == 2 and len(page["resources"]) == 2
    assert all(r["authorisationTypes"] == ["employment"] for r in page["resources"])
    filtered = api.get(URL, {"filter": 'principal.type eq "USER" and active eq true'}).json()
    assert filtered["totalResults"] == 3
    bad = api.get(URL, {"filter": 'nope eq "x"'})
    assert_error(bad, 400, "nope")


def test_revoke_is_final(granter, principal):
    api = granter.basic()
    right = api.post(URL, sdk_body(str(principal.identity.pk)), format="json").json()
    revoked = api.post(f"{URL}/{right['id']}/revoke")
    assert revoked.status_code == 200, revoked.content
    grant = revoked.json()["authorisationGrant"]
    assert grant["revoked"] is True and grant["revokedAt"]
    assert grant["revokedByOauthClientId"] == granter.credentials.client_id
    assert revoked.json()["active"] is False
    before = ChangeRecord.objects.count()
    assert_error(api.post(f"{URL}/{right['id']}/revoke"), 409, "already revoked")
    assert ChangeRecord.objects.count() == before
    actions = list(ChangeRecord.objects.filter(object_id=right["id"]).values_list(
        "action", flat=True).order_by("id"))
    assert actions == ["create", "revoke"]


def test_as_of_shows_the_right_before_its_revocation(granter, principal):
    api = granter.basic()
    right = api.post(URL, sdk_body(str(principal.identity.pk)), format="json").json()
    between = timezone.now().isoformat()
    api.post(f"{URL}/{right['id']}/revoke")
    then = api.get(f"{URL}/{right['id']}", {"asOf": between}).json()
    assert then["authorisationGrant"]["revoked"] is False and then["active"] is True
    assert api.get(f"{URL}/{right['id']}").json()["active"] is False
    before_it = api.get(URL, {"asOf": "2000-01-01T00:00:00Z"}).json()
    assert before_it["totalResults"] == 0


def test_other_namespaces_answer_404_and_permissions_403(granter, principal, make_ns_caller,
                                                         ns_b):
    right = granter.basic().post(URL, sdk_body(str(principal.identity.pk)),
                                 format="json").json()
    outsider = make_ns_caller(perms=[*ALL, *GRANT], namespaces=("ns-b",)).basic()
    assert_error(outsider.get(f"{URL}/{right['id']}"), 404)
    assert_error(outsider.post(f"{URL}/{right['id']}/revoke"), 404)
    assert outsider.get(URL).json()["totalResults"] == 0
    assert_error(outsider.post(URL, sdk_body(str(principal.identity.pk), nsCode="ns-a"),
                               format="json"), 403)
    viewer = make_ns_caller(perms=["AUTHORISATION_GRANT_RIGHT_VIEW"]).basic()
    assert viewer.get(f"{URL}/{right['id']}").status_code == 200
    assert_error(viewer.post(URL, sdk_body(str(principal.identity.pk)), format="json"), 403,
                 "AUTHORISATION_GRANT_RIGHT_CREATE")
    assert_error(viewer.post(f"{URL}/{right['id']}/revoke"), 403,
                 "AUTHORISATION_GRANT_RIGHT_MODIFY")


@pytest.mark.parametrize(("changes", "field"), [
    ({"authorisationTypes": []}, "authorisationTypes"),
    ({"authorisationTypes": "employment"}, "authorisationTypes"),
    ({"authorisationTypes": ["nope"]}, "nope"),
    ({"principal": {"type": "robot", "value": "x"}}, "principal"),
    ({"principal": {"type": "user", "value": "not-a-uuid"}}, "principal"),
    ({"validFrom": "yesterday"}, "validFrom"),
    ({"validFrom": "2030-01-01T00:00:00Z", "validTo": "2029-01-01T00:00:00Z"}, "validTo"),
    ({"surprise": 1}, "surprise"),
])
def test_bad_bodies_are_refused_and_write_nothing(granter, principal, changes, field):
    before = (AuthorisationGrantRight.objects.count(), ChangeRecord.objects.count())
    response = granter.basic().post(URL, sdk_body(str(principal.identity.pk), **changes),
                                    format="json")
    assert_error(response, 400, field)
    assert (AuthorisationGrantRight.objects.count(), ChangeRecord.objects.count()) == before


def test_an_active_grant_right_lets_its_principal_give_on_its_own_behalf(granter, principal):
    me = str(principal.identity.pk)
    own = body(object={"type": "User", "value": me}, nsCode="ns-a")
    api = principal.basic()
    assert_error(api.post(f"{BASE}/authorisation", own, format="json"), 403,
                 "AUTHORISATION_CREATE")
    right = granter.basic().post(URL, sdk_body(me), format="json").json()
    created = api.post(f"{BASE}/authorisation", own, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["object"] == {"type": "user", "value": me}
    # no default namespace: the only namespace it holds grant rights in
    assert api.post(f"{BASE}/authorisation", {**own, "nsCode": None},
                    format="json").status_code == 201
    # not on another's behalf, not another type, not after revocation
    other = body(object={"type": "user", "value": str(granter.identity.pk)}, nsCode="ns-a")
    assert_error(api.post(f"{BASE}/authorisation", other, format="json"), 403)
    assert_error(api.post(f"{BASE}/authorisation", {**own, "authType": "mandate"},
                          format="json"), 403)
    granter.basic().post(f"{URL}/{right['id']}/revoke")
    assert_error(api.post(f"{BASE}/authorisation", own, format="json"), 403)


def test_a_grant_right_to_a_string_principal_matches_the_client_id(granter, principal):
    client_id = principal.credentials.client_id
    granter.basic().post(URL, sdk_body("", principal={"type": "String", "value": client_id}),
                         format="json")
    own = body(object={"type": "string", "value": client_id}, nsCode="ns-a")
    assert principal.bearer().post(f"{BASE}/authorisation", own,
                                   format="json").status_code == 201


def test_a_deleted_type_no_longer_admits(granter, principal):
    me = str(principal.identity.pk)
    granter.basic().post(URL, sdk_body(me), format="json")
    coded_item_delete(item=AuthorisationType.objects.alive().get(code="employment",
                                                                  namespace__code="ns-a"))
    own = body(object={"type": "user", "value": me}, nsCode="ns-a")
    assert_error(principal.basic().post(f"{BASE}/authorisation", own, format="json"), 403)


def test_query_count_of_the_list_is_flat(granter, principal, django_assert_num_queries):
    api = granter.basic()
    api.get(URL)  # warm: the client's credentials are remembered
    for _ in range(3):
        api.post(URL, sdk_body(str(principal.identity.pk)), format="json")
    with django_assert_num_queries(6) as small:
        api.get(URL, {"count": 1})
    with django_assert_num_queries(len(small.captured_queries)):
        api.get(URL, {"count": 100})


ADMIN = "/admin/authorisations/authorisationgrantright/"


@pytest.fixture
def operator(client):
    from identities.services.people import person_create

    client.force_login(person_create(username="root", superuser=True))
    return client


def test_the_admin_creates_through_the_service_revokes_and_shows_history(operator, ns_a,
                                                                         ns_b):
    employment = AuthorisationType.objects.get(namespace=ns_a, code="employment")
    stray = AuthorisationType.objects.get(namespace=ns_b, code="employment")
    form = {"namespace": ns_a.pk, "types": [employment.pk], "principal_type": "string",
            "principal_value": "partner-app", "valid_from_0": "", "valid_from_1": "",
            "valid_to_0": "", "valid_to_1": ""}
    refused = operator.post(f"{ADMIN}add/", {**form, "types": [stray.pk]})
    assert refused.status_code == 200 and not AuthorisationGrantRight.objects.exists()
    response = operator.post(f"{ADMIN}add/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    right = AuthorisationGrantRight.objects.get()
    assert right.object_value == str(response.wsgi_request.user.pk)
    assert right.valid_to is not None
    operator.post(ADMIN, {"action": "revoke_selected", "_selected_action": [right.pk]})
    right.refresh_from_db()
    assert right.revoked
    page = operator.get(f"{ADMIN}{right.pk}/change/").content.decode()
    assert "employment" in page and "revoke" in page and "create" in page
    listing = operator.get(ADMIN, {"q": "partner-app"}).content.decode()
    assert "partner-app" in listing
    assert operator.get(f"{ADMIN}{right.pk}/delete/").status_code == 403


def test_the_reserved_namespace_refuses_grant_rights_as_every_other_write(make_ns_caller,
                                                                          principal):
    """`ainua` mirrors Ainua bindings: a grant right there is refused (403) with the body an
    authorisation create there gets, and writes nothing; service level too."""
    from authorisations.errors import ReservedNamespaceError
    from authorisations.services.grant_rights import grant_right_create
    from authorisations.services.mirror import mirror_ensure

    ainua = mirror_ensure(namespace_code="ainua", namespace_name="Ainua",
                          type_code="account-user", type_name="Account user").namespace
    api = make_ns_caller(perms=[*ALL, *GRANT], namespaces=("ainua",)).basic()
    before = (AuthorisationGrantRight.objects.count(), ChangeRecord.objects.count())
    refused = api.post(URL, sdk_body(str(principal.identity.pk), nsCode="ainua",
                                     authorisationTypes=["account-user"]), format="json")
    data = assert_error(refused, 403, "Namespace ainua is reserved")
    other = assert_error(api.post(f"{BASE}/authorisation", body(
        nsCode="ainua", authType="account-user"), format="json"), 403)
    assert data["errorMessage"] == other["errorMessage"]
    assert (AuthorisationGrantRight.objects.count(), ChangeRecord.objects.count()) == before
    with pytest.raises(ReservedNamespaceError):
        grant_right_create(namespace=ainua, type_codes=["account-user"], principal_type="user",
                           principal_value=str(principal.identity.pk), object_type="user",
                           object_value=str(principal.identity.pk))
    assert AuthorisationGrantRight.objects.count() == before[0]
    # one made before creates were refused admits nothing there; revoking it only tidies
    old = AuthorisationGrantRight.objects.create(
        namespace=ainua, principal_type="user", principal_value=str(principal.identity.pk),
        object_type="user", object_value=str(principal.identity.pk),
        valid_from=timezone.now(), created=timezone.now())
    revoked = api.post(f"{URL}/{old.pk}/revoke")
    assert revoked.status_code == 200 and revoked.json()["active"] is False
