"""The one bulk-import framework every app's import is built on, and the raw bulk writes.

    files    CSV / NDJSON rows with line numbers, read from a file or stdin (any BOM), written
    report   what an import did, and the row errors that name their lines
    run      the protocol (`Importer`: validate → prepare → apply) and its driver
    worker   the reading process: batches read, validated and prepared ahead of the writes
    write    raw inserts (COPY on PostgreSQL, executemany elsewhere) and batch lookups
    holes    rows encoded ahead with holes for the keys only the importing process knows
    delete   hard deletes of whole sets in a number of statements fixed by the schema
    command  the base import and export commands: the same flags everywhere

An app supplies only its importer's `validate` and `apply` (and, where it pays, `prepare`),
built on validators and bulk services the app owns; it never writes another app's tables.
"""
