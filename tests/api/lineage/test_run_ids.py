"""Client-chosen run ids belong to their organisation, and a refused createRun leaves nothing.

A run id one organisation chose must not stop another from choosing it (squatting a guessable id
would be a denial of service), while the global ids the API hands out stay unique; a createRun
refused for a taken id must not have created the project (or organisation) it named.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.conftest import ApiClient

CREATE_RUN = """
mutation($org: String!, $project: String!, $id: String) {
  createRun(input: {organization: $org, project: $project, jobType: "train", id: $id}) {
    run { id projectPath } errors { code message field }
  }
}
"""

INGEST = """
mutation($input: IngestLineageInput!) {
  ingestLineage(input: $input) {
    runsCreated runsExisting edgesCreated edgesExisting errors { code message field }
  }
}
"""

UPDATE = """
mutation($id: ID!, $name: String!) {
  updateRun(input: {id: $id, name: $name}) { run { id name projectPath } errors { code } }
}
"""

NODE = "query($id: ID!) { node(id: $id) { id ... on Run { projectPath name } } }"

PROJECT = """
query($org: String!, $name: String!) {
  project(organization: $org, name: $name) { id }
  organization(name: $org) { id }
}
"""


async def create_run(api: ApiClient, org: str, project: str, run_id: str | None) -> Any:
    data = await api.data(CREATE_RUN, {"org": org, "project": project, "id": run_id})
    return data["createRun"]


def finished_run(run_id: str) -> dict[str, str]:
    return {
        "id": run_id,
        "jobType": "import",
        "startedAt": "2025-01-01T00:00:00+00:00",
        "finishedAt": "2025-01-01T00:00:01+00:00",
    }


async def test_a_run_id_taken_in_one_organisation_is_free_in_another(
    api: ApiClient, unique: Callable[[str], str]
) -> None:
    first, second, third = unique("org"), unique("org"), unique("org")
    chosen = unique("run")
    a = await create_run(api, first, "p", chosen)
    assert a["errors"] == []
    b = await create_run(api, second, "p", chosen)
    assert b["errors"] == []
    assert a["run"]["id"] != b["run"]["id"]
    again = await create_run(api, first, "q", chosen)
    assert [e["code"] for e in again["errors"]] == ["ALREADY_EXISTS"]

    # each global id finds its own organisation's run
    for run, org in ((a["run"], first), (b["run"], second)):
        found = (await api.data(NODE, {"id": run["id"]}))["node"]
        assert (found["id"], found["projectPath"]) == (run["id"], f"{org}/p")

    # bulk import: the same id names a new run in a third organisation, and in the second one
    # the run stored there (matched, not refused as another organisation's)
    await api.data(
        'mutation($o: String!) { createProject(input: {organization: $o, name: "p"}) '
        "{ errors { code } } }",
        {"o": third},
    )
    imported = (
        await api.data(
            INGEST,
            {"input": {"organization": third, "project": "p", "runs": [finished_run(chosen)]}},
        )
    )["ingestLineage"]
    assert (imported["errors"], imported["runsCreated"]) == ([], 1)
    matched = (
        await api.data(
            INGEST,
            {"input": {"organization": second, "project": "p", "runs": [finished_run(chosen)]}},
        )
    )["ingestLineage"]
    assert (matched["errors"], matched["runsCreated"], matched["runsExisting"]) == ([], 0, 1)

    # the global id always names one run; the chosen id alone still does (as before) where
    # only one organisation the caller may write to has it, and is refused as ambiguous where
    # several have
    renamed = (await api.data(UPDATE, {"id": b["run"]["id"], "name": "renamed"}))["updateRun"]
    assert renamed["run"]["projectPath"] == f"{second}/p"
    ambiguous = (await api.data(UPDATE, {"id": chosen, "name": "x"}))["updateRun"]
    assert [e["code"] for e in ambiguous["errors"]] == ["INVALID_INPUT"]
    only = unique("run")
    c = await create_run(api, first, "p", only)
    by_chosen = (await api.data(UPDATE, {"id": only, "name": "mine"}))["updateRun"]
    assert by_chosen["run"]["id"] == c["run"]["id"]


async def test_a_refused_create_run_leaves_no_project_or_organisation(
    api: ApiClient, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    chosen = unique("run")
    assert (await create_run(api, org, "p", chosen))["errors"] == []
    refused = await create_run(api, org, "other-project", chosen)
    assert [e["code"] for e in refused["errors"]] == ["ALREADY_EXISTS"]
    left = await api.data(PROJECT, {"org": org, "name": "other-project"})
    assert left["project"] is None

    # a project that does not parse is refused before anything is written, also in a new
    # organisation
    fresh = unique("org")
    bad = await create_run(api, fresh, "no spaces", None)
    assert [e["code"] for e in bad["errors"]] == ["INVALID_NAME"]
    assert (await api.data(PROJECT, {"org": fresh, "name": "no spaces"}))["organization"] is None
