"""Migration orgs 0004: the profile's mobile moves to the identity and the uid column goes;
backward both come back from the identity."""

import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("orgs", "0003_group_grants"), ("identities", "0007_seed_catalogs")]
AFTER = [("orgs", "0004_person_attributes_on_identity"), ("identities", "0007_seed_catalogs")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_forward_moves_mobile_and_backward_restores_uid_and_mobile():
    try:
        apps = migrate(BEFORE)
        Identity = apps.get_model("identities", "Identity")
        Organization = apps.get_model("orgs", "Organization")
        OrgUser = apps.get_model("orgs", "OrgUser")
        org = Organization.objects.create(name="acme", path="acme", friendly_name="Acme")
        ids = [uuid.uuid4() for _ in range(3)]
        rows = [("ann", "+3581", ""), (str(ids[1]), "+3582", ""), ("dfs", "+3583", "+999")]
        for pk, (username, mobile, own) in zip(ids, rows, strict=True):
            Identity.objects.create(id=pk, username=username, mobile=own, password="!")
            OrgUser.objects.create(identity_id=pk, organization=org, name=str(pk),
                                   uid=None if username == str(pk) else username,
                                   mobile=mobile)

        apps = migrate(AFTER)
        Identity = apps.get_model("identities", "Identity")
        assert dict(Identity.objects.filter(pk__in=ids).values_list("username", "mobile")) == {
            "ann": "+3581", str(ids[1]): "+3582", "dfs": "+999"}  # DFS's own value stays

        apps = migrate(BEFORE)
        OrgUser = apps.get_model("orgs", "OrgUser")
        assert sorted(OrgUser.objects.values_list("uid", "mobile"), key=str) == sorted(
            [("ann", "+3581"), (None, "+3582"), ("dfs", "+999")], key=str)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
