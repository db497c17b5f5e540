"""Issue 15, item 1: every write from the admin is audited — no exceptions.

The test walks EVERY registered ModelAdmin (`admin.site._registry`, so an admin added later is
walked too) and, for each, its add, change and delete, and each action it offers: either the
admin refuses the operation (for a superuser), or the operation, made through the admin's
pages as a browser posts them, leaves exactly the change records that the same write made
through the services leaves (compared after rolling the admin's write back; new rows' ids and
this moment's timestamps stand as placeholders), under the operator's name.

How each model's objects are made, and what its forms are given, is in ENTRIES, one entry a
model. A newly registered admin with no entry fails here, loudly: write its entry (or make
the admin read-only)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group
from django.core.exceptions import FieldDoesNotExist
from django.db import models, transaction
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from oauth2_provider.models import AccessToken

from accounts.models import Account
from accounts.services.sources import account_delete, accounts_patch
from accounts.validation import AccountEntry
from audit import context as scope
from audit.models import ChangeRecord
from authorisations.models import (
    AuthorisationSource,
    AuthorisationType,
    ObjectType,
)
from authorisations.services import authorisations as authz
from authorisations.services import catalog, grant_rights
from authorisations.validation import clean_authorisation
from backoffice.models import AccessPolicy, AccessPolicyGroup, MemberBackOffice, Menu
from backoffice.services.assignments import member_menus_set
from backoffice.services.catalog import entry_delete as bo_entry_delete
from backoffice.services.catalog import entry_save as bo_entry_save
from events.models import Delivery
from events.webhooks.lanes import replay
from events.webhooks.subscriptions import webhook_create, webhook_delete, webhook_save
from identities.models import BankBranch, Identity, IdentityProvider, Salutation
from identities.services.catalogs import catalog_entry_delete, catalog_entry_save
from identities.services.clients import (
    access_token_revoke,
    application_delete,
    application_update,
    group_delete,
    group_save,
    permission_resolve,
)
from identities.services.people import identity_delete, identity_save, person_create
from identities.services.roles import (
    identity_role_create,
    identity_role_delete,
    identity_role_move,
    identity_role_update,
)
from identities.services.tenants import member_remove, member_upsert, tenant_create, tenant_update
from orgs import services as org_services
from scim.services.tokens import token_create, token_revoke
from tests.admin_forms import changed, form_data, form_errors
from tests.authorisations.conftest import body

pytestmark = pytest.mark.django_db

World = SimpleNamespace
Make = Callable[[World], models.Model]


@dataclass
class Entry:
    """How the walk writes one model: `make` an object through the services; what the add
    and change forms are given (`add`, `change`: field → value, over what the page shows)
    and the same writes through the services (`add_service`, `change_service`,
    `delete_service`); each action's service. An operation the admin refuses has none."""

    make: Make | None = None
    add: Callable[[World], dict] | None = None
    add_service: Callable[[World], Any] | None = None
    change: Callable[[World, Any], dict] | None = None
    change_service: Callable[[World, Any], Any] | None = None
    delete_service: Callable[[World, Any], Any] | None = None
    actions: dict[str, Callable[[World, Any], Any]] = field(default_factory=dict)
    change_writes: bool = True  # False: the change form has nothing editable


READ_ONLY = Entry()  # an admin that writes nothing (the walk checks that it refuses)
HOOK = "https://93.184.215.14/hooks"  # a public address: no name to resolve


# --- the services the admins stand for, as the admins call them ---------------------------

def _org_user(world, name):
    fields = org_services.UserFields(
        uid=f"{name}-uid", email=f"{name}@example.com", firstname=name.title(), surname="Tester",
        mobile="", locale="", hetu=None, pwd_activated=False, status="enabled", attributes={})
    return org_services.user_create(organization=world.acme, name=name, data=fields)


def _authorisation(world, subject="alice"):
    return authz.authorisation_create(namespace=world.ns, data=clean_authorisation(
        body(subject={"type": "string", "value": subject})))


def _grant_right(world, valid_from=None):
    return grant_rights.grant_right_create(
        namespace=world.ns, type_codes=["employment"], principal_type="string",
        principal_value="hr-desk", object_type=ObjectType.USER, object_value=str(world.root.pk),
        valid_from=valid_from or world.moment, valid_to=world.moment + timedelta(days=30))


