"""What an import did, and the errors that name the line of the row they are about."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

MAX_REPORTED = 100  # messages kept; every bad row is counted


class RowError(Exception):
    """A row that cannot be imported: its line in the file and why."""

    def __init__(self, line: int, message: str):
        super().__init__(f"line {line}: {message}")
        self.line, self.message = line, message

    def __reduce__(self):  # pickled between the reading process and the importing one
        return RowError, (self.line, self.message)


class RowErrors(Exception):  # noqa: N818 (a bundle of RowError)
    """Several rows of a batch refused at once (apply checks a batch before writing it)."""

    def __init__(self, errors: list[RowError]):
        super().__init__("\n".join(map(str, errors)))
        self.errors = errors


@dataclass
class Report:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    invalid: int = 0
    errors: list[str] = field(default_factory=list)
    written: bool = False

    def error(self, line: int, message: str) -> None:
        self.invalid += 1
        if len(self.errors) < MAX_REPORTED:
            self.errors.append(f"line {line}: {message}")

    def refuse(self, message: str) -> None:
        """An error of a document import (its message names its place)."""
        self.invalid += 1
        if len(self.errors) < MAX_REPORTED:
            self.errors.append(message)

    def counts(self) -> Report:
        """The counters alone (to restore when a batch is rolled back)."""
        return replace(self, errors=[])

    def restore(self, counts: Report) -> None:
        for name in ("created", "updated", "unchanged"):
            setattr(self, name, getattr(counts, name))

    def summary(self) -> str:
        return (f"{self.rows} rows: {self.created} created, {self.updated} updated, "
                f"{self.unchanged} unchanged, {self.invalid} invalid")

