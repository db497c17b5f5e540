"""Trigram indexes for the identity search (`POST /v1.0/identities/search`) on PostgreSQL:
`LIKE '%term%'` over the upper-cased columns Django's `icontains` compares, and over the full
name as `identities.search.FullName` writes it. Nothing on SQLite (no pg_trgm there)."""

from django.db import migrations

COLUMNS = {
    "first_name": "first_name",
    "last_name": "last_name",
    "username": "username",
    "email": "email",
    "full_name": "(first_name || ' ' || last_name)",
}


def _postgres(schema_editor) -> bool:
    return schema_editor.connection.vendor == "postgresql"


def create(apps, schema_editor):
    if not _postgres(schema_editor):
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in COLUMNS.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS identity_{name}_trgm ON identities_identity "
            f"USING gin (UPPER(({column})::text) gin_trgm_ops)")


def drop(apps, schema_editor):
    if not _postgres(schema_editor):
        return
    for name in COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS identity_{name}_trgm")


class Migration(migrations.Migration):
    dependencies = [("identities", "0007_seed_catalogs")]
    operations = [migrations.RunPython(create, drop, elidable=False)]
