from django.conf import settings
from django.db import migrations


def create_default_tenant(apps, schema_editor):
    Tenant = apps.get_model("identities", "Tenant")
    Tenant.objects.get_or_create(
        key=settings.TESSERA_DEFAULT_TENANT_KEY,
        defaults={"name": settings.TESSERA_DEFAULT_TENANT_NAME},
    )


class Migration(migrations.Migration):
    dependencies = [("identities", "0001_initial")]

    operations = [migrations.RunPython(create_default_tenant, migrations.RunPython.noop)]
