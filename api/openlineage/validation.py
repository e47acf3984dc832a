"""Validation of incoming OpenLineage events against the spec's JSON Schema (vendored under
`spec/`, never fetched).

An event is checked against the definition its shape names (a `run`: RunEvent, a `dataset`:
DatasetEvent, else JobEvent) rather than the spec's top-level `oneOf`, so an error points at
the failing field instead of "not valid under any of the given schemas". Facets the spec
defines (`schema`, `parent`, `version`, ...) are then checked against their own schemas, where
they appear (run, job, dataset, input or output facets); a facet marked `_deleted` and
custom facets are only checked as facets. `runId`s must be UUIDs (the spec's `format`).

Valid events (nearly all) are checked by `jsonschema_rs` (Rust, a few microseconds an event:
the Python validator takes about a millisecond, which alone would cap ingestion near 1,000
events a second); only an event it refuses goes through `jsonschema` again, for the path and
message of its first error, so both agree on what is valid and the answer reads the same.
"""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import jsonschema_rs
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
class _Check:
    """One definition, checked fast; explained by the Python validator when refused."""

    fast: Any
    explain: Draft202012Validator

    def error(self, instance: Any) -> ValidationError | None:
        if self.fast.is_valid(instance):
            return None
        return best_match(self.explain.iter_errors(instance)) or ValidationError(
            "is not valid", path=(), schema_path=()
        )


@dataclass(frozen=True)
class _Spec:
    events: dict[str, _Check]
    facets: dict[tuple[str, str], _Check]


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
    fast_registry = jsonschema_rs.Registry(
        [(schema["$id"], schema) for schema in [core, *facet_files]]
    )

    def validator(ref: str) -> _Check:
        return _Check(
            fast=jsonschema_rs.validator_for(
                {"$ref": ref}, registry=fast_registry, validate_formats=False
            ),
            explain=Draft202012Validator({"$ref": ref}, registry=registry, format_checker=checker),
        )

    events = {name: validator(f"{CORE_ID}#/$defs/{name}") for name in PLACES_EVENTS}
    facets: dict[tuple[str, str], _Check] = {}
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


def _is_uuid(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def _run_ids_are_uuids(event: dict[str, Any]) -> bool:
    """The `uuid` formats of the spec: the run's id and its parent's (and root's)."""
    run = event.get("run")
    if not isinstance(run, dict):
        return True
    run = cast(dict[str, Any], run)
    ids: list[Any] = [run.get("runId")]
    parent = (run.get("facets") or {}).get("parent")
    if isinstance(parent, dict):
        parent = cast(dict[str, Any], parent)
        ids.append((parent.get("run") or {}).get("runId"))
        root = parent.get("root")
        if isinstance(root, dict):
            ids.append((cast(dict[str, Any], root).get("run") or {}).get("runId"))
    return all(value is None or _is_uuid(value) for value in ids)


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
    shape = spec.events[kind]
    error = shape.error(event)
    if error is None and not _run_ids_are_uuids(event):  # the fast check skips formats
        error = best_match(shape.explain.iter_errors(event))
    if error is not None:
        raise InvalidEvent(_json_path(prefix, error), f"{error.message} (as a {kind})")
    for place, path, facets in _facet_sets(event):
        for key, value in facets.items():
            check = spec.facets.get((place, key))
            if check is None or (isinstance(value, dict) and value.get("_deleted")):
                continue
            error = check.error(value)
            if error is not None:
                where = prefix + path[1:] + f".{key}" + error.json_path[1:]
                raise InvalidEvent(where, error.message)
    try:
        time = datetime.fromisoformat(event["eventTime"])
    except ValueError:
        raise InvalidEvent(prefix + ".eventTime", "not an ISO 8601 date-time") from None
    if time.tzinfo is None:
        raise InvalidEvent(prefix + ".eventTime", "needs a time zone offset (or Z)")
    try:  # exists in its own zone but not in UTC (`0001-01-01T00:00:00+14:00`): not storable
        time.astimezone(UTC)
    except OverflowError:
        raise InvalidEvent(prefix + ".eventTime", "lies outside years 1-9999 in UTC") from None
    return kind