def _token(world):
    world.caller_token()
    return AccessToken.objects.order_by("-pk").first()


def _organization(world, name="sales"):
    return org_services.organization_create(parent=world.acme, organization_id=name,
                                            friendly_name=name.title())


def _catalog(model, **values):
    return lambda world: catalog_entry_save(entry=model(**values), created=True)


def _catalog_entry(model, make_values, change_values):
    return Entry(
        make=_catalog(model, **make_values),
        add=lambda world: {"name": "Added"},
        add_service=lambda world: catalog_entry_save(entry=model(name="Added"), created=True),
        change=lambda world, obj: change_values,
        change_service=lambda world, obj: catalog_entry_save(
            entry=_set(obj, **change_values), created=False),
        delete_service=lambda world, obj: catalog_entry_delete(entry=obj),
        actions={"delete_selected": lambda world, obj: catalog_entry_delete(entry=obj)},
    )


def _backoffice(model, make, add):
    """A back-office catalog entry (backoffice.services.catalog)."""
    return Entry(
        make=make,
        add=lambda world: {"key": "added", "name": "Added", "position": 0, **add(world)},
        add_service=lambda world: bo_entry_save(entry=model(
            key="added", name="Added", position=0, **{
                name: _row(model, name, value) for name, value in add(world).items()}),
            created=True),
        change=lambda world, obj: {"name": "Renamed"},
        change_service=lambda world, obj: bo_entry_save(entry=_set(obj, name="Renamed"),
                                                        created=False),
        delete_service=lambda world, obj: bo_entry_delete(entry=obj),
        actions={"delete_selected": lambda world, obj: bo_entry_delete(entry=obj)},
    )


def _row(model, name, pk):
    return model._meta.get_field(name).related_model.objects.get(pk=pk)


def _menu(world, key="walked"):
    return bo_entry_save(entry=Menu(tenant=world.tenant, key=key, name=key.title()),
                         created=True)


def _policy_group(world, key="walked"):
    return bo_entry_save(entry=AccessPolicyGroup(tenant=world.tenant, key=key,
                                                 name=key.title()), created=True)


def _back_office_member(world):
    _menu(world, "m1")
    return MemberBackOffice.objects.get(pk=member_upsert(tenant=world.tenant,
                                                         identity=world.alice).pk)


def _m1(world) -> int:
    return Menu.objects.get(tenant=world.tenant, key="m1").pk


def _set(obj, **values):
    for name, value in values.items():
        setattr(obj, name, value)
    return obj


def _coded(model):
    return Entry(
        make=lambda world: catalog.coded_item_create(model=model, namespace=world.ns,
                                                   code="walked", name="Walked"),
        add=lambda world: {"namespace": world.ns.pk, "code": "added", "name": "Added",
                           "names": "[]"},
        add_service=lambda world: catalog.coded_item_create(
            model=model, namespace=world.ns, code="added", name="Added", description="",
            names=[]),
        change=lambda world, obj: {"name": "Renamed"},
        change_service=lambda world, obj: catalog.coded_item_update(item=obj, changes={
            "code": obj.code, "name": "Renamed", "names": obj.names,
            "description": obj.description}),
        delete_service=lambda world, obj: catalog.coded_item_delete(item=obj),
        actions={"delete_selected": lambda world, obj: catalog.coded_item_delete(item=obj)},
    )


def _identity_role(world):
    walked = identity_role_create(key="walked", name="Walked")
    identity_role_create(key="after", name="After")  # a role to move past, down
    return walked


