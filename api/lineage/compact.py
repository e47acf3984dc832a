"""The compact form of `ingestLineage`: runs and edges as plain JSON rows.

Typed GraphQL inputs cost about 0.2 ms per object to coerce, which caps a typed import at a few
thousand edges per second; rows in a JSON scalar are checked here in microseconds each. The
meaning is exactly that of the typed `runs` and `edges`:

- `compactRuns`: objects with the fields of `IngestRunInput` (`id`, `jobType`, `name`, `state`,
  `author`, `config`, `summary`, `tags`, `startedAt`, `finishedAt`);
- `compactEdges`: rows `[runId, version, "CONSUMED" | "PRODUCED", at]`.
Times are epoch milliseconds or ISO 8601 strings with a timezone (or null).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from graph.core.errors import InvalidInput
from graph.lineage.ingest import MAX_BATCH_EDGES, MAX_BATCH_RUNS, IngestEdge, IngestRun
from graph.lineage.model import EdgeKind
from graph.lineage.runs import RunState

_RUN_FIELDS = {
    "id", "jobType", "name", "state", "author", "config", "summary", "tags", "startedAt",
    "finishedAt",
}  # fmt: skip


def _time(value: Any, where: str, field: str) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value / 1000, UTC)
        except (OverflowError, OSError, ValueError):  # beyond the years 1-9999
            raise InvalidInput(f"{where}: epoch milliseconds out of range", field=field) from None
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is not None:
            return parsed
    raise InvalidInput(
        f"{where}: a time is epoch milliseconds or ISO 8601 with a zone", field=field
    )


def _text(value: Any, where: str, field: str, *, required: bool = False) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"{where}: expected a string", field=field)
    return value


def _object(value: Any, where: str, field: str) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InvalidInput(f"{where}: expected a JSON object", field=field)
    return value


def compact_runs(rows: Any) -> list[IngestRun]:
    field = "compactRuns"
    if not isinstance(rows, list) or len(rows) > MAX_BATCH_RUNS:
        raise InvalidInput(f"{field} is a list of at most {MAX_BATCH_RUNS} objects", field=field)
    runs = []
    for i, row in enumerate(rows):
        where = f"{field}[{i}]"
        if not isinstance(row, dict) or not set(row) <= _RUN_FIELDS:
            raise InvalidInput(f"{where}: an object with fields {sorted(_RUN_FIELDS)}", field=field)
        try:
            state = RunState(row.get("state") or "FINISHED")
        except ValueError:
            raise InvalidInput(f"{where}: unknown state", field=field) from None
        tags = row.get("tags") or []
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            raise InvalidInput(f"{where}: tags are a list of strings", field=field)
        runs.append(
            IngestRun(
                id=str(_text(row.get("id"), where, field, required=True)),
                job_type=str(_text(row.get("jobType"), where, field, required=True)),
                name=_text(row.get("name"), where, field),
                state=state,
                author=_text(row.get("author"), where, field),
                config=_object(row.get("config"), where, field),
                summary=_object(row.get("summary"), where, field),
                tags=tuple(tags),
                started_at=_time(row.get("startedAt"), where, field),
                finished_at=_time(row.get("finishedAt"), where, field),
            )
        )
    return runs


def compact_edges(rows: Any) -> list[IngestEdge]:
    field = "compactEdges"
    if not isinstance(rows, list) or len(rows) > MAX_BATCH_EDGES:
        raise InvalidInput(f"{field} is a list of at most {MAX_BATCH_EDGES} rows", field=field)
    kinds = {kind.value: kind for kind in EdgeKind}
    edges = []
    for i, row in enumerate(rows):
        if (
            not isinstance(row, list)
            or len(row) not in (3, 4)
            or not isinstance(row[0], str)
            or not isinstance(row[1], str)
            or row[2] not in kinds
        ):
            raise InvalidInput(
                f"{field}[{i}]: a row [runId, version, CONSUMED|PRODUCED, at]", field=field
            )
        at = _time(row[3], f"{field}[{i}]", field) if len(row) == 4 else None
        edges.append(IngestEdge(row[0], row[1], kinds[row[2]], at))
    return edges
