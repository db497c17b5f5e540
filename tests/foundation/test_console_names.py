"""Names, not UUIDs (issue 15 item 3): no page of the console shows a person by its id
alone; authorisations and change records are found by username, uid and email; labels are
words; coded items shared by namespaces show their namespace."""

from __future__ import annotations

import io
import json
import re
from html.parser import HTMLParser
from itertools import pairwise

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from audit.models import ChangeRecord
from audit.services import record
from authorisations.models import Authorisation, AuthorisationType, Namespace
from authorisations.services.authorisations import authorisation_create
from authorisations.services.catalog import coded_item_create, namespace_create
from authorisations.services.grant_rights import grant_right_create
from authorisations.validation import clean_authorisation
from core.names import UUID_RE, person_label
from identities.models import Identity
from identities.services.people import person_create
from orgs import services as org_services
from orgs.models import Assignment, Organization, OrgUser, Role

pytestmark = pytest.mark.django_db

PER_MODEL = 60  # change pages walked per model


@pytest.fixture
def demo(client):
    """The demo data, plus what it lacks: a CustomerID user without a uid (its username is
    its id) holding a role and named by an authorisation and a grant right, and one without
    any name."""
    call_command("load_demo", stdout=io.StringIO())
    org = Organization.objects.get(path="1234567-8/support")
    nina = org_services.user_create(organization=org, data=org_services.UserFields(
        firstname="Nina", surname="Nimetön", email="nina@example.com"))
    nobody = org_services.user_create(organization=org, data=org_services.UserFields())
    org_services.assignment_create(user=nina, role=Role.objects.get(name="Reseller"))
    authorisation_create(namespace=Namespace.objects.get(code="demo"), data=clean_authorisation({
        "authType": "mandate", "subject": {"type": "user", "value": str(nobody.pk)},
        "object": {"type": "user", "value": str(nina.pk)}}))
    root = person_create(username="root", password="pw-Operat0r!", superuser=True)
    grant_right_create(namespace=Namespace.objects.get(code="demo"), type_codes=["mandate"],
                       principal_type="user", principal_value=str(nobody.pk),
                       object_type="user", object_value=str(nina.pk))
    client.force_login(root)
    return client


def _acceptable(identity: Identity) -> list[str]:
    """What names a person on a page: its uid, else its names or email, else a mark that
    it has none."""
    if identity.username != str(identity.pk):
        return [identity.username]
    names = f"{identity.first_name} {identity.last_name}".strip()
    return [n for n in (names, identity.email) if n] or ["(no name)"]


class _Page(HTMLParser):
    """The text a person reads: text nodes (not script or style), and the values of
    visible inputs, each with the text of the form row around it."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.rows: list[list] = []  # [text parts, input values] per open form row
        self.skip = 0
        self.depth: list[bool] = []  # per open div: is it a form row

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style"):
            self.skip += 1
        if tag == "div":
            row = "form-row" in (attrs.get("class") or "")
            self.depth.append(row)
            if row:
                self.rows.append([[], []])
        if tag == "input" and attrs.get("type") not in ("hidden", "checkbox", "submit") \
                and attrs.get("value") and self.rows:
            self.rows[-1][1].append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip = max(0, self.skip - 1)
        if tag == "div" and self.depth and self.depth.pop():
            texts, values = self.rows.pop()
            self.finished_rows.append((" ".join(texts), values))

    def handle_data(self, data):
        if self.skip:
            return
        self.texts.append(data)
        for row in self.rows:
            row[0].append(data)

    finished_rows: list


def uuid_only(page: str, people: dict[str, Identity]) -> list[str]:
    """Each place where a person is shown by its id and nothing that names it."""
    parser = _Page()
    parser.finished_rows = []
    parser.feed(page)
    found = []
    for text in parser.texts:
        for match in UUID_RE.finditer(text):
            person = people.get(match.group(0).lower())
            if person and not any(name in text for name in _acceptable(person)):
                found.append(text.strip()[:200])
    for row_text, values in parser.finished_rows:
        for value in values:
            for match in UUID_RE.finditer(value):
                person = people.get(match.group(0).lower())
                if person and not any(name in row_text for name in _acceptable(person)):
                    found.append(f"input {value} in {row_text.strip()[:200]}")
    return found


def _url(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def test_no_console_page_shows_a_person_by_its_uuid_alone(demo):
    people = {str(i.pk): i for i in Identity.objects.all()}
    assert any(i.username == str(i.pk) for i in people.values())  # the case that matters
    failures: dict[str, list[str]] = {}
    walked = 0
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        prefix = f"admin:{opts.app_label}_{opts.model_name}"
        urls = [reverse(f"{prefix}_changelist")]
        for pk in model_admin.get_queryset(None).values_list("pk", flat=True)[:PER_MODEL]:
            urls += [u for u in (_url(f"{prefix}_change", pk), _url(f"{prefix}_history", pk))
                     if u]
        for url in urls:
            response = demo.get(url)
            assert response.status_code in (200, 302), (url, response.status_code)
            if response.status_code == 200:
                walked += 1
                shown = uuid_only(response.content.decode(), people)
                if shown:
                    failures[url] = shown
    assert walked > 300
    assert not failures, json.dumps(failures, indent=1, ensure_ascii=False)[:4000]


def test_the_detector_sees_a_uuid_alone(demo):
    """The walk's check is not vacuous: a bare id in a cell or a form value is caught."""
    nina = Identity.objects.get(first_name="Nina")
    people = {str(nina.pk): nina}
    assert uuid_only(f"<table><td>{nina.pk}</td></table>", people)
    assert not uuid_only(f"<td>{nina.pk} — Nina Nimetön</td>", people)
    assert uuid_only(f"<div class='form-row'><input value='{nina.pk}'></div>", people)
    assert not uuid_only(f"<div class='form-row'><input value='{nina.pk}'>"
                         f"<div class='help'>The person Nina Nimetön.</div></div>", people)


