"""Recording run events (`graph.core.events`): RUN_STARTED when a run is created, RUN_FINISHED
when it ends, from the run rows the run queries return (`runs.RUN_FIELDS`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from neo4j import AsyncManagedTransaction

from graph.core.events import EventSubject, EventType, NewEvent, record_events_tx
from graph.core.values import from_micros


def run_subject(row: dict[str, Any]) -> EventSubject:
    """A run is addressed as `org/project/runs/<id>` with the id its organisation knows it by."""
    return EventSubject(
        kind="Run",
        id=row["id"],
        path=f"{row['org_name']}/{row['project_name']}/runs/{row['client_id']}",
        project=row["project_name"],
    )


def run_payload(row: dict[str, Any]) -> dict[str, Any]:
    finished = from_micros(row.get("finished_at"))
    started = from_micros(row.get("started_at"))
    return {
        "name": row["name"],
        "jobType": row["job_type"],
        "state": row["state"],
        "clientId": row["client_id"],
        "startedAt": None if started is None else started.isoformat(),
        "finishedAt": None if finished is None else finished.isoformat(),
    }


async def record_run_events_tx(
    tx: AsyncManagedTransaction,
    *,
    type: EventType,
    runs: Sequence[dict[str, Any]],
    actor: str,
) -> None:
    """One `type` event per run row (all of one organisation), in the order given."""
    if not runs:
        return
    await record_events_tx(
        tx,
        org_id=runs[0]["org_id"],
        actor=actor,
        events=[NewEvent(type, run_subject(row), run_payload(row)) for row in runs],
    )
