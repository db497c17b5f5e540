"""The role graph's rules hold under concurrent writers (PostgreSQL, real threads): no memberOf
cycle however the links race, and each change record of a role states every link committed
before it."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import pytest

from audit.models import ChangeRecord
from orgs import services
from orgs.models import Organization, Role, RoleLink
from tests.orgs.conftest import ALL
from tests.races import postgresql_only, together

pytestmark = [postgresql_only, pytest.mark.django_db(transaction=True)]
S = "/eidm2/services/"


@pytest.fixture
def acme(db) -> Organization:
    return services.organization_create(parent=None, organization_id="acme",
                                        friendly_name="Acme")


@pytest.fixture
def caller(make_caller):
    return make_caller(ALL, name="restuser")


def cycles() -> list[list[int]]:
    """Every role that lies on a memberOf cycle, as found by walking the committed links."""
    edges: dict[int, list[int]] = {}
    for role, member_of in RoleLink.objects.values_list("role_id", "member_of_id"):
        edges.setdefault(role, []).append(member_of)
    found = []
    for start in edges:
        seen, stack = set(), list(edges[start])
        while stack:
            node = stack.pop()
            if node == start:
                found.append(start)
                break
            if node not in seen:
                seen.add(node)
                stack.extend(edges.get(node, ()))
    return found


def code_of(response) -> str:
    return ET.fromstring(response.content).findtext("code")


def put_all(caller, urls: list[str]) -> list:
    """PUT each URL at once, each from a client (and a connection) of its own."""
    clients = [caller.basic() for _ in urls]
    responses = together([lambda c=c, u=u: c.put(S + u) for c, u in zip(clients, urls,
                                                                          strict=True)])
    for response in responses:
        assert not isinstance(response, BaseException), response
    return responses


def test_opposite_links_sent_at_once_make_no_cycle(acme, caller):
    pairs = 12
    for i in range(pairs):
        services.role_put(organization=acme, name=f"X{i}")
        services.role_put(organization=acme, name=f"Y{i}")
    urls = [url for i in range(pairs) for url in (f"role/acme/X{i}?memberOf=acme/Y{i}",
                                                  f"role/acme/Y{i}?memberOf=acme/X{i}")]
    responses = put_all(caller, urls)
    assert cycles() == []
    for i in range(pairs):
        first, second = responses[2 * i], responses[2 * i + 1]
        assert sorted([first.status_code, second.status_code]) == [200, 409], (
            first.content, second.content)
        loser = first if first.status_code == 409 else second
        assert code_of(loser) == "10" and b"cycle" in loser.content
    assert RoleLink.objects.count() == pairs


def test_links_closing_a_longer_cycle_at_once_make_none(acme, caller):
    """A→B and C→D exist; B→C and D→A sent at once would close A→B→C→D→A. The two requests
    touch four different roles, so locking only each request's two roles cannot stop it."""
    rounds = 12
    for i in range(rounds):
        for name in "ABCD":
            services.role_put(organization=acme, name=f"{name}{i}")
        a, b, c, d = (Role.objects.get(organization=acme, name=f"{n}{i}") for n in "ABCD")
        services.role_put(organization=acme, name=a.name, member_of=b)
        services.role_put(organization=acme, name=c.name, member_of=d)
    urls = [url for i in range(rounds) for url in (f"role/acme/B{i}?memberOf=acme/C{i}",
                                                   f"role/acme/D{i}?memberOf=acme/A{i}")]
    responses = put_all(caller, urls)
    assert cycles() == []
    for i in range(rounds):
        statuses = sorted(r.status_code for r in responses[2 * i:2 * i + 2])
        assert statuses == [200, 409], [r.content for r in responses[2 * i:2 * i + 2]]


def test_concurrent_links_of_one_role_are_each_recorded_with_all_before_them(acme, caller):
    count = 40
    role = services.role_put(organization=acme, name="R")
    parents = [services.role_put(organization=acme, name=f"M{i}") for i in range(count)]
    responses = put_all(caller, [f"role/acme/R?memberOf=acme/M{i}" for i in range(count)])
    assert [r.status_code for r in responses] == [200] * count
    final = sorted(RoleLink.objects.filter(role=role).values_list("member_of_id", flat=True))
    assert final == sorted(p.pk for p in parents)
    records = list(ChangeRecord.objects.filter(object_type="orgs.role", object_id=str(role.pk),
                                               action=ChangeRecord.Action.UPDATE)
                   .order_by("pk"))
    assert len(records) == count
    previous: list[int] = []
    for record in records:
        # each write saw every link committed before it: its before is the last one's after,
        # and it adds exactly its own link
        assert record.before["memberOf"] == previous
        assert len(record.after["memberOf"]) == len(previous) + 1
        assert set(previous) < set(record.after["memberOf"])
        previous = record.after["memberOf"]
    assert previous == final


def test_a_link_to_a_role_removed_at_once_is_refused_or_removed_with_it(acme, caller):
    """The memberOf link races the removal of the role it names: either the link comes first
    and goes with the role, or the removal does and the link is an invalid reference (code
    10); never a failed commit."""
    pairs = 15
    for i in range(pairs):
        services.role_put(organization=acme, name=f"R{i}")
        services.role_put(organization=acme, name=f"M{i}")
    clients = [caller.basic() for _ in range(2 * pairs)]
    calls = []
    for i in range(pairs):
        calls.append(lambda c=clients[2 * i], i=i: c.put(S + f"role/acme/R{i}?memberOf=acme/M{i}"))
        calls.append(lambda c=clients[2 * i + 1], i=i: c.delete(S + f"role/acme/M{i}"))
    responses = together(calls)
    for i in range(pairs):
        link, removal = responses[2 * i], responses[2 * i + 1]
        assert removal.status_code == 200, removal.content
        assert link.status_code in (200, 400), link.content
        if link.status_code == 400:
            assert code_of(link) == "10", link.content
    assert not Role.objects.filter(name__startswith="M").exists()
    assert RoleLink.objects.count() == 0