ENTRIES: dict[str, Entry] = {
    "audit.auditcontext": READ_ONLY,
    "audit.changerecord": READ_ONLY,
    "console.refusal": READ_ONLY,
    "backoffice.menu": _backoffice(Menu, _menu, lambda world: {"tenant": world.tenant.pk}),
    "backoffice.accesspolicygroup": _backoffice(
        AccessPolicyGroup, _policy_group, lambda world: {"tenant": world.tenant.pk}),
    "backoffice.accesspolicy": _backoffice(
        AccessPolicy,
        lambda world: bo_entry_save(entry=AccessPolicy(group=_policy_group(world, "g1"),
                                                       key="walked", name="Walked"),
                                    created=True),
        lambda world: {"group": world.policy_group.pk}),
    "backoffice.memberbackoffice": Entry(
        make=_back_office_member,
        change=lambda world, obj: {"menus": [_m1(world)], "default_menus": [_m1(world)]},
        change_service=lambda world, obj: member_menus_set(
            member=obj, menu_ids=[_m1(world)], default_menu_ids=[_m1(world)]),
    ),
    "auth.group": Entry(
        make=lambda world: group_save(group=Group(name="walked"), created=True,
                                      permissions=[world.view]),
        add=lambda world: {"name": "added", "permissions": [world.view.pk]},
        add_service=lambda world: group_save(group=Group(name="added"), created=True,
                                             permissions=[world.view]),
        change=lambda world, obj: {"name": "renamed", "permissions": None},
        change_service=lambda world, obj: group_save(group=_set(obj, name="renamed"),
                                                     created=False, permissions=[]),
        delete_service=lambda world, obj: group_delete(group=obj),
        actions={"delete_selected": lambda world, obj: group_delete(group=obj)},
    ),
    "oauth2_provider.application": Entry(
        make=lambda world: world.client.application,
        change=lambda world, obj: {"redirect_uris": "https://crm.example/cb",
                                   "authorization_grant_type": "authorization-code"},
        change_service=lambda world, obj: application_update(application=_set(
            obj, redirect_uris="https://crm.example/cb",
            authorization_grant_type="authorization-code")),
        delete_service=lambda world, obj: application_delete(application=obj),
        actions={"delete_selected": lambda world, obj: application_delete(application=obj)},
    ),
    "oauth2_provider.accesstoken": Entry(
        make=_token,
        actions={"revoke_tokens": lambda world, obj: access_token_revoke(token=obj)},
    ),
    "scim.scimtoken": Entry(
        make=lambda world: token_create(organization=world.acme, name="entra").token,
        actions={"revoke_tokens": lambda world, obj: token_revoke(token=obj)},
    ),
    "oauth2_provider.grant": READ_ONLY,
    "oauth2_provider.idtoken": READ_ONLY,
    "oauth2_provider.refreshtoken": READ_ONLY,
    "identities.identity": Entry(
        make=lambda world: person_create(username="walked", first_name="Walked"),
        add=lambda world: {"username": "added", "password1": "Xk29-vnq-Plo",
                           "password2": "Xk29-vnq-Plo", "usable_password": "true"},
        # the add form sets a password: its hash differs from run to run, and is masked
        add_service=lambda world: identity_save(identity=_with_password(
            Identity(username="added"), "Xk29-vnq-Plo"), created=True),
        change=lambda world, obj: {"first_name": "Renamed", "user_permissions": [world.view.pk],
                                   "groups": [world.group.pk]},
        change_service=lambda world, obj: identity_save(
            identity=_set(obj, first_name="Renamed"), created=False,
            user_permissions=[world.view], groups=[world.group]),
        delete_service=lambda world, obj: identity_delete(identity=obj),
        actions={"delete_selected": lambda world, obj: identity_delete(identity=obj)},
    ),
    "identities.tenant": Entry(
        make=lambda world: tenant_create(key="walked", name="Walked"),
        add=lambda world: {"key": "added", "name": "Added"},
        add_service=lambda world: tenant_create(key="added", name="Added"),
        change=lambda world, obj: {"name": "Renamed"},
        change_service=lambda world, obj: tenant_update(tenant=obj, name="Renamed"),
    ),
    "identities.member": Entry(
        make=lambda world: member_upsert(tenant=world.tenant, identity=world.alice),
        add=lambda world: {"tenant": world.tenant.pk, "identity": world.bob.pk},
        add_service=lambda world: member_upsert(tenant=world.tenant, identity=world.bob,
                                                role_id=None, is_enabled=True),
        change=lambda world, obj: {"is_enabled": False},
        change_service=lambda world, obj: member_upsert(
            tenant=obj.tenant, identity=obj.identity, role_id=obj.identity_role_id,
            is_enabled=False),
        delete_service=lambda world, obj: member_remove(member=obj),
        actions={"delete_selected": lambda world, obj: member_remove(member=obj)},
    ),
    "identities.identityrole": Entry(
        make=_identity_role,
        add=lambda world: {"key": "added", "name": "Added"},
        add_service=lambda world: identity_role_create(key="added", name="Added"),
        change=lambda world, obj: {"name": "Renamed"},
        change_service=lambda world, obj: identity_role_update(role=_set(obj, name="Renamed")),
        delete_service=lambda world, obj: identity_role_delete(role=obj),
        actions={
            "delete_selected": lambda world, obj: identity_role_delete(role=obj),
            "move_up": lambda world, obj: identity_role_move(role=obj, up=True),
            "move_down": lambda world, obj: identity_role_move(role=obj, up=False),
        },
    ),
    "identities.salutation": _catalog_entry(Salutation, {"name": "Walked"}, {"name": "Renamed"}),
    "identities.identityprovider": _catalog_entry(IdentityProvider, {"name": "idp"},
                                                  {"name": "idp2"}),
    "identities.bankbranch": _catalog_entry(BankBranch, {"name": "Main"},
                                            {"name": "Main St", "country_id": 246}),
    "identities.externalidentity": READ_ONLY,
    "authorisations.namespace": Entry(
        make=lambda world: catalog.namespace_create(code="walked", name="Walked"),
        add=lambda world: {"code": "added", "name": "Added", "clients": [world.client.identity.pk]},
        add_service=lambda world: catalog.namespace_grant(
            identity=world.client.identity,
            namespace=catalog.namespace_create(code="added", name="Added", default_validity=None)),
        change=lambda world, obj: {"name": "Renamed"},
        change_service=lambda world, obj: catalog.namespace_update(
            namespace=obj, name="Renamed", default_validity=obj.default_validity),
    ),
    "authorisations.authorisationtype": _coded(AuthorisationType),
    "authorisations.authorisationsource": _coded(AuthorisationSource),
    "authorisations.authorisation": Entry(
        make=_authorisation,
        add=lambda world: {"namespace": world.ns.pk, "type": world.employment.pk,
                           "subject_type": "string", "subject_value": "carol",
                           "object_type": "string", "object_value": "acme",
                           "valid_from_0": world.moment.strftime("%Y-%m-%d"),
                           "valid_from_1": world.moment.strftime("%H:%M:%S")},
        add_service=lambda world: authz.authorisation_create(namespace=world.ns, data={
            "type_code": "employment", "source_code": None, "subject_type": "string",
            "subject_value": "carol", "object_type": "string", "object_value": "acme",
            "valid_from": world.moment, "valid_to": None, "author": None}),
        change=lambda world, obj: {"subject_value": "dave"},
        change_service=lambda world, obj: authz.authorisation_update(
            authorisation=obj, replace=True, data={
                "type_code": "employment", "source_code": None, "subject_type": "string",
                "subject_value": "dave", "object_type": "string", "object_value": "acme",
                "valid_from": obj.valid_from, "valid_to": obj.valid_to, "author": None}),
        delete_service=lambda world, obj: authz.authorisation_delete(authorisation=obj),
        actions={
            "delete_selected": lambda world, obj: authz.authorisation_delete(authorisation=obj),
            "revoke_selected": lambda world, obj: authz.authorisations_revoke(
                ids=[obj.pk], details="revoked in the admin by root"),
        },
    ),
    "authorisations.authorisationgrantright": Entry(
        make=_grant_right,
        add=lambda world: {"namespace": world.ns.pk, "types": [world.employment.pk],
                           "principal_type": "string", "principal_value": "hr-desk",
                           "valid_from_0": world.moment.strftime("%Y-%m-%d"),
                           "valid_from_1": world.moment.strftime("%H:%M:%S"),
                           "valid_to_0": (world.moment + timedelta(days=30)).strftime("%Y-%m-%d"),
                           "valid_to_1": world.moment.strftime("%H:%M:%S")},
        add_service=_grant_right,
        actions={"revoke_selected": lambda world, obj: grant_rights.grant_right_revoke(
            grant_right=obj)},
    ),
    "orgs.organization": Entry(
        make=_organization,
        add=lambda world: {"parent": world.acme.pk, "name": "hr", "friendly_name": "Hr",
                           "attributes": "{}"},
        add_service=lambda world: _organization(world, "hr"),
        change=lambda world, obj: {"friendly_name": "Sales Team"},
        change_service=lambda world, obj: org_services.organization_update(
            organization=obj, friendly_name="Sales Team", organization_type="",
            attributes={}),
        delete_service=lambda world, obj: org_services.organization_delete(
            organization=obj, recursive=True),
        actions={"delete_selected": lambda world, obj: org_services.organization_delete(
            organization=obj, recursive=True)},
    ),
    "orgs.orguser": Entry(
        make=lambda world: _org_user(world, "walked"),
        add=lambda world: {"organization": world.acme.pk, "name": "added", "uid": "added-uid",
                           "email": "added@example.com", "firstname": "Added",
                           "surname": "Tester", "attributes": "{}", "pwd_activated": False},
        add_service=lambda world: _org_user(world, "added"),
        change=lambda world, obj: {"firstname": "Renamed"},
        change_service=lambda world, obj: org_services.user_update(
            user=obj, data=org_services.UserFields(
                uid=obj.uid, email=obj.identity.email, firstname="Renamed",
                surname=obj.identity.last_name, mobile=obj.identity.mobile or "",
                locale=obj.locale, hetu=None, pwd_activated=obj.pwd_activated,
                status=obj.status, attributes={})),
        delete_service=lambda world, obj: org_services.user_delete(user=obj),
        actions={"delete_selected": lambda world, obj: org_services.user_delete(user=obj)},
    ),
    "orgs.role": Entry(
        make=lambda world: org_services.role_put(organization=world.acme, name="walked"),
        add=lambda world: {"organization": world.acme.pk, "name": "added"},
        add_service=lambda world: org_services.role_put(organization=world.acme, name="added"),
        # nothing on the role's change form is editable: it writes nothing
        change=lambda world, obj: {},
        change_service=lambda world, obj: None,
        change_writes=False,
        delete_service=lambda world, obj: org_services.role_delete(role=obj),
        actions={"delete_selected": lambda world, obj: org_services.role_delete(role=obj)},
    ),
    "orgs.assignment": Entry(
        make=lambda world: org_services.assignment_create(user=world.orguser,
                                                          role=world.role),
        add=lambda world: {"user": world.orguser.pk, "role": world.role2.pk},
        add_service=lambda world: org_services.assignment_create(user=world.orguser,
                                                                 role=world.role2),
        delete_service=lambda world, obj: org_services.assignment_delete(user=obj.user,
                                                                         role=obj.role),
        actions={"delete_selected": lambda world, obj: org_services.assignment_delete(
            user=obj.user, role=obj.role)},
    ),
    "accounts.account": Entry(
        make=lambda world: _account(world),
        delete_service=lambda world, obj: account_delete(account=obj),
        actions={"delete_selected": lambda world, obj: account_delete(account=obj)},
    ),
    "accounts.accountuser": READ_ONLY,
    "events.webhook": Entry(
        make=lambda world: webhook_create(name="walked", url=HOOK).webhook,
        add=lambda world: {"name": "added", "url": HOOK, "types": "tessera.*"},
        add_service=lambda world: webhook_create(name="added", url=HOOK, types=["tessera.*"]),
        change=lambda world, obj: {"url": HOOK + "/renamed"},
        change_service=lambda world, obj: webhook_save(_set(obj, url=HOOK + "/renamed"),
                                                       created=False),
        delete_service=lambda world, obj: webhook_delete(obj),
        actions={"delete_selected": lambda world, obj: webhook_delete(obj)},
    ),
    # deliveries are the queue's record, not the registry's: replaying one writes no change
    "events.delivery": Entry(
        make=lambda world: Delivery.objects.create(
            webhook=webhook_create(name="walked", url=HOOK).webhook, record_id=1,
            event_type="tessera.tenant.created", lane="identities.tenant:1", status="dead",
            retry_until=world.moment),
        actions={"replay": lambda world, obj: replay(Delivery.objects.filter(pk=obj.pk))},
    ),
}


