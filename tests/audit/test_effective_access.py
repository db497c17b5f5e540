"""The effective-access panel (issue 15 item 2): on an identity's page and its organization
user's page, everything that gives it access, each line linked to its record and history; a
fixed number of queries whatever the size of the answer; and, over the demo data, the same
answer as the APIs give."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from oauth2_provider.models import Application

from accounts import services as account_services
from accounts.models import AccountUser
from accounts.validation import accounts_clean, users_clean
from audit.effective_access import effective_access, window_state
from authorisations.models import Authorisation, AuthorisationType, Namespace
from authorisations.services.authorisations import authorisation_create, authorisations_revoke
from authorisations.services.catalog import coded_item_create, namespace_create, namespace_grant
from authorisations.services.grant_rights import grant_right_create
from authorisations.validation import clean_authorisation
from foundation import reach
from identities.models import TENANTS, Identity, Member
from identities.services.clients import api_client_create
from identities.services.people import person_create
from identities.services.tenants import member_upsert, tenant_create
from orgs import services as org_services
from orgs.models import SUBTREES, Assignment, Organization, OrgUser, Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client):
    client.force_login(person_create(username="root", password="pw-Operat0r!", superuser=True))
    return client


def _lines(identity) -> dict[str, list]:
    return {answer.section.key: answer.lines for answer in effective_access(identity)}


def _person_with(size: int) -> Identity:
    """A CustomerID user holding `size` roles, each a member of another (so `size` more are
    inherited), `size` tenant memberships, authorisations as subject and as object in every
    state, grant rights and Ainua account bindings, `size` of each."""
    now = timezone.now()
    top = org_services.organization_create(parent=None, organization_id=f"org-{size}",
                                           friendly_name="Org", organization_type=None,
                                           virtual=False, attributes={})
    user = org_services.user_create(organization=top, data=org_services.UserFields(
        uid=f"person-{size}", firstname="Pat", surname=f"Size{size}",
        email=f"pat{size}@example.com"))
    identity = user.identity
    namespace = namespace_create(code=f"ns-{size}", name="", default_validity=None)
    coded_item_create(model=AuthorisationType, namespace=namespace, code="mandate", name="")
    connector = api_client_create(name=f"connector-{size}", permissions=[]).application
    account_services.users_patch(connector_id=connector.pk, entries=users_clean(
        {"u-1": {"email": identity.email, "name": "Pat"}}))
    for i in range(size):
        above = org_services.role_put(organization=top, name=f"above-{i}")
        role = org_services.role_put(organization=top, name=f"role-{i}", member_of=above)
        org_services.assignment_create(user=user, role=role)
        member_upsert(tenant=tenant_create(key=f"t{size}-{i}", name="T"), identity=identity)
        for side in ("subject", "object"):
            me = {"type": "user", "value": str(identity.pk)}
            other = {"type": "target", "value": f"target-{i}"} if side == "subject" \
                else {"type": "string", "value": f"someone-{i}"}
            data = {"authType": "mandate", side: me,
                    ("object" if side == "subject" else "subject"): other}
            if i % 3 == 1:
                data["validFrom"] = (now + timedelta(days=3)).isoformat()
            row = authorisation_create(namespace=namespace, data=clean_authorisation(data))
            if i % 3 == 2:
                authorisations_revoke(ids=[row.pk], details="test")
        grant_right_create(namespace=namespace, type_codes=["mandate"], principal_type="user",
                           principal_value=str(identity.pk), object_type="user",
                           object_value=str(identity.pk), valid_from=None, valid_to=None)
        account_services.accounts_patch(connector_id=connector.pk, entries=accounts_clean(
            {f"acc-{i}": {"name": f"Account {i}", "id": f"{size:03d}{i:04d}-1"}}))
        account = account_services.account_of_connector(connector_id=connector.pk,
                                                        account_id=f"{size:03d}{i:04d}-1")
        account_services.account_users_set(connector_id=connector.pk, account=account,
                                           external_ids=["u-1"])
    return Identity.objects.get(pk=identity.pk)


def _client_with(size: int) -> Identity:
    """An API client granted `size` namespaces, subtrees and tenants, with `size`
    permissions (and its group's)."""
    perms = ["authorisations.AUTHORISATION_VIEW", "orgs.view_organization",
             "orgs.view_orguser", "orgs.view_role", "identities.view_identity",
             "identities.view_member", "identities.change_member"][:size]
    credentials = api_client_create(name=f"client-{size}", permissions=perms,
                                    tenant_keys=[f"c{size}-{i}" for i in range(size)])
    identity = credentials.identity
    for i in range(size):
        namespace_grant(identity=identity, namespace=namespace_create(
            code=f"cns-{size}-{i}", name="", default_validity=None))
        org = org_services.organization_create(
            parent=None, organization_id=f"corg-{size}-{i}", friendly_name="O",
            organization_type=None, virtual=False, attributes={})
        reach.grant(identity, SUBTREES, org)
    return Identity.objects.get(pk=identity.pk)


def _count(identity) -> tuple[int, dict[str, list]]:
    with CaptureQueriesContext(connection) as queries:
        lines = _lines(identity)
    return len(queries), lines


PERSON_QUERIES = 9  # one per section, two for grant rights (and their types)
CLIENT_QUERIES = 17  # the person's sections, applications, permissions (2), the realms (4)


def test_a_persons_panel_takes_the_same_queries_whatever_its_size():
    small, large = _person_with(1), _person_with(7)
    small_count, small_lines = _count(small)
    large_count, large_lines = _count(large)
    assert len(large_lines["roles"]) == 7 and len(large_lines["inherited roles"]) == 7
    mine = [line for line in large_lines["authorisations"] if " as mandate " in line.text]
    assert len(mine) == 14
    assert len(large_lines["authorisations"]) == 21  # and the 7 bindings' mirrors
    assert {line.state for line in mine} == {
        "active", "future", "revoked"}
    assert len(large_lines["memberships"]) == 7 and len(large_lines["grant rights"]) == 7
    assert len(large_lines["account bindings"]) == 7
    assert len(small_lines["roles"]) == 1
    assert small_count == large_count == PERSON_QUERIES


def test_an_api_clients_panel_takes_the_same_queries_whatever_its_size():
    small, large = _client_with(1), _client_with(6)
    small_count, _ = _count(small)
    large_count, lines = _count(large)
    assert len(lines["reach:namespace"]) == len(lines["reach:subtree"]) == 6
    assert len(lines["reach:tenant"]) == 6 and len(lines["permissions"]) == 6
    assert len(lines["applications"]) == 1
    assert small_count == large_count == CLIENT_QUERIES


def test_the_page_takes_the_same_queries_whatever_the_panels_size(operator):
    small, large = _person_with(1), _person_with(5)
    counts = []
    for identity in (small, large):
        for url in (reverse("admin:identities_identity_change", args=[identity.pk]),
                    reverse("admin:orgs_orguser_change", args=[identity.pk])):
            operator.get(url)  # warm: the session, the content types
            with CaptureQueriesContext(connection) as queries:
                response = operator.get(url)
            assert response.status_code == 200 and b"effective-access" in response.content
            counts.append(len(queries))
    assert counts[:2] == counts[2:]


def test_each_line_links_to_its_record_and_history(operator):
    person = _person_with(2)
    page = operator.get(reverse("admin:identities_identity_change", args=[person.pk]))
    html = page.content.decode()
    for key, lines in _lines(person).items():
        for line in lines:
            if line.record is None:
                continue
            assert line.url and line.url in html, (key, line)
            assert line.history_url and line.history_url in html, (key, line)
            assert operator.get(line.history_url).status_code == 200
    row = Authorisation.objects.filter(subject_value=str(person.pk)).first()
    assert reverse("admin:authorisations_authorisation_history", args=[row.pk]) in html
    assignment = Assignment.objects.filter(user_id=person.pk).first()
    assert reverse("admin:orgs_assignment_change", args=[assignment.pk]) in html


def test_the_organization_users_page_shows_the_same_panel(operator):
    person = _person_with(2)
    identity_page = operator.get(reverse("admin:identities_identity_change", args=[person.pk]))
    user_page = operator.get(reverse("admin:orgs_orguser_change", args=[person.pk]))

    def panel(response) -> str:
        html = response.content.decode()
        start = html.index('id="effective-access"')
        return html[start:html.index("</div>", start)]

    assert panel(identity_page) == panel(user_page)


def test_window_states():
    now = timezone.now()
    day = timedelta(days=1)
    assert window_state(valid_from=now - day, valid_to=None, at=now) == "active"
    assert window_state(valid_from=now + day, valid_to=None, at=now) == "future"
    assert window_state(valid_from=now - day, valid_to=now, at=now) == "expired"
    assert window_state(valid_from=now - day, valid_to=None, revoked=True) == "revoked"
    assert window_state(valid_from=now - day, valid_to=None, deleted=True) == "deleted"


# --- the demo: the panel says what the APIs say -----------------------------------------------

@pytest.fixture
def demo(make_caller):
    call_command("load_demo", stdout=io.StringIO())
    return make_caller(all_perms=True, name="auditor")


def _subject_authorisations(api, identity) -> set[str]:
    body = api.get("/api/rest/v1/authorisation", {
        "filter": f'subject.value eq "{identity.pk}"', "count": 1000}).json()
    assert body["totalResults"] == len(body["resources"])
    return {r["id"] for r in body["resources"]}


def _object_authorisations(api, identity) -> set[str]:
    body = api.get("/api/rest/v1/authorisation", {
        "filter": f'object.value eq "{identity.pk}"', "count": 1000}).json()
    return {r["id"] for r in body["resources"]}


def _roles(api, user: OrgUser, recursive: bool) -> set[str]:
    from xml.etree import ElementTree as ET

    path = f"/eidm2/services/user/{user.organization.path}/{user.name}/roles"
    response = api.get(path, {"recursive": "true"} if recursive else {})
    assert response.status_code == 200, response.content
    return {e.text.split("/eidm2/services/role/", 1)[1]
            for e in ET.fromstring(response.content).findall("Id")}


def _memberships(make_caller, identity) -> set[tuple[str, int]]:
    """(tenant key, member id) as DFS answers them: `GET /v1.0/identities/{id}` through a
    client of each tenant (the member fields are of the client's default tenant)."""
    found = set()
    for key in Member.objects.values_list("tenant__key", flat=True).distinct():
        api = make_caller(["identities.view_identity"], tenants=[key]).basic()
        body = api.get(f"/v1.0/identities/{identity.pk}").json()
        if body.get("MemberId") is not None:
            found.add((key, body["MemberId"]))
    return found


@pytest.mark.parametrize("username", ["maija", "matti", "alice", "erin", "lena@example.com"])
def test_a_demo_users_panel_lists_what_the_apis_answer(demo, make_caller, operator, username):
    identity = Identity.objects.get(username=username)
    api = demo.basic()
    with CaptureQueriesContext(connection) as queries:
        lines = _lines(identity)
    assert len(queries) == PERSON_QUERIES

    def records(key: str, where=lambda line: True) -> set[str]:
        return {str(line.record.pk) for line in lines[key] if where(line)}

    subject = records("authorisations", lambda line: line.text.startswith("subject:"))
    assert subject == _subject_authorisations(api, identity)
    assert records("authorisations", lambda line: line.text.startswith("object:")) == \
        _object_authorisations(api, identity)
    user = OrgUser.objects.select_related("organization").filter(pk=identity.pk).first()
    if user is not None:
        direct = {line.text for line in lines["roles"]}
        inherited = {line.text for line in lines["inherited roles"]}
        assert direct == _roles(api, user, recursive=False)
        assert direct | inherited == _roles(api, user, recursive=True)
    else:
        assert lines["roles"] == lines["inherited roles"] == lines["placement"] == []
    assert {(line.record.tenant.key, line.record.pk) for line in lines["memberships"]} == \
        _memberships(make_caller, identity)
    bindings = {str(b.pk) for b in AccountUser.objects.filter(identity=identity)}
    assert records("account bindings") == bindings
    page = operator.get(reverse("admin:identities_identity_change", args=[identity.pk]))
    html = page.content.decode()
    for key in ("authorisations", "roles", "memberships", "account bindings"):
        for line in lines[key]:
            assert line.url in html
    if username == "maija":
        assert len(lines["account bindings"]) == 2 and subject  # the mirrors: subject
    if username == "alice":
        assert len(subject) == 3


def test_a_demo_connectors_panel_lists_its_application_and_reach(demo):
    connector = Identity.objects.get(username="demo-crm")
    lines = _lines(connector)
    assert [line.record for line in lines["applications"]] == list(
        Application.objects.filter(user=connector))
    assert {line.text.split(" (")[0] for line in lines["permissions"]} == {
        *connector.get_all_permissions()}
    assert [line.record.key for line in lines["reach:tenant"]] == [
        t.key for t in reach.of(connector, TENANTS).objects()]
    assert Namespace.objects.exists() and Organization.objects.exists() and Role.objects.exists()
