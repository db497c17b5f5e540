"""Tenant grants move from guardian's generic tables to the direct foreign-key tables that
identities.reach reads (one mechanism for every realm)."""

from django.db import migrations


def to_direct(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType").objects.filter(
        app_label="identities", model="tenant").first()
    if content_type is None:
        return
    for generic_name, direct_name, who in (
            ("UserObjectPermission", "TenantUserObjectPermission", "user_id"),
            ("GroupObjectPermission", "TenantGroupObjectPermission", "group_id")):
        generic = apps.get_model("guardian", generic_name).objects.filter(
            content_type=content_type)
        direct = apps.get_model("identities", direct_name)
        direct.objects.bulk_create(
            [direct(permission_id=row.permission_id, content_object_id=int(row.object_pk),
                    **{who: getattr(row, who)}) for row in generic],
            ignore_conflicts=True)
        generic.delete()


class Migration(migrations.Migration):

    dependencies = [
        ("identities", "0003_tenant_and_group_grants"),
        ("guardian", "0003_remove_groupobjectpermission_guardian_gr_content_ae6aec_idx_and_more"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(to_direct, migrations.RunPython.noop)]