def _with_password(identity: Identity, password: str) -> Identity:
    identity.set_password(password)
    return identity


def _account(world):
    accounts_patch(connector_id=world.client.application.pk,
                   entries={"ext-1": AccountEntry(name="Walked Oy", common_id="1234567-8")})
    return Account.objects.get(common_id="1234567-8")


# --- the walk ---------------------------------------------------------------------------

def registered() -> list[str]:
    return sorted(model._meta.label_lower for model in admin.site._registry)


def test_every_registered_admin_has_an_entry():
    missing = [label for label in registered() if label not in ENTRIES]
    assert not missing, (
        f"registered in the admin without an entry in {__name__}.ENTRIES: {missing}. Say how "
        "its objects are made and which services its writes stand for, or make it read-only.")
    stale = [label for label in ENTRIES if label not in registered()]
    assert not stale, f"entries of admins no longer registered: {stale}"


@pytest.fixture
def world(client, make_caller):
    root = person_create(username="root", password="pw-Operat0r!", superuser=True)
    client.force_login(root)
    caller = make_caller(name="crm")
    ns = catalog.namespace_create(code="ns", name="NS")
    employment = catalog.coded_item_create(model=AuthorisationType, namespace=ns,
                                         code="employment")
    acme = org_services.organization_create(parent=None, organization_id="acme",
                                            friendly_name="Acme")
    world = World(root=root, client=caller.credentials, caller_token=caller.token, ns=ns,
                  employment=employment, acme=acme, http=client,
                  moment=timezone.now().replace(microsecond=0) - timedelta(hours=1),
                  view=permission_resolve("authorisations.AUTHORISATION_VIEW"),
                  alice=person_create(username="alice"), bob=person_create(username="bob"),
                  tenant=tenant_create(key="walk", name="Walk"))
    world.group = group_save(group=Group(name="staff"), created=True, permissions=[])
    world.orguser = _org_user(world, "olga")
    world.role = org_services.role_put(organization=acme, name="clerk")
    world.role2 = org_services.role_put(organization=acme, name="boss")
    identity_role_create(key="first", name="First")  # a role to move past
    world.policy_group = _policy_group(world, "g0")  # where a policy is added
    return world


