"""Rows encoded ahead with holes for the keys only the importing process knows.

An import's reading process encodes a batch's new rows and their change records (COPY text,
`audit.copytext`) while the importing process writes the batches before; but rows keyed by a
sequence, or pointing at a parent found or made while applying, cannot know those keys there
(it has no database connection, and the parent may already exist). It leaves a HOLE where
each such key goes, and the importing process fills a batch's holes in one pass
(`filled`): a split and a join in C, where encoding the rows there cost several times the
COPY itself. A HOLE is a NUL character, which no cell of an import holds (`files.cell`, and
the apps' validators, refuse it) and COPY text never escapes to.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain

HOLE = "\x00"


def filled(text: str, keys: Sequence[str]) -> str:
    """`text` with its holes filled by `keys`, in order (one key a hole)."""
    parts = text.split(HOLE)
    if len(parts) != len(keys) + 1:
        raise ValueError(f"{len(parts) - 1} holes for {len(keys)} keys")
    return "".join(chain(chain.from_iterable(zip(parts[:-1], keys, strict=True)),
                         (parts[-1],)))


def repeated(keys: Sequence[str], counts: Sequence[int]) -> list[str]:
    """Each key as many times as its count says (a parent's key, once for each of its rows)."""
    return list(chain.from_iterable(map(lambda key, n: (key,) * n, keys, counts)))


def interleaved(*columns: Sequence[str]) -> list[str]:
    """The keys of rows with several holes: row i's keys, column by column, then row i+1's."""
    return list(chain.from_iterable(zip(*columns, strict=True)))
