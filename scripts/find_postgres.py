"""Print the PostgreSQL URL the tests should use, or nothing when none answers.

TEST_DATABASE_URL wins; otherwise the local server (127.0.0.1:5432, user postgres) is tried.
pytest-django creates and drops its own `test_<name>` database there.
"""

import os
import sys

DEFAULT = "postgres://postgres@127.0.0.1:5432/tessera"


def main() -> int:
    url = os.environ.get("TEST_DATABASE_URL") or DEFAULT
    try:
        import psycopg

        base = url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(base, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as error:  # unreachable, wrong credentials, no driver: no PostgreSQL run
        print(f"PostgreSQL not reachable at {url}: {error}", file=sys.stderr)
        return 0
    print(url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
