"""The request and response samples of the additiv specs (002, 003), read from the spec text
as written: each operation line (`post/v1.0/identities`) is followed by its samples, printed
as JSON with a bullet (`•`) before each member and nested objects collapsed to `{ }`."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

# The specs live in ../shared next to the checkout.
SPEC_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "spec"
SPECS = {"002": "002_c17732d4a53e7988.txt", "003": "003_d1092621174c4740.txt"}
OPERATION = re.compile(r"^(get|post|put|patch|delete)(/\S+)$")
NO_SAMPLE = object()


@dataclass
class Samples:
    """The samples printed under one operation of one spec (NO_SAMPLE when it has none)."""

    spec: str
    method: str
    path: str
    request: object = NO_SAMPLE
    responses: list = field(default_factory=list)


def _json_block(lines: list[str], start: int) -> object:
    """The JSON value printed from `lines[start]` on: a scalar line, or an object or array
    read until its brackets close (none of the samples has a bracket inside a string)."""
    first = lines[start].strip()
    if first[:1] not in "{[":
        return json.loads(first)
    depth, taken = 0, []
    for line in lines[start:]:
        text = line.replace("•", "").strip()
        taken.append(text)
        depth += text.count("{") + text.count("[") - text.count("}") - text.count("]")
        if depth == 0:
            break
    return json.loads("\n".join(taken))


def _samples_after(lines: list[str], start: int, end: int, heading: str) -> list:
    values = []
    for i in range(start, end):
        if lines[i].strip() != heading:
            continue
        for j in range(i + 1, end):
            if lines[j].strip() == "Expand all Collapse all":
                values.append(_json_block(lines, j + 1))
                break
    return values


@cache
def operations(spec: str) -> tuple[Samples, ...]:
    """Every operation of a spec with its samples, in the order printed."""
    lines = (SPEC_DIR / SPECS[spec]).read_text().splitlines()
    starts = [(i, m) for i, line in enumerate(lines) if (m := OPERATION.match(line.strip()))]
    found = []
    for n, (i, match) in enumerate(starts):
        end = starts[n + 1][0] if n + 1 < len(starts) else len(lines)
        requests = _samples_after(lines, i, end, "Request samples")
        found.append(Samples(spec, match.group(1).upper(), match.group(2),
                             requests[0] if requests else NO_SAMPLE,
                             _samples_after(lines, i, end, "Response samples")))
    return tuple(found)


def operation(spec: str, method: str, path: str) -> Samples:
    for samples in operations(spec):
        if (samples.method, samples.path) == (method, path):
            return samples
    raise LookupError(f"{spec}: no {method} {path}")


def request_sample(spec: str, method: str, path: str) -> object:
    sample = operation(spec, method, path).request
    assert sample is not NO_SAMPLE, f"{spec} {method} {path} has no request sample"
    return sample


def response_sample(spec: str, method: str, path: str) -> object:
    """The operation's success sample (an error sample `{Code, …}` is not one)."""
    for sample in operation(spec, method, path).responses:
        if not (isinstance(sample, dict) and "Code" in sample):
            return sample
    raise LookupError(f"{spec}: {method} {path} has no success sample")


def available() -> bool:
    return all((SPEC_DIR / name).exists() for name in SPECS.values())
