"""The driver of the import commands: stream, validate, upsert in batches, report, roll back.

The whole import runs in one transaction under one audit context. By default any bad row
aborts it (every bad line is still reported); `skip_bad_rows` writes the good rows only;
`dry_run` validates and applies, then rolls everything back.
"""

from __future__ import annotations

import copy
import sys

from django.db import transaction
from tqdm import tqdm

from audit import context as scope
from audit.services import audited
from orgs.importers import RowError, batches, detect_format, open_input, read_rows

MAX_REPORTED = 100


class ImportFailed(Exception):  # noqa: N818 (the command's message)
    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors[:MAX_REPORTED]))
        self.errors = errors


def run_import(importer, path: str, *, fmt: str | None, dry_run: bool, command: str,
               progress_stream=None):
    """Import the file at `path` (`-` for stdin); returns the importer's report."""
    errors: list[str] = []
    applying = True
    stream = open_input(path)
    show = (progress_stream or sys.stderr)
    bar = tqdm(unit=" rows", file=show, disable=not show.isatty(), desc=command)
    try:
        with scope.for_command(command), transaction.atomic(), audited():
            rows = read_rows(stream, detect_format(path, fmt))
            try:
                for batch in batches(rows):
                    valid = []
                    for line, row in batch:
                        try:
                            valid.append(importer.validate(line, row))
                        except RowError as error:
                            errors.append(str(error))
                    if errors and not importer.skip_bad_rows:
                        applying = False
                    if applying:
                        applying = _apply(importer, valid, errors)
                    bar.update(len(batch))
            except RowError as error:  # the file itself is malformed
                errors.append(str(error))
            if errors and not importer.skip_bad_rows:
                raise ImportFailed(errors)
            if dry_run:
                transaction.set_rollback(True)
    finally:
        bar.close()
        if path != "-":
            stream.close()
    importer.report.errors = errors
    return importer.report


def _apply(importer, valid: list[dict], errors: list[str]) -> bool:
    """Apply a batch in a savepoint; with skip_bad_rows, retry without a row that fails."""
    while valid:
        saved = copy.copy(importer.report)
        try:
            with transaction.atomic():
                importer.apply(valid)
            return True
        except RowError as error:
            importer.report = saved
            errors.append(str(error))
            if not importer.skip_bad_rows:
                return False
            valid = [v for v in valid if v["line"] != error.line]
    return True
