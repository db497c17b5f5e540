"""Removing organizations withdraws the grants on them through foundation.reach: a change
record per withdrawn grant, as `reach.ungrant` writes it, in a number of queries that does not
grow with the subtree or the grants."""

import pytest
from django.contrib.auth.models import Group

from audit.models import ChangeRecord
from foundation import reach
from identities.services.clients import api_client_create
from orgs.models import (
    SUBTREES,
    Organization,
    OrganizationGroupObjectPermission,
    OrganizationUserObjectPermission,
)
from tests.orgs.test_query_counts import S, build, counted

pytestmark = pytest.mark.django_db

GRANTS = ("orgs.organizationuserobjectpermission", "orgs.organizationgroupobjectpermission")


def grant_everywhere(paths: list[str], clients: int) -> list[dict]:
    """Grants of every org at `paths` to `clients` clients and one group; what `ungrant`
    would record of each (object_type, object_id, object_repr, before)."""
    identities = [api_client_create(name=f"c{len(paths)}-{paths[0]}-{i}").identity
                  for i in range(clients)]
    group = Group.objects.create(name=f"g{len(paths)}")
    expected = []
    for path in paths:
        org = Organization.objects.get(path=path)
        for grantee in [*identities, group]:
            reach.grant(grantee, SUBTREES, org)
            model = (OrganizationGroupObjectPermission if grantee is group
                     else OrganizationUserObjectPermission)
            row = model.objects.get(content_object=org, **(
                {"group": group} if grantee is group else {"user": grantee}))
            expected.append({
                "object_type": model._meta.label_lower, "object_id": str(row.pk),
                "object_repr": f"{reach._grantee_name(grantee)} reaches subtree {path}",
                "before": reach._grant_state(SUBTREES, grantee, org)})
    return expected


def withdrawn() -> list[dict]:
    rows = ChangeRecord.objects.filter(object_type__in=GRANTS,
                                       action=ChangeRecord.Action.DELETE)
    return sorted(rows.values("object_type", "object_id", "object_repr", "before"),
                  key=lambda r: (r["object_type"], int(r["object_id"])))


def test_removal_records_each_withdrawn_grant_as_ungrant_does(api):
    gone = build("gone", depth=2, fanout=2, users_per_org=1)
    kept = build("kept", depth=0, fanout=1, users_per_org=0)
    expected = grant_everywhere(gone, clients=2)
    grant_everywhere(kept, clients=1)
    response = api.delete(S + "org/gone?recursive=true")
    assert response.status_code == 200, response.content
    assert withdrawn() == sorted(expected, key=lambda r: (r["object_type"],
                                                          int(r["object_id"])))
    assert len(expected) == len(gone) * 3
    # the other tree keeps its grants
    assert OrganizationUserObjectPermission.objects.filter(
        content_object__path="kept").count() == 1
    assert OrganizationGroupObjectPermission.objects.filter(
        content_object__path="kept").count() == 1


def test_the_withdrawal_adds_no_query_per_grant_or_organization(api, count_queries):
    small = build("small", depth=1, fanout=1, users_per_org=1)
    grant_everywhere(small[:1], clients=1)
    big = build("big", depth=3, fanout=2, users_per_org=1)
    grant_everywhere(big, clients=3)
    _, few = counted(count_queries, lambda: api.delete(S + "org/small?recursive=true"))
    _, many = counted(count_queries, lambda: api.delete(S + "org/big?recursive=true"))
    assert few == many
    assert len(withdrawn()) == 2 + len(big) * 4
