"""The change log records where each write came from (`origin`) and the transaction that wrote
it (`xid`), the change feed's order (audit.feed).

`xid` is added without rewriting the table, however long it is: first with a constant default
(PostgreSQL 11+ keeps it in the catalogue: the rows already there read 0, before every later
transaction), then with the default every later insert takes, the writing transaction's id.
SQLite keeps 0 (its writers take turns: ids are in commit order there).
"""

from django.db import migrations, models

import audit.models

TABLE = "audit_changerecord"


def add_xid(apps, schema_editor):
    schema_editor.execute(f"ALTER TABLE {TABLE} ADD COLUMN xid bigint NOT NULL DEFAULT 0")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {TABLE} ALTER COLUMN xid "
                              "SET DEFAULT (pg_current_xact_id()::text::bigint)")
    schema_editor.execute(f"CREATE INDEX change_feed_idx ON {TABLE} (xid, id)")


def drop_xid(apps, schema_editor):
    schema_editor.execute("DROP INDEX change_feed_idx" if schema_editor.connection.vendor
                          != "postgresql" else "DROP INDEX IF EXISTS change_feed_idx")
    schema_editor.execute(f"ALTER TABLE {TABLE} DROP COLUMN xid")


class Migration(migrations.Migration):

    dependencies = [("audit", "0005_object_id_hash_index")]

    operations = [
        migrations.AddField(
            model_name="changerecord",
            name="origin",
            field=models.CharField(blank=True, db_default="", default="", max_length=100),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="changerecord",
                    name="xid",
                    field=models.BigIntegerField(db_default=audit.models.TransactionId(),
                                                 editable=False),
                ),
                migrations.AddIndex(
                    model_name="changerecord",
                    index=models.Index(fields=["xid", "id"], name="change_feed_idx"),
                ),
            ],
            database_operations=[migrations.RunPython(add_xid, drop_xid)],
        ),
    ]
