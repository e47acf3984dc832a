from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from graph.core.driver import Graph
from graph.core.errors import (
    AlreadyExists,
    Conflict,
    InvalidInput,
    InvalidName,
    MetadataTooLarge,
    NotFound,
)
from graph.lineage import runs
from graph.lineage.runs import NewRun, RunChange, RunState
from tests.lineage_fixtures import T0, make_world


async def test_create_update_and_finish_a_run(graph: Graph, unique: Callable[[str], str]) -> None:
    world = await make_world(graph, unique("org"))
    created = await runs.create_run(
        graph,
        world.org,
        world.project,
        NewRun(
            job_type="train",
            name="fiery-sun-1",
            config={"lr": 0.1, "layers": [64, 64]},
            tags=("baseline",),
            author="ada",
            started_at=T0,
        ),
    )
    assert created.state is RunState.RUNNING
    assert (created.name, created.job_type, created.author) == ("fiery-sun-1", "train", "ada")
    assert created.config == {"lr": 0.1, "layers": [64, 64]}
    assert created.summary == {}
    assert created.duration_seconds is None
    assert created.project_path == f"{world.org}/{world.project}"

    updated = await runs.update_run(
        graph,
        created.id,
        RunChange(
            name="renamed", tags=("a", "b"), config={"lr": None, "seed": 7}, summary={"loss": 0.5}
        ),
    )
    assert updated.name == "renamed"
    assert updated.tags == ("a", "b")
    assert updated.config == {"layers": [64, 64], "seed": 7}
    assert updated.summary == {"loss": 0.5}

    ended = await runs.update_run(
        graph,
        created.id,
        RunChange(state=RunState.FINISHED, summary={"acc": 0.9}, finished_at=T0 + timedelta(90)),
    )
    assert ended.state is RunState.FINISHED
    assert ended.summary == {"loss": 0.5, "acc": 0.9}
    assert ended.duration_seconds == 90 * 86400

    again = await runs.update_run(graph, created.id, RunChange(state=RunState.FINISHED))
    assert again.finished_at == ended.finished_at
    with pytest.raises(Conflict):
        await runs.update_run(graph, created.id, RunChange(state=RunState.FAILED))
    assert (await runs.require_run(graph, created.id)).state is RunState.FINISHED


async def test_run_inputs_are_validated_before_any_write(
    graph: Graph, unique: Callable[[str], str]
) -> None:
    world = await make_world(graph, unique("org"))
    with pytest.raises(InvalidName):
        await runs.create_run(graph, world.org, world.project, NewRun(job_type="no spaces"))
    with pytest.raises(InvalidInput):
        await runs.create_run(graph, world.org, world.project, NewRun("t", name="a\nb"))
    with pytest.raises(InvalidInput):
        await runs.create_run(graph, world.org, world.project, NewRun("t", id="x"))
    with pytest.raises(InvalidInput):
        await runs.create_run(
            graph, world.org, world.project, NewRun("t", config={"x": float("nan")})
        )
    with pytest.raises(MetadataTooLarge):
        await runs.create_run(
            graph, world.org, world.project, NewRun("t", config={"x": "y" * 300_000})
        )
    with pytest.raises(NotFound):
        await runs.create_run(graph, world.org, "no-such-project", NewRun("t"))
    page, total = await runs.runs_of_project(graph, world.org, world.project, 0, 10)
    assert (page, total) == ([], 0)
    run_id = await world.run()
    with pytest.raises(InvalidInput):
        await runs.update_run(graph, run_id, RunChange(state=RunState.RUNNING))
    with pytest.raises(InvalidInput):
        await runs.update_run(
            graph, run_id, RunChange(state=RunState.FAILED, finished_at=T0 - timedelta(1))
        )
    with pytest.raises(InvalidInput):
        await runs.update_run(
            graph, run_id, RunChange(state=RunState.FAILED, finished_at=datetime(2030, 1, 1))
        )
    with pytest.raises(NotFound):
        await runs.update_run(graph, "0" * 32, RunChange(name="x"))


async def test_client_chosen_ids_make_creates_safe_to_retry(
    graph: Graph, unique: Callable[[str], str]
) -> None:
    world = await make_world(graph, unique("org"))
    run_id = unique("run")
    first = await runs.create_run(graph, world.org, world.project, NewRun("t", id=run_id))
    assert first.client_id == run_id and first.id != run_id
    with pytest.raises(AlreadyExists):
        await runs.create_run(graph, world.org, world.project, NewRun("t", id=run_id))
    _, total = await runs.runs_of_project(graph, world.org, world.project, 0, 10)
    assert total == 1


async def test_concurrent_summary_updates_keep_every_key(
    graph: Graph, unique: Callable[[str], str]
) -> None:
    world = await make_world(graph, unique("org"))
    run_id = await world.run()
    await asyncio.gather(
        *[runs.update_run(graph, run_id, RunChange(summary={f"k{i}": i})) for i in range(8)]
    )
    record = await runs.require_run(graph, run_id)
    assert record.summary == {f"k{i}": i for i in range(8)}


async def test_runs_of_a_project_page_newest_first_with_filters(
    graph: Graph, unique: Callable[[str], str]
) -> None:
    world = await make_world(graph, unique("org"))
    ids = [await world.run("train" if i % 2 else "eval", name=f"r{i}") for i in range(5)]
    await runs.update_run(graph, ids[1], RunChange(state=RunState.FAILED))
    page, total = await runs.runs_of_project(graph, world.org, world.project, 0, 2)
    assert total == 5 and [r.name for r in page] == ["r4", "r3"]
    page, _ = await runs.runs_of_project(graph, world.org, world.project, 2, 2)
    assert [r.name for r in page] == ["r2", "r1"]
    trains, total = await runs.runs_of_project(
        graph, world.org, world.project, 0, 10, job_type="train"
    )
    assert total == 2 and [r.name for r in trains] == ["r3", "r1"]
    failed, total = await runs.runs_of_project(
        graph, world.org, world.project, 0, 10, state=RunState.FAILED
    )
    assert total == 1 and failed[0].id == ids[1]
