"""The event log as the graph keeps it: written with each change or not at all, dense and
ordered per organisation under concurrent writers, swept by age."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

import pytest

from graph.access.orgs import ensure_project, organization_by_name
from graph.artifacts.aliases import set_alias
from graph.artifacts.delete_version import delete_version
from graph.core.driver import Graph
from graph.core.errors import CycleError, HasAliases
from graph.core.events import EventType
from graph.core.values import now
from graph.events.log import events_after, log_bounds, sweep_events
from graph.lineage import edges, runs
from tests.model_writer import log_version


async def _org_id(graph: Graph, org: str) -> str:
    found = await organization_by_name(graph, org)
    assert found is not None
    return found.id


async def test_concurrent_writers_get_a_dense_ordered_sequence(
    graph: Graph, unique: Callable[[str], str]
) -> None:
    org = unique("busy")
    await ensure_project(graph, org, "p")
    created = await asyncio.gather(
        *(
            runs.create_run(graph, org, "p", runs.NewRun(job_type="etl", name=f"r{i}"))
            for i in range(24)
        )
    )
    events = await events_after(graph, await _org_id(graph, org), 0, limit=100)
    assert [e.seq for e in events] == list(range(1, 25))
    assert sorted(e.object_id for e in events) == sorted(run.id for run in created)
    assert {e.type for e in events} == {EventType.RUN_STARTED}
    assert len({e.id for e in events}) == 24


async def test_a_refused_change_records_no_event(
    graph: Graph, unique: Callable[[str], str]
) -> None:
    org = unique("refused")
    logged = await log_version(graph, org, "p", "data")
    await set_alias(
        graph,
        artifact_id=logged.version.artifact_id,
        version_id=logged.version.id,
        alias="keep",
        actor="tests",
    )
    org_id = await _org_id(graph, org)
    before = (await log_bounds(graph, org_id)).last_seq
    with pytest.raises(HasAliases):
        await delete_version(graph, logged.version.id, actor="tests")
    run = await runs.create_run(graph, org, "p", runs.NewRun(job_type="train"))
    await edges.record_produced(graph, run.id, logged.version.id)
    with pytest.raises(CycleError):  # it produced the version: consuming it closes a cycle
        await edges.use_artifact(graph, run.id, version_id=logged.version.id)
    after = await events_after(graph, org_id, before)
    assert [e.type for e in after] == [EventType.RUN_STARTED, EventType.LINEAGE_EDGE_ADDED]
    assert after[1].payload["edge"] == "PRODUCED"


async def test_deletion_and_alias_moves_carry_from_and_to(
    graph: Graph, unique: Callable[[str], str]
) -> None:
    org = unique("moves")
    first = await log_version(graph, org, "p", "data")
    second = await log_version(graph, org, "p", "data")
    org_id = await _org_id(graph, org)
    before = (await log_bounds(graph, org_id)).last_seq
    await delete_version(graph, second.version.id, actor="alice")
    events = await events_after(graph, org_id, before)
    assert [(e.type, e.alias) for e in events] == [
        (EventType.VERSION_DELETED, None),
        (EventType.ALIAS_SET, "latest"),
    ]
    deleted, moved = events
    assert deleted.path == f"{org}/p/data:v1" and deleted.actor == "alice"
    assert deleted.payload["reason"] == "delete"
    assert moved.payload["from"]["path"] == f"{org}/p/data:v1"
    assert moved.payload["to"]["path"] == f"{org}/p/data:v0"
    assert moved.object_id == first.version.id


async def test_the_sweep_removes_old_events_only(
    graph: Graph, unique: Callable[[str], str]
) -> None:
    org = unique("swept")
    await log_version(graph, org, "p", "data")
    org_id = await _org_id(graph, org)
    bounds = await log_bounds(graph, org_id)
    assert bounds.oldest_seq == 1 and bounds.last_seq == 2
    await sweep_events(graph, now() - timedelta(days=1), org_id=org_id)
    assert (await log_bounds(graph, org_id)).oldest_seq == 1, "a day old: kept"
    await log_version(graph, org, "p", "data")
    await sweep_events(graph, now() + timedelta(seconds=1), org_id=org_id)
    bounds = await log_bounds(graph, org_id)
    assert bounds.oldest_seq is None and bounds.last_seq == 4, "the sequence never restarts"
