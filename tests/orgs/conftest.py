"""Helpers for the CustomerID surface: a full-rights `restuser`, XML parsing, curl replay
(the spec's examples are data in tests/fixtures/spec/)."""

from __future__ import annotations

import shlex
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

import pytest

from audit.models import ChangeRecord
from orgs.models import Assignment, Organization, OrgUser, Role, RoleLink

BASE = "/eidm2/services/"
ALL = [
    f"orgs.{action}_{model}"
    for model in ("organization", "orguser", "role", "assignment")
    for action in ("view", "add", "change", "delete")
] + ["orgs.access_subtree"]


@pytest.fixture
def restuser(make_caller):
    return make_caller(ALL, name="restuser")


@pytest.fixture
def api(restuser):
    return restuser.basic()


def ids(response) -> list[str]:
    assert response["Content-Type"].startswith("application/xml"), response.content
    root = ET.fromstring(response.content)
    assert root.tag == "idlist", response.content
    return [element.text for element in root.findall("Id")]


def short(urls: list[str]) -> list[str]:
    """`https://host/eidm2/services/org/a/b` → `org/a/b`."""
    return [url.split(BASE, 1)[1] for url in urls]


def entity(response) -> tuple[str, str, dict[str, list[str]]]:
    root = ET.fromstring(response.content)
    assert root.tag == "entitylist", response.content
    (element,) = root.findall("entity")
    attrs = {
        a.get("name"): [v.text or "" for v in a.findall("value")]
        for a in element.findall("attribute")
    }
    return element.get("id"), element.get("type"), attrs


def error(response, status: int, code: int) -> str:
    assert response.status_code == status, (response.status_code, response.content)
    assert response["Content-Type"].startswith("application/xml")
    root = ET.fromstring(response.content)
    assert root.tag == "error" and [c.tag for c in root] == ["code", "message"]
    assert root.findtext("code") == str(code), response.content
    return root.findtext("message")


def state() -> tuple:
    """Everything the surface can change, to assert that a refused call changed nothing."""
    return (
        sorted(Organization.objects.values_list("path", "friendly_name", "org_type", "virtual")),
        sorted(str(v) for v in Organization.objects.values_list("attributes", flat=True)),
        sorted(Role.objects.values_list("organization__path", "name")),
        sorted(RoleLink.objects.values_list("role_id", "member_of_id")),
        sorted(OrgUser.objects.values_list(
            "organization__path", "name", "identity__username", "identity__mobile", "hetu",
            "status", "identity__is_active", "pwd_activated",
            "identity__email", "identity__password")),
        sorted(Assignment.objects.values_list("user_id", "role_id")),
        ChangeRecord.objects.count(),
    )


def curl(api, command: str, **replace: str):
    """Send a spec curl command through the test client as written (method, URL, host,
    scheme); `-u` is replaced by the test client's own credentials."""
    for old, new in replace.items():
        command = command.replace(old, new)
    args = shlex.split(command)
    method = args[args.index("-X") + 1]
    url = next(a for a in args if a.startswith("http"))
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    return api.generic(method, target, secure=parts.scheme == "https", HTTP_HOST=parts.netloc)


@pytest.fixture
def tree(db):
    """acme (company: two type roles + Admin) / sales / north; virt (virtual) / v1;
    users alice (acme) and bob (acme/sales); bob holds acme/Admin."""
    from orgs import services
    from orgs.services import UserFields

    acme = services.organization_create(parent=None, organization_id="acme",
                                        friendly_name="Acme", organization_type="company")
    sales = services.organization_create(parent=acme, organization_id="sales",
                                         friendly_name="Sales")
    services.organization_create(parent=sales, organization_id="north", friendly_name="North")
    virt = services.organization_create(parent=None, organization_id="virt",
                                        friendly_name="Virtual", virtual=True)
    services.organization_create(parent=virt, organization_id="v1", friendly_name="V1",
                                 virtual=True)
    admin = services.role_put(organization=acme, name="Admin")
    alice = services.user_create(organization=acme, name="alice",
                                 data=UserFields(uid="alice", email="alice@example.com"))
    bob = services.user_create(organization=sales, name="bob", data=UserFields(uid="bob"))
    services.assignment_create(user=bob, role=admin)
    return {"acme": acme, "sales": sales, "virt": virt, "admin": admin, "alice": alice,
            "bob": bob}
