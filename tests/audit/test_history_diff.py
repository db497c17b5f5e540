"""Readable history (issue 15 item 5): History and change-record pages show the changed fields
only, labelled in words, related ids resolved to names; an audit context's page lists its
changes; the change-record list exports as CSV."""

import csv
import io

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from audit.diff import EMPTY, changed_keys, diffs
from audit.models import AuditContext, ChangeRecord
from audit.services import audit_context_create, record
from identities.models import Identity, IdentityRole, Member, Tenant
from identities.services.people import person_create
from identities.services.tenants import member_upsert, tenant_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client):
    admin = person_create(username="root", password="pw-Operat0r!", superuser=True)
    client.force_login(admin)
    return client


@pytest.fixture
def member():
    person = person_create(username="ada", password="pw-Ada-l0vel4ce", first_name="Ada")
    return member_upsert(tenant=Tenant.objects.get(key="default"), identity=person)


def test_changed_keys_are_the_differing_ones_and_blank_to_blank_is_no_change():
    assert changed_keys({"a": 1, "b": 2, "c": ""}, {"a": 1, "b": 3, "c": None}) == ["b"]
    assert changed_keys(None, {"a": 1, "b": None}) == ["a"]  # a creation: what it set
    assert changed_keys({"a": 1, "b": []}, None) == ["a"]  # a deletion: what it held


def test_a_role_change_shows_the_roles_by_name_and_only_the_changed_field(member):
    roles = list(IdentityRole.objects.order_by("hierarchy_level")[:2])
    member_upsert(tenant=member.tenant, identity=member.identity, role_id=roles[0].pk)
    member_upsert(tenant=member.tenant, identity=member.identity, role_id=roles[1].pk)
    update = ChangeRecord.objects.filter(object_type="identities.member", action="update",
                                         object_id=str(member.pk)).order_by("id").last()

    [change] = diffs([update])[update.pk]

    assert change.field == "identity_role" and change.label == "Identity role"
    assert (change.before, change.after) == (str(roles[0]), str(roles[1]))


def test_a_creation_lists_what_it_set_and_booleans_read_as_words(member):
    create = ChangeRecord.objects.get(object_type="identities.member", action="create",
                                      object_id=str(member.pk))
    shown = {item.field: item for item in diffs([create])[create.pk]}
    assert shown["is_enabled"].after == "yes" and shown["is_enabled"].before == EMPTY
    assert shown["identity"].after == str(member.identity)  # a name, not an id
    assert shown["tenant"].after == str(member.tenant)


def test_ids_of_gone_or_malformed_rows_are_shown_as_they_are():
    change = record(action="update", object_type="identities.member", object_id="1",
                    before={"identity_role": 999_999}, after={"identity_role": "not-an-id"})
    [item] = diffs([change])[change.pk]
    assert (item.before, item.after) == ("999999", "not-an-id")


def test_records_of_unknown_types_show_their_keys():
    change = record(action="update", object_type="x.thing", object_id="1",
                    before={"colour": "red", "size": 1}, after={"colour": "blue", "size": 1})
    [item] = diffs([change])[change.pk]
    assert (item.label, item.before, item.after) == ("colour", "red", "blue")


def test_resolving_names_costs_one_query_a_related_model_however_many_records(
        member, django_assert_num_queries):
    roles = list(IdentityRole.objects.order_by("hierarchy_level"))
    for role in roles * 5:
        member_upsert(tenant=member.tenant, identity=member.identity, role_id=role.pk)
    few = list(ChangeRecord.objects.filter(object_type="identities.member")[:2])
    many = list(ChangeRecord.objects.filter(object_type="identities.member"))
    assert len(many) > 10
    # identity roles; and identities and tenants (the create record in `many`)
    with django_assert_num_queries(1):
        diffs(few)
    with django_assert_num_queries(3):
        diffs(many)


