"""One person, one truth (issue 13): CustomerID's mobile moves to the identity (which the DFS
`Mobile` already uses), and the uid, always a copy of the identity's username, goes.

Forward: a profile's mobile is copied to an identity that has none (an identity's own mobile,
set through DFS since it exists, is the newer write and stays). The uid needs no copy: the
services kept `identity.username = uid or str(identity.id)`; where a DFS `UserName` change
made them differ, the username (the name that signs in) is the truth. Backward: both columns
come back, filled from the identity.
"""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def forward(apps, schema_editor):
    Identity = apps.get_model("identities", "Identity")
    OrgUser = apps.get_model("orgs", "OrgUser")
    Identity.objects.filter(mobile="", org_profile__isnull=False).exclude(
        org_profile__mobile="").update(mobile=Subquery(
            OrgUser.objects.filter(identity=OuterRef("pk")).values("mobile")[:1]))


def backward(apps, schema_editor):
    OrgUser = apps.get_model("orgs", "OrgUser")
    users = list(OrgUser.objects.select_related("identity"))
    for user in users:
        identity = user.identity
        user.mobile = identity.mobile
        user.uid = None if identity.username == str(identity.pk) else identity.username
    OrgUser.objects.bulk_update(users, ["mobile", "uid"], batch_size=2000)


class Migration(migrations.Migration):

    dependencies = [
        ("identities", "0007_seed_catalogs"),
        ("orgs", "0003_group_grants"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
        migrations.RemoveConstraint(model_name="orguser", name="orguser_uid_unique"),
        migrations.RemoveField(model_name="orguser", name="uid"),
        migrations.RemoveField(model_name="orguser", name="mobile"),
    ]
