"""The request and response samples of the additiv specs (002, 003), as printed under each
operation of the spec text, kept as data in tests/fixtures/spec/additiv_samples.json (one entry
an operation: spec, method, path, its request sample when it has one, its response samples)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from tests.fixtures import spec_json

NO_SAMPLE = object()


@dataclass
class Samples:
    """The samples printed under one operation of one spec (NO_SAMPLE when it has none)."""

    spec: str
    method: str
    path: str
    request: object = NO_SAMPLE
    responses: list = field(default_factory=list)


@cache
def _all() -> tuple[Samples, ...]:
    return tuple(
        Samples(item["spec"], item["method"], item["path"], item.get("request", NO_SAMPLE),
                item["responses"])
        for item in spec_json("additiv_samples.json"))


def operations(spec: str) -> tuple[Samples, ...]:
    """Every operation of a spec with its samples, in the order printed."""
    return tuple(samples for samples in _all() if samples.spec == spec)


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