def test_the_history_page_shows_a_diff_not_json_dumps(operator):
    tenant = Tenant.objects.get(key="default")
    tenant_update(tenant=tenant, name="Renamed tenant")
    page = operator.get(reverse("admin:identities_tenant_history", args=[tenant.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert 'class="audit-diff"' in text and "Renamed tenant" in text
    assert "&quot;key&quot;" not in text  # no JSON dump of the whole state
    assert f'nonce="{page.wsgi_request.csp_nonce}"' in text  # its style passes the CSP


def test_the_change_record_page_shows_the_diff_and_links_the_object(operator, member):
    roles = list(IdentityRole.objects.order_by("hierarchy_level")[:2])
    member_upsert(tenant=member.tenant, identity=member.identity, role_id=roles[1].pk)
    update = ChangeRecord.objects.get(object_type="identities.member", action="update")
    page = operator.get(reverse("admin:audit_changerecord_change", args=[update.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Identity role" in text and str(roles[1]) in text
    assert reverse("admin:identities_member_history", args=[member.pk]) in text


def test_an_audit_context_page_lists_the_changes_made_under_it(operator, member):
    context = audit_context_create(created_by="bo")
    roles = list(IdentityRole.objects.order_by("hierarchy_level")[:2])
    member_upsert(tenant=member.tenant, identity=member.identity, role_id=roles[1].pk,
                  context=context)
    page = operator.get(reverse("admin:audit_auditcontext_change", args=[context.pk]))
    assert page.status_code == 200 and str(roles[1]) in page.content.decode()

    listed = operator.get(reverse("admin:audit_changerecord_changelist"),
                          {"context": context.pk})
    assert listed.status_code == 200
    assert list(listed.context["cl"].result_list) == list(context.changes.all())


def test_a_long_context_links_to_the_list_of_all_its_changes(operator):
    context = audit_context_create(created_by="bo")
    for number in range(51):
        record(action="create", object_type="x.thing", object_id=str(number),
               after={"n": number}, context=context)
    page = operator.get(reverse("admin:audit_auditcontext_change", args=[context.pk]))
    assert f"?context={context.pk}" in page.content.decode()


def test_the_change_list_exports_its_filtered_records_as_csv(operator):
    record(action="create", object_type="x.thing", object_id="1", object_repr="=HYPERLINK()",
           after={"a": 1})
    record(action="create", object_type="x.other", object_id="2", after={"b": 2})
    url = reverse("admin:audit_changerecord_export")
    response = operator.get(url, {"object_type": "x.thing"})
    assert response.status_code == 200 and response["Content-Type"] == "text/csv"
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [(row["object_type"], row["object_id"]) for row in rows] == [("x.thing", "1")]
    assert rows[0]["object_repr"] == "'=HYPERLINK()"  # never a formula in a spreadsheet
    assert rows[0]["after"] == '{"a": 1}'
    listing = operator.get(reverse("admin:audit_changerecord_changelist"))
    assert url in listing.content.decode()


def test_the_export_needs_the_view_permission(client):
    clerk = person_create(username="clerk", password="pw-Cl3rk-x!")
    Identity.objects.filter(pk=clerk.pk).update(is_staff=True)  # an operator, no rights yet
    client.force_login(clerk)
    assert client.get(reverse("admin:audit_changerecord_export")).status_code == 403
    clerk.user_permissions.add(Permission.objects.get(codename="view_changerecord"))
    assert client.get(reverse("admin:audit_changerecord_export")).status_code == 200


def test_nothing_here_writes_to_the_audit_trail(operator, member):
    before = ChangeRecord.objects.count(), AuditContext.objects.count(), Member.objects.count()
    operator.get(reverse("admin:identities_member_history", args=[member.pk]))
    operator.get(reverse("admin:audit_changerecord_export"))
    assert (ChangeRecord.objects.count(), AuditContext.objects.count(),
            Member.objects.count()) == before


def test_fields_are_labelled_as_their_admin_labels_them():
    from orgs.services import organization_create, organization_update
    org = organization_create(parent=None, organization_id="acme", friendly_name="Acme")
    organization_update(organization=org, friendly_name="Acme Ltd", organization_type=None,
                        attributes={})
    update = ChangeRecord.objects.get(object_type="orgs.organization", action="update")
    labels = {item.field: item.label for item in diffs([update])[update.pk]}
    assert labels["friendly_name"] == "Friendly name"  # not the wire name friendlyName
