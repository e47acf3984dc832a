"""Validation of incoming OpenLineage events against the spec's JSON Schema (vendored under
`spec/`, never fetched).

An event is checked against the definition its shape names (a `run`: RunEvent, a `dataset`:
DatasetEvent, else JobEvent) rather than the spec's top-level `oneOf`, so an error points at
the failing field instead of "not valid under any of the given schemas". Facets the spec
defines (`schema`, `parent`, `version`, ...) are then checked against their own schemas, where
they appear (run, job, dataset, input or output facets); a facet marked `_deleted` and
custom facets are only checked as facets. `runId`s must be UUIDs (the spec's `format`).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource

SPEC_DIR = Path(__file__).parent / "spec"
CORE_ID = "https://openlineage.io/spec/2-0-2/OpenLineage.json"
# Where a facet may appear, named by the spec definition it extends.
PLACES = {
    "RunFacet": "run",
    "JobFacet": "job",
    "DatasetFacet": "dataset",
    "InputDatasetFacet": "input",
    "OutputDatasetFacet": "output",
}


class InvalidEvent(Exception):
    """An event the spec refuses: where (a JSON path into the request body) and why."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


@dataclass(frozen=True)
class _Spec:
    events: dict[str, Draft202012Validator]
    facets: dict[tuple[str, str], Draft202012Validator]


def _load(path: Path) -> dict[str, Any]:
    return cast(dict[str, Any], json.loads(path.read_text()))


@functools.cache
def _spec() -> _Spec:
    core = _load(SPEC_DIR / "OpenLineage.json")
    facet_files = [_load(path) for path in sorted((SPEC_DIR / "facets").glob("*.json"))]
    registry: Registry[Any] = Registry().with_resources(
        (schema["$id"], Resource.from_contents(schema)) for schema in [core, *facet_files]
    )
    checker = FormatChecker(formats=["uuid"])

    def validator(ref: str) -> Draft202012Validator:
        return Draft202012Validator({"$ref": ref}, registry=registry, format_checker=checker)

    events = {name: validator(f"{CORE_ID}#/$defs/{name}") for name in PLACES_EVENTS}
    facets: dict[tuple[str, str], Draft202012Validator] = {}
    for schema in facet_files:
        text = json.dumps(schema)
        places = [place for base, place in PLACES.items() if f'#/$defs/{base}"' in text]
        for key in schema.get("properties", {}):
            for place in places:
                facets[(place, key)] = validator(f"{schema['$id']}#/properties/{key}")
    return _Spec(events, facets)


PLACES_EVENTS = ("RunEvent", "DatasetEvent", "JobEvent")


def event_kind(event: dict[str, Any]) -> str:
    """Which definition an event's shape names (module docstring)."""
    if "run" in event:
        return "RunEvent"
    if "dataset" in event:
        return "DatasetEvent"
    return "JobEvent"


def _json_path(prefix: str, error: ValidationError) -> str:
    return prefix + error.json_path[1:]


def _facet_sets(event: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(place, JSON path, facets) of every facet set of a structurally valid event."""
    run, job = event.get("run"), event.get("job")
    if isinstance(run, dict):
        yield "run", "$.run.facets", cast(dict[str, Any], run).get("facets") or {}
    if isinstance(job, dict):
        yield "job", "$.job.facets", cast(dict[str, Any], job).get("facets") or {}
    if isinstance(event.get("dataset"), dict):
        yield "dataset", "$.dataset.facets", event["dataset"].get("facets") or {}
    for side, place in (("inputs", "input"), ("outputs", "output")):
        for i, dataset in enumerate(event.get(side) or []):
            yield "dataset", f"$.{side}[{i}].facets", dataset.get("facets") or {}
            yield place, f"$.{side}[{i}].{place}Facets", dataset.get(f"{place}Facets") or {}


def validate_event(event: Any, prefix: str = "$") -> str:
    """The event's kind (`RunEvent`, `DatasetEvent`, `JobEvent`); `InvalidEvent` naming the
    first failing field (paths start with `prefix`, e.g. `$[3]` for a batch's fourth)."""
    if not isinstance(event, dict):
        raise InvalidEvent(prefix, "an event is a JSON object")
    event = cast(dict[str, Any], event)
    spec = _spec()
    kind = event_kind(event)
    error = best_match(spec.events[kind].iter_errors(event))
    if error is not None:
        raise InvalidEvent(_json_path(prefix, error), f"{error.message} (as a {kind})")
    for place, path, facets in _facet_sets(event):
        for key, value in facets.items():
            check = spec.facets.get((place, key))
            if check is None or (isinstance(value, dict) and value.get("_deleted")):
                continue
            error = best_match(check.iter_errors(value))
            if error is not None:
                where = prefix + path[1:] + f".{key}" + error.json_path[1:]
                raise InvalidEvent(where, error.message)
    try:
        time = datetime.fromisoformat(event["eventTime"])
    except ValueError:
        raise InvalidEvent(prefix + ".eventTime", "not an ISO 8601 date-time") from None
    if time.tzinfo is None:
        raise InvalidEvent(prefix + ".eventTime", "needs a time zone offset (or Z)")
    return kind
