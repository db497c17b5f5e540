"""PostgreSQL: the change log becomes a table partitioned by month on `created_at`
(audit.retention.partitions), so that old months can be dropped whole (prune_changes).

The table is rebuilt, its rows moved: the plain table is renamed aside, the partitioned one
made in its shape with the primary key (id, created_at) (a partitioned table's unique keys
must hold its partition key; Django still sees `id` as the primary key, and ids stay unique:
one identity sequence gives them all, continued from the old one), a partition for every
month from the oldest row's to MONTHS_AHEAD months ahead and a default partition, the rows
copied (ids, transaction ids, times as they were), then every index, the foreign key to the
audit contexts and the append-only trigger made again on the parent, which gives them to every
partition, present and future. No foreign key points at the change log. The copy holds the
table for as long as it runs: a large change log wants a maintenance window.

Backwards, the same the other way: one plain table again, with the same indexes. SQLite keeps
one plain table and does nothing here.
"""

from django.db import migrations

from audit.retention.partitions import ensure_partitions, month_of

TABLE = "audit_changerecord"
ASIDE = "audit_changerecord_rebuilt"


def shape(cursor) -> dict:
    """What the rebuilt table must have again: its non-key indexes, constraints and triggers
    (as SQL that names the table), its columns, and its identity's next value."""
    cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = "
                   "current_schema() AND tablename = %s AND indexname <> %s",
                   [TABLE, f"{TABLE}_pkey"])
    indexes = cursor.fetchall()
    cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                   "WHERE conrelid = %s::regclass AND contype <> 'p'", [TABLE])
    constraints = cursor.fetchall()
    cursor.execute("SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = "
                   "%s::regclass AND NOT tgisinternal", [TABLE])
    triggers = [row[0] for row in cursor.fetchall()]
    cursor.execute("SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND "
                   "attnum > 0 AND NOT attisdropped ORDER BY attnum", [TABLE])
    columns = ", ".join(f'"{row[0]}"' for row in cursor.fetchall())
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [TABLE])
    (sequence,) = cursor.fetchone()
    cursor.execute(f"SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END "
                   f"FROM {sequence}")
    (next_id,) = cursor.fetchone()
    return {"indexes": indexes, "constraints": constraints, "triggers": triggers,
            "columns": columns, "sequence": sequence, "next_id": next_id}


def rebuild(schema_editor, partitioned: bool) -> None:
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {TABLE} IN ACCESS EXCLUSIVE MODE")
        old = shape(cursor)
        cursor.execute(f"ALTER TABLE {TABLE} RENAME TO {ASIDE}")
        cursor.execute(f"ALTER SEQUENCE {old['sequence']} RENAME TO {ASIDE}_id_seq")
        cursor.execute(f"ALTER TABLE {ASIDE} RENAME CONSTRAINT {TABLE}_pkey TO {ASIDE}_pkey")
        for name, _ in old["indexes"]:  # their names are free again
            cursor.execute(f'DROP INDEX "{name}"')
        key, partition = ("id, created_at", " PARTITION BY RANGE (created_at)") \
            if partitioned else ("id", "")
        cursor.execute(f"CREATE TABLE {TABLE} (LIKE {ASIDE} INCLUDING DEFAULTS INCLUDING "
                       f"IDENTITY INCLUDING STORAGE INCLUDING COMMENTS, "
                       f"PRIMARY KEY ({key})){partition}")
        cursor.execute(f"ALTER TABLE {TABLE} ALTER COLUMN id RESTART WITH {old['next_id']}")
        if partitioned:
            cursor.execute(f"SELECT min(created_at) FROM {ASIDE}")
            (oldest,) = cursor.fetchone()
            ensure_partitions(month_of(oldest) if oldest else None, conn=connection)
        cursor.execute(f"INSERT INTO {TABLE} ({old['columns']}) "
                       f"SELECT {old['columns']} FROM {ASIDE}")
        for _, definition in old["indexes"]:  # a partitioned index's says ON ONLY
            cursor.execute(definition.replace(" ON ONLY ", " ON ", 1))
        for name, definition in old["constraints"]:
            cursor.execute(f'ALTER TABLE {TABLE} ADD CONSTRAINT "{name}" {definition}')
        for definition in old["triggers"]:
            cursor.execute(definition)
        cursor.execute(f"DROP TABLE {ASIDE}")
        cursor.execute(f"ANALYZE {TABLE}")


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        rebuild(schema_editor, partitioned=True)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        rebuild(schema_editor, partitioned=False)


class Migration(migrations.Migration):

    dependencies = [("audit", "0007_retention")]

    operations = [migrations.RunPython(forwards, backwards)]
