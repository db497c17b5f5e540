"""Path resolution, subtree listing and recursive delete take a fixed number of queries,
whatever the depth of the path and the size of the subtree."""

import pytest
from django.db import connection

from orgs import services
from orgs.models import Organization, OrgUser
from orgs.services import UserFields
from tests.orgs.conftest import ids

pytestmark = pytest.mark.django_db

S = "/eidm2/services/"


def build(root: str, *, depth: int, fanout: int, users_per_org: int) -> list[str]:
    """A tree under `root`: `fanout` children per level down to `depth`, users in each."""
    top = services.organization_create(parent=None, organization_id=root, friendly_name=root)
    level, paths = [top], [top.path]
    for d in range(depth):
        nxt = []
        for parent in level:
            for i in range(fanout):
                org = services.organization_create(parent=parent, organization_id=f"o{d}{i}",
                                                   friendly_name="x")
                nxt.append(org)
                paths.append(org.path)
        level = nxt
    for path in paths:
        org = Organization.objects.get(path=path)
        services.role_put(organization=org, name="R")
        for u in range(users_per_org):
            user = services.user_create(organization=org, data=UserFields(), name=f"u{u}")
            role = org.roles.get(name="R")
            services.assignment_create(user=user, role=role)
    return paths


def counted(count_queries, call):
    with count_queries() as queries:
        response = call()
    assert response.status_code == 200, response.content
    return response, len(queries)


# Basic auth: the identity, its permissions (user and group); then the query of the call.
READ_ENTITY = 4   # + the organization at the path
LIST_SUBTREE = 5  # + the organization at the path, the users below it



@pytest.mark.parametrize("depth", [1, 12])
def test_path_resolution_is_one_query_at_any_depth(api, count_queries, depth):
    paths = build("deep", depth=depth, fanout=1, users_per_org=0)
    _, n = counted(count_queries, lambda: api.get(S + "org/" + paths[-1]))
    assert n == READ_ENTITY


@pytest.mark.parametrize("fanout, users", [(1, 1), (3, 6)])
def test_subtree_listing_is_flat(api, count_queries, fanout, users):
    build("big", depth=3, fanout=fanout, users_per_org=users)
    response, n = counted(count_queries, lambda: api.get(S + "users/big/?recursive=true"))
    assert len(ids(response)) == OrgUser.objects.count()
    assert n == LIST_SUBTREE


@pytest.mark.parametrize("fanout, users", [(1, 1), (3, 4)])
def test_recursive_delete_is_flat(api, count_queries, fanout, users):
    build("gone", depth=3, fanout=fanout, users_per_org=users)
    build("kept", depth=1, fanout=1, users_per_org=1)
    response, n = counted(count_queries, lambda: api.delete(S + "org/gone?recursive=true"))
    orgs = sum(fanout ** level for level in range(4))  # the root and three levels below it
    assert len(ids(response)) == orgs * (2 + users)  # each org, its role R and its users
    assert not Organization.objects.filter(path__startswith="gone").exists()
    assert Organization.objects.filter(path__startswith="kept").count() == 2
    assert n == DELETE_QUERIES + (connection.vendor == "postgresql"), n


DELETE_QUERIES = 75  # auth 3, audit context 5, reads 3, tombstones 6, deletes 51 (schema-bound:
# a statement per table that references the rows, the grant tables and the identities' profile
# pictures included); what holds the users' identities 5 (one per registered holder:
# identities.services.holders; 3 more when one is held: names, change records, the held ones'
# profiles); on PostgreSQL one more: the role graph's lock (services.removal.role_graph_lock).
# The Ainua tables add 7 of the deletes: the accounts hook's reads of the identities' bindings
# and external identities (identities.services.hooks), the cascade's delete and set-null of
# them, and the protect checks of an identity's application's account sources, bindings and external
# identities. The hierarchy's member restrictions add 2 (the cascade from a removed
# member, once as the restricting and once as the restricted member). The back office adds
# 4: its hook's reads of the members' menus and access policies
# (backoffice.services.assignments.members_deleting; 3 more when one has some: the change
# records and the two deletes) and the cascade's deletes of both tables. SCIM adds 2: the
# cascade's deletes of the persons' SCIM profiles and of the tokens' service accounts' tokens.
# The tombstones include the change records of the grants withdrawn with the organizations, one
# INSERT … SELECT per grant table (foundation.reach.grants_of_objects_withdraw), 2 whatever
# their number