def test_a_person_reads_uid_and_names_or_username():
    assert person_label(pk="x", username="maija", first_name="Maija",
                        last_name="Meikäläinen") == "maija (Maija Meikäläinen)"
    assert person_label(pk="x", username="demo-crm") == "demo-crm"
    assert person_label(pk="x", username="x", first_name="Nina") == "Nina"
    assert person_label(pk="x", username="x", email="n@example.com") == "n@example.com"
    assert person_label(pk="x", username="x") == "(no name) x"


def test_lists_name_subjects_objects_and_change_records(demo):
    alice = Identity.objects.get(username="alice")
    page = demo.get(reverse("admin:authorisations_authorisation_changelist")).content.decode()
    assert "alice (Alice Anderson)" in page and "Nina Nimetön" in page
    assert str(alice.pk) in page  # links keep the ids
    records = demo.get(reverse("admin:audit_changerecord_changelist"),
                       {"object_type": "orgs.assignment"}).content.decode()
    assert "1234567-8/support/Nina Nimetön" in records


@pytest.mark.parametrize("term", ["alice", "Alice Anderson", "maija@example.com", "Nimetön"])
def test_authorisations_and_change_records_are_found_by_person(demo, term):
    person = (Identity.objects.filter(username=term.split()[0].lower()).first()
              or Identity.objects.filter(email=term).first()
              or Identity.objects.get(last_name=term))
    found = demo.get(reverse("admin:authorisations_authorisation_changelist"), {"q": term})
    expected = Authorisation.objects.filter(subject_value=str(person.pk)).count() + \
        Authorisation.objects.filter(object_value=str(person.pk)).count()
    assert expected > 0
    assert found.context["cl"].result_count == expected
    records = demo.get(reverse("admin:audit_changerecord_changelist"), {"q": term})
    ids = {str(r.object_id) for r in records.context["cl"].result_list}
    assert str(person.pk) in ids


def test_the_person_picker_searches_names_and_shows_them(demo):
    response = demo.get(reverse("admin:autocomplete"), {
        "app_label": "orgs", "model_name": "assignment", "field_name": "user", "term": "Nina"})
    texts = [r["text"] for r in response.json()["results"]]
    assert texts == ["1234567-8/support/Nina Nimetön"]


def _management_forms(client, url: str) -> dict[str, str]:
    """The inline formsets' management fields of an admin form, as the page gives them."""
    page = client.get(url).content.decode()
    return dict(re.findall(r'name="([^"]+-(?:TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS)"[^>]*'
                           r'value="(\d*)"', page))


def test_success_messages_name_what_was_added(demo):
    parent = Organization.objects.get(path="1234567-8")
    url = reverse("admin:orgs_organization_add")
    response = demo.post(url, {
        "parent": parent.pk, "name": "hr", "friendly_name": "HR", "org_type": "",
        "attributes": "{}", **_management_forms(demo, url)}, follow=True)
    assert "1234567-8/hr" in str(next(iter(response.context["messages"])))
    nina = OrgUser.objects.get(identity__first_name="Nina")
    role = Role.objects.get(organization__path="1234567-8", name="OrganizationUser")
    response = demo.post(reverse("admin:orgs_assignment_add"),
                         {"user": nina.pk, "role": role.pk}, follow=True)
    assert Assignment.objects.filter(user=nina, role=role).exists()
    message = str(next(iter(response.context["messages"])))
    assert "Nina Nimetön has 1234567-8/OrganizationUser" in response.content.decode()
    assert "1234567-8/OrganizationUser" in message