def _url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize("label", registered())
def test_every_admin_write_leaves_the_records_its_service_leaves(label, world):
    entry = ENTRIES.get(label)
    if entry is None:
        pytest.fail(f"{label}: no entry in ENTRIES (see test_every_registered_admin_has_an_entry)")
    model = apps.get_model(label)
    model_admin = admin.site._registry[model]
    request = RequestFactory().get("/")
    request.user = world.root
    operator = world.http
    walked = []

    # add
    if model_admin.has_add_permission(request):
        assert entry.add and entry.add_service, f"{label}: the admin adds; say how (ENTRIES)"
        url = _url(model, "add")
        same_records(world, lambda: _submit(operator, url, entry.add(world)),
                     lambda: entry.add_service(world), label, "add")
        walked.append("add")
    else:
        assert entry.add is None, f"{label}: the admin adds nothing; drop its add entry"
        assert operator.get(_url(model, "add")).status_code == 403

    obj = entry.make(world) if entry.make else model._default_manager.first()
    if entry is READ_ONLY and obj is None:
        assert not model_admin.has_change_permission(request)
        assert not model_admin.has_delete_permission(request)
        assert not model_admin.get_actions(request), f"{label}: actions on a read-only admin"
        return
    assert obj is not None, f"{label}: ENTRIES must make an object to change and delete"

    # change
    if model_admin.has_change_permission(request, obj):
        assert entry.change and entry.change_service, (
            f"{label}: the admin changes objects; say how (ENTRIES)")
        url = _url(model, "change", obj.pk)
        same_records(world, lambda: _submit(operator, url, entry.change(world, obj)),
                     lambda: entry.change_service(world, _fresh(obj)), label, "change",
                     expected=entry.change_writes)
        walked.append("change")
    else:
        assert entry.change is None, f"{label}: the admin changes nothing; drop its entry"

    # delete
    if model_admin.has_delete_permission(request, obj):
        assert entry.delete_service, f"{label}: the admin deletes; say through which service"
        url = _url(model, "delete", obj.pk)
        same_records(world, lambda: _confirm(operator, url),
                     lambda: entry.delete_service(world, _fresh(obj)), label, "delete")
        walked.append("delete")
    else:
        assert entry.delete_service is None, f"{label}: the admin deletes nothing"

    # actions
    offered = set(model_admin.get_actions(request))
    assert offered == set(entry.actions), (
        f"{label}: the admin offers the actions {sorted(offered)}, ENTRIES names "
        f"{sorted(entry.actions)}")
    changelist = _url(model, "changelist")
    for name in sorted(offered):
        same_records(
            world,
            lambda name=name: _confirm(operator, changelist, {"action": name,
                                                       "_selected_action": [obj.pk]}),
            lambda name=name: entry.actions[name](world, _fresh(obj)), label, name)
        walked.append(name)

    if entry is READ_ONLY:
        assert not walked, f"{label}: read-only in ENTRIES, but the admin writes: {walked}"


