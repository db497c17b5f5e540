"""Benchmark of import_users with passwords in clear (issue 10, defect 9). Not a test: prints
its figures, exits 0.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_pwd .venv/bin/python bench/passwords.py

Options:
    --new N        users of the first import, each hashed (default 1,000)
    --users N      users of the re-import (default 10,000)
    --changed N    users of the re-import with one password changed (default 1,000)

The database is migrated and emptied first. With the production hasher (Argon2), figures:
  1. first import of N new users with `pwd`: each password hashed once;
  2. re-import of M existing users whose stored hash says the same password (set up through
     `pwd_hash`, one hash shared by all, so the set-up costs one Argon2 computation): each
     is verified (and kept) instead of re-hashed; what it writes (updated / unchanged);
  3. the same (fewer users) with one password changed.
Each with its wall time and the CPU time of the import's processes (the importing process,
its reading process and their threads; not the database server's): on a shared machine the
CPU time is the steadier figure.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from io import StringIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.hashers import get_hasher, make_password  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

PASSWORD = "Same-Pass-1"


def cpu() -> float:
    mine = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return mine.ru_utime + mine.ru_stime + children.ru_utime + children.ru_stime


def users_file(directory: str, name: str, rows: list[str], header: str) -> str:
    path = Path(directory, name)
    path.write_text(header + "".join(rows))
    return str(path)


def imported(path: str, what: str) -> None:
    out = StringIO()
    wall, used = time.perf_counter(), cpu()
    call_command("import_users", path, stdout=out, stderr=StringIO())
    wall, used = time.perf_counter() - wall, cpu() - used
    summary = out.getvalue().strip().removeprefix("imported: ")
    print(f"   {what}: {wall:,.1f} s wall, {used:,.1f} s CPU — {summary}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--new", type=int, default=1_000)
    parser.add_argument("--changed", type=int, default=1_000)
    args = parser.parse_args()

    hasher = get_hasher()
    print(f"import_users with passwords on {connection.vendor} "
          f"({settings.DATABASES['default'].get('NAME')}), hasher {hasher.algorithm}, "
          f"{os.cpu_count()} cores", flush=True)
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    call_command("import_orgs", users_file(tempfile.mkdtemp(), "o.csv", ["acme,Acme\n"],
                                           "path,friendlyName\n"),
                 stdout=StringIO(), stderr=StringIO())
    work = tempfile.mkdtemp(prefix="bench_pwd_")

    started = time.perf_counter()
    make_password(PASSWORD)
    print(f"   one hash: {time.perf_counter() - started:.2f} s", flush=True)

    print(f"\n1. first import of {args.new:,} new users with pwd")
    imported(users_file(work, "new.csv", [f"acme,n{i},{PASSWORD}\n" for i in range(args.new)],
                        "organization,uid,pwd\n"), "import")

    print(f"\n2. re-import of {args.users:,} existing users with the same pwd")
    stored = make_password(PASSWORD)
    call_command("import_users", users_file(
        work, "setup.csv", [f"acme,u{i},\"{stored}\"\n" for i in range(args.users)],
        "organization,uid,pwd_hash\n"), stdout=StringIO(), stderr=StringIO())
    same = users_file(work, "same.csv", [f"acme,u{i},{PASSWORD}\n" for i in range(args.users)],
                      "organization,uid,pwd\n")
    imported(same, "re-import")

    print(f"\n3. re-import of {args.changed:,} of them, the stored hashes reset, one "
          "password changed")
    call_command("import_users", users_file(
        work, "setup.csv", [f"acme,u{i},\"{stored}\"\n" for i in range(args.changed)],
        "organization,uid,pwd_hash\n"), stdout=StringIO(), stderr=StringIO())
    imported(users_file(work, "one.csv", [
        f"acme,u{i},{'Other-Pass-2' if i == 7 else PASSWORD}\n" for i in range(args.changed)],
        "organization,uid,pwd\n"), "re-import")

if __name__ == "__main__":
    main()