def test_labels_are_words_not_wire_names(demo):
    page = demo.get(reverse("admin:orgs_organization_changelist")).content.decode()
    assert "Friendly name" in page and "Organization type" in page
    assert "friendlyName" not in page and "organizationType" not in page
    org = Organization.objects.get(path="1234567-8")
    form = demo.get(reverse("admin:orgs_organization_change", args=[org.pk])).content.decode()
    assert "Organization id" in form and "organizationId" not in form
    users = demo.get(reverse("admin:orgs_orguser_changelist")).content.decode()
    assert "Password activated" in users and "pwd.activated" not in users


def test_types_shared_by_namespaces_show_their_namespace(demo):
    page = demo.get(reverse("admin:authorisations_authorisation_changelist")).content.decode()
    assert "employment (demo)" in page and "employment (partners)" in page
    response = demo.get(reverse("admin:autocomplete"), {
        "app_label": "authorisations", "model_name": "authorisation", "field_name": "type",
        "term": "employ"})
    assert sorted(r["text"] for r in response.json()["results"]) == [
        "employment (demo)", "employment (partners)"]
    row = Authorisation.objects.filter(type__code="employment").first()
    form = demo.get(reverse("admin:authorisations_authorisation_change", args=[row.pk]))
    assert re.search(r"<option[^>]*selected[^>]*>employment \(demo\)</option>",
                     form.content.decode())
    assert AuthorisationType.objects.filter(code="employment").count() == 2
    grant_form = demo.get(reverse("admin:authorisations_authorisationgrantright_add"))
    assert ">employment (partners)</option>" in grant_form.content.decode()


# --- what naming costs: a fixed number of queries a page, however many people it shows ------

MANY = 6


@pytest.fixture
def operator(client):
    client.force_login(person_create(username="root", password="pw-Operat0r!", superuser=True))
    return client


def _nameless_people(n: int, prefix: str) -> list[Identity]:
    """People without a uid (their username is their id), so only a name can show them."""
    people = [person_create(username=f"{prefix}{i}", first_name=f"{prefix.title()}{i}",
                            last_name="Person") for i in range(n)]
    for person in people:
        Identity.objects.filter(pk=person.pk).update(username=str(person.pk))
        person.username = str(person.pk)
    return people


def _queries(client, url: str) -> int:
    """The queries of one page (asked once before: the session and caches are warm), which
    names everyone it shows."""
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    people = {str(i.pk): i for i in Identity.objects.all()}
    assert not uuid_only(response.content.decode(), people), url
    return len(queries)


def _authorisations(code: str, n: int) -> list[Authorisation]:
    """`n` authorisations in a namespace of their own, each between two people of its own."""
    namespace = namespace_create(code=code)
    coded_item_create(model=AuthorisationType, namespace=namespace, code="mandate")
    people = _nameless_people(2 * n, code)
    return [authorisation_create(namespace=namespace, data=clean_authorisation({
        "authType": "mandate", "subject": {"type": "user", "value": str(people[2 * i].pk)},
        "object": {"type": "user", "value": str(people[2 * i + 1].pk)}})) for i in range(n)]


def test_a_list_names_its_people_in_one_query_however_many(operator):
    one, many = _authorisations("one", 1), _authorisations("many", MANY)
    url = reverse("admin:authorisations_authorisation_changelist")
    counts = [_queries(operator, f"{url}?namespace__id__exact={rows[0].namespace_id}")
              for rows in (one, many)]
    assert counts == [10, 10]


def test_a_change_form_names_its_inline_people_in_one_query_however_many(operator):
    parent = org_services.organization_create(parent=None, organization_id="1111111-1",
                                              friendly_name="Parent")
    counts = []
    for name, n in (("one", 1), ("many", MANY)):
        org = org_services.organization_create(parent=parent, organization_id=name,
                                               friendly_name=name)
        for i in range(n):
            org_services.user_create(organization=org, data=org_services.UserFields(
                firstname=f"{name.title()}{i}", surname="Person"))
        counts.append(_queries(operator, reverse("admin:orgs_organization_change",
                                                 args=[org.pk])))
    assert counts == [11, 11]


def test_a_history_page_names_its_people_in_one_query_however_many(operator):
    counts = []
    for code, n in (("one", 1), ("many", MANY)):
        [row] = _authorisations(code, 1)
        people = _nameless_people(n, f"{code}-o")
        values = [row.object_value, *(str(p.pk) for p in people)]
        for before, after in pairwise(values):
            record(action=ChangeRecord.Action.UPDATE, instance=row,
                   before={"object_value": before}, after={"object_value": after})
        counts.append(_queries(operator, reverse("admin:authorisations_authorisation_history",
                                                 args=[row.pk])))
    assert counts == [9, 9]