def _fresh(obj):
    return type(obj)._default_manager.get(pk=obj.pk)


def _submit(operator, url: str, changes: dict) -> None:
    page = operator.get(url)
    assert page.status_code == 200, url
    response = operator.post(url, changed(form_data(page.content), changes))
    assert response.status_code == 302, f"{url}: {form_errors(response)}"


def _confirm(operator, url: str, data: dict | None = None) -> None:
    response = operator.post(url, {**(data or {}), "post": "yes"})
    assert response.status_code == 302, f"{url}: {response.content.decode()[:3000]}"
    from django.contrib.messages import get_messages
    refused = [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "error"]
    assert not refused, f"{url}: {refused}"


def same_records(world, by_admin: Callable, by_service: Callable, label: str, what: str,
                 expected: bool = True):
    """The records the admin's write leaves equal those the services' write leaves, from the
    same starting point (each write is rolled back after it, so the next operation starts
    from there too)."""
    started = timezone.now() - timedelta(seconds=1)
    point = transaction.savepoint()
    since = _last_record()
    by_admin()
    admin_records = list(ChangeRecord.objects.filter(pk__gt=since).order_by("pk"))
    transaction.savepoint_rollback(point)
    since = _last_record()
    with scope.bind(actor=world.root, origin="admin"), transaction.atomic():
        by_service()
    service_records = list(ChangeRecord.objects.filter(pk__gt=since).order_by("pk"))
    transaction.savepoint_rollback(point)
    assert all(record.actor_repr == "root" for record in admin_records), label
    assert _normal(admin_records, started) == _normal(service_records, started), (
        f"{label} {what}: the admin's records differ from the services'")
    assert admin_records or not expected, f"{label} {what}: the write left no change record"


