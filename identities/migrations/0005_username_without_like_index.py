"""PostgreSQL: no second (LIKE, varchar_pattern_ops) index on identities.username.

Django adds one to every unique CharField for `startswith` lookups; usernames are only ever
looked up by equality (sign-in, the uid checks, the imports' batch lookups) or by `icontains`
(the admin's search), which no B-tree serves. The unique index stays. Every identity written
(one through the API, 200,000 by an import) paid for a second index entry.
"""

from django.db import migrations


def _like_index(schema_editor) -> str:
    return schema_editor._create_index_name("identities_identity", ["username"], suffix="_like")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {_like_index(schema_editor)}")


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {_like_index(schema_editor)} "
                              "ON identities_identity (username varchar_pattern_ops)")


class Migration(migrations.Migration):

    dependencies = [("identities", "0004_tenant_grants_to_direct_tables")]

    operations = [migrations.RunPython(drop, create)]
