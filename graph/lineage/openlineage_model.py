"""OpenLineage run events as the lineage wing records them, and the rules that make a run's
state a function of the set of its events (never of their order).

The API maps each event to these records (names already mapped to ours,
`api.openlineage.mapping`). A run keeps the keys of the events it was built from (`eventType`
and `eventTime`); its state, start and end are derived from all of them:

- ended when any COMPLETE, FAIL or ABORT event is known: the latest one (by time, then FAIL
  over ABORT over COMPLETE) gives the state (FINISHED, FAILED, CRASHED) and `finishedAt`;
  otherwise RUNNING (START, RUNNING and OTHER events);
- `startedAt`: the earliest START, else the earliest event of the run (never after the end).

A run named only as another run's parent (its own events not seen yet) is RUNNING, started at
the earliest time a child named it; its own events, when they come, decide.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from graph.artifacts import DatasetVersion
from graph.lineage.runs import RunState


class OlEventType(StrEnum):
    START = "START"
    RUNNING = "RUNNING"
    COMPLETE = "COMPLETE"
    ABORT = "ABORT"
    FAIL = "FAIL"
    OTHER = "OTHER"


ENDING: dict[OlEventType, RunState] = {
    OlEventType.COMPLETE: RunState.FINISHED,
    OlEventType.FAIL: RunState.FAILED,
    OlEventType.ABORT: RunState.CRASHED,
}
_PRECEDENCE = {OlEventType.COMPLETE: 0, OlEventType.ABORT: 1, OlEventType.FAIL: 2}


@dataclass(frozen=True)
class OlJob:
    """A job as our run records it: the project its namespace maps to, its name as the run's
    name and (mapped to a name) job type, and the original identity."""

    project: str
    namespace: str
    name: str
    run_name: str
    job_type: str


@dataclass(frozen=True)
class OlParent:
    run_id: str
    job: OlJob


@dataclass(frozen=True)
class OlRunEvent:
    index: int
    """Position in the request, for per-event outcomes."""
    run_id: str
    type: OlEventType
    time: datetime
    job: OlJob
    inputs: tuple[DatasetVersion, ...] = ()
    outputs: tuple[DatasetVersion, ...] = ()
    parent: OlParent | None = None
    run_facets: dict[str, Any] = field(default_factory=dict[str, Any])
    job_facets: dict[str, Any] = field(default_factory=dict[str, Any])

    @property
    def key(self) -> str:
        """What makes an event a duplicate of another: its run, type and time."""
        return event_key(self.type, self.time)


@dataclass(frozen=True)
class OlDatasetEvent:
    """A DatasetEvent (one dataset) or a JobEvent (its inputs and outputs): dataset versions
    without a run."""

    index: int
    datasets: tuple[DatasetVersion, ...]


@dataclass(frozen=True)
class OlOutcome:
    index: int
    status: str
    """`stored`, `duplicate` (seen before: nothing changed) or `refused`."""
    code: str | None = None
    message: str | None = None


def event_key(type: OlEventType, time: datetime) -> str:
    return f"{type.value}@{time.isoformat()}"


def parse_key(key: str) -> tuple[OlEventType, datetime]:
    type, _, time = key.partition("@")
    return OlEventType(type), datetime.fromisoformat(time)


@dataclass(frozen=True)
class RunTimes:
    state: RunState
    started_at: datetime
    finished_at: datetime | None


def run_times(keys: Iterable[str], *, named_at: datetime | None = None) -> RunTimes:
    """State, start and end from a run's event keys (see the module docstring); `named_at` is
    when a child first named it, for a run without events of its own."""
    events = [parse_key(key) for key in keys]
    if not events:
        assert named_at is not None
        return RunTimes(RunState.RUNNING, named_at, None)
    starts = [time for type, time in events if type is OlEventType.START]
    started = min(starts or [time for _, time in events])
    ends = [(time, _PRECEDENCE[type], type) for type, time in events if type in ENDING]
    if not ends:
        return RunTimes(RunState.RUNNING, started, None)
    finished, _, last = max(ends)
    return RunTimes(ENDING[last], min(started, finished), finished)