def _last_record() -> int:
    last = ChangeRecord.objects.order_by("-pk").values_list("pk", flat=True).first()
    return last or 0


_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")


def _normal(records: list[ChangeRecord], started: datetime) -> list[tuple]:
    """The records with what differs from run to run replaced: the ids of the rows the write
    created (and the references to them), and timestamps of this moment."""
    new_ids = {}
    for record in records:
        if record.action == ChangeRecord.Action.CREATE and record.object_id not in new_ids:
            new_ids[record.object_id] = f"<new {len(new_ids) + 1}>"

    def value(model, key, item):
        if isinstance(item, list):
            return [value(model, key, each) for each in item]
        if isinstance(item, dict):
            return {k: value(model, k, v) for k, v in item.items()}
        if isinstance(item, str) and _TIME.match(item):
            try:
                moment = datetime.fromisoformat(item.replace("Z", "+00:00"))
            except ValueError:
                return item
            return "<now>" if moment >= started else item
        if str(item) in new_ids and (_is_reference(model, key) or isinstance(item, str)):
            return new_ids[str(item)]
        return item

    def text(item: str) -> str:
        for old, placeholder in new_ids.items():
            if len(old) >= 8:
                item = item.replace(old, placeholder)
        return item

    result = []
    for record in records:
        model = _model(record.object_type)
        result.append((record.action, record.object_type,
                       new_ids.get(record.object_id, record.object_id),
                       text(record.object_repr), record.actor_repr,
                       value(model, None, record.before), value(model, None, record.after)))
    return result


def _model(object_type: str):
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def _is_reference(model, key) -> bool:
    if model is None or key is None:
        return False
    try:
        found = model._meta.get_field(key)
    except FieldDoesNotExist:
        return key == "id"
    return found.primary_key or found.is_relation
