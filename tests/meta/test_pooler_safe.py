"""Behind PgBouncer in transaction mode (docs/deployment.md, "Behind PgBouncer") a server
connection is the client's for one transaction only: nothing the code leaves on a session
survives to its next statement. The product's code uses no session state: locks end with their
transaction (`pg_advisory_xact_lock`), settings are `SET LOCAL`, no `LISTEN`, no prepared
statement or cursor declared by hand (the ones Django and core.compiled make are turned off by
DB_TRANSACTION_POOLING)."""

import re

from tests.conftest import REPOSITORY

# Session-level advisory locks; a session SET, LISTEN, a prepared statement or cursor made by
# hand (SQL in capitals, as the code writes it); set_config(…, is_local => false).
SESSION_STATE = re.compile(
    r"(?i:pg_(try_)?advisory_(un)?lock(_shared)?\s*\()"
    r"|[\"']\s*SET\s+(?!LOCAL\b)(SESSION\s+)?[a-z_.]+\s*(=|TO\b)"
    r"|[\"']\s*(LISTEN|PREPARE|DECLARE|DISCARD|RESET)\b"
    r"|(?i:set_config\s*\([^)]*,\s*false\s*\))")
NOT_PRODUCT = {"tests", "bench", ".venv", ".git", ".cluster", "node_modules"}


def product_modules():
    for path in sorted(REPOSITORY.rglob("*.py")):
        if not NOT_PRODUCT & set(path.relative_to(REPOSITORY).parts):
            yield path


def test_no_session_state_in_the_product():
    found = [f"{path.relative_to(REPOSITORY)}:{number}: {line.strip()}"
             for path in product_modules()
             for number, line in enumerate(path.read_text().splitlines(), 1)
             if SESSION_STATE.search(line)]
    assert found == []


def test_the_scan_finds_what_it_looks_for():
    for line in ('cursor.execute("SELECT pg_advisory_lock(%s)", [key])',
                 "cursor.execute('SET statement_timeout = 0')",
                 'cursor.execute("SET search_path TO x")',
                 'cursor.execute("LISTEN changes")',
                 "SELECT set_config('app.actor', %s, false)"):
        assert SESSION_STATE.search(line), line
    for line in ('cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])',
                 'cursor.execute("SET LOCAL statement_timeout = 0")',
                 "SELECT set_config('app.actor', %s, true)",
                 'sql = f"UPDATE {table} SET {sets} WHERE {key} = %s"',
                 'hint="Set REDIS_URL to the Redis every app process shares."'):
        assert not SESSION_STATE.search(line), line
