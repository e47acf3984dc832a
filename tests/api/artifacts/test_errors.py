"""Behaviour 9: bad input gets a typed error with a stable code and writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from graph.core.driver import Graph
from graph.core.tx import fetch_one
from tests.conftest import ApiClient
from tests.sdk.support import CREATE_DRAFT, log_files, sha, unique_bytes

GOOD = "b" * 64

ANYTHING_OF_ORG = """
MATCH (v:ArtifactVersion {org_name: $org})
RETURN count(v) AS versions
"""


async def _create(api: ApiClient, org: str, **overrides: Any) -> dict[str, Any]:
    payload = {
        "organization": org,
        "project": "p",
        "artifact": "ds",
        "type": "dataset",
        "entries": [{"path": "ok.txt", "digest": GOOD, "size": 3}],
    }
    payload.update(overrides)
    data = await api.data(CREATE_DRAFT, {"input": payload})
    result: dict[str, Any] = data["createArtifactDraft"]
    return result


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"artifact": "bad name"}, "INVALID_NAME", "artifact"),
        ({"artifact": "x" * 129}, "INVALID_NAME", "artifact"),
        ({"project": "../p"}, "INVALID_NAME", "project"),
        ({"type": "not a type"}, "INVALID_NAME", "type"),
        (
            {"entries": [{"path": "../escape", "digest": GOOD, "size": 1}]},
            "INVALID_PATH",
            "entries[0].path",
        ),
        (
            {"entries": [{"path": "/abs", "digest": GOOD, "size": 1}]},
            "INVALID_PATH",
            "entries[0].path",
        ),
        (
            {"entries": [{"path": "a\u0000b", "digest": GOOD, "size": 1}]},
            "INVALID_PATH",
            "entries[0].path",
        ),
        (
            {
                "entries": [
                    {"path": "fine", "digest": GOOD, "size": 1},
                    {"path": "x/../../y", "digest": GOOD, "size": 1},
                ]
            },
            "INVALID_PATH",
            "entries[1].path",
        ),
        (
            {"entries": [{"path": "f", "digest": "XYZ", "size": 1}]},
            "INVALID_DIGEST",
            "entries[0].digest",
        ),
        (
            {"entries": [{"path": "f", "digest": GOOD, "size": -1}]},
            "INVALID_INPUT",
            "entries[0].size",
        ),
        ({"entries": [{"path": "f", "ref": "ftp://x/y"}]}, "INVALID_INPUT", "entries[0].ref"),
        ({"entries": [{"path": "f", "remove": True}]}, "INVALID_INPUT", "baseVersion"),
        ({"metadata": {f"k{i}": i for i in range(101)}}, "METADATA_TOO_LARGE", "metadata"),
        ({"metadata": {"blob": "x" * 70_000}}, "METADATA_TOO_LARGE", "metadata"),
        ({"metadata": [1, 2]}, "INVALID_INPUT", "metadata"),
        ({"aliases": ["v1"]}, "INVALID_NAME", "alias"),
        ({"ttlSeconds": -5}, "INVALID_INPUT", "ttlSeconds"),
        ({"runId": "no-such-run"}, "NOT_FOUND", "runId"),
        ({"baseVersion": "bm90LWFuLWlk"}, "INVALID_INPUT", "baseVersion"),
    ],
)
async def test_invalid_drafts_are_refused_with_a_stable_code_and_nothing_written(
    api: ApiClient,
    unique: Callable[[str], str],
    graph: Graph,
    overrides: dict[str, Any],
    code: str,
    field: str,
) -> None:
    org = unique("org")
    result = await _create(api, org, **overrides)
    assert result["draftId"] is None
    assert [(e["code"], e["field"]) for e in result["errors"]] == [(code, field)]
    row = await graph.read(fetch_one, ANYTHING_OF_ORG, org=org)
    assert row == {"versions": 0}


async def test_a_name_is_unique_in_its_project_whatever_the_type(
    api: ApiClient, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    await log_files(api, org, "thing", {"f": unique_bytes()})
    result = await _create(api, org, artifact="thing", type="model")
    assert result["errors"][0]["code"] == "CONFLICT"


async def test_one_blob_declared_with_two_sizes_is_a_size_mismatch(
    api: ApiClient, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    data = unique_bytes()
    entries = [
        {"path": "a", "digest": sha(data), "size": len(data)},
        {"path": "b", "digest": sha(data), "size": len(data) + 1},
    ]
    result = await _create(api, org, entries=entries)
    assert result["errors"][0]["code"] == "SIZE_MISMATCH"


async def test_unknown_drafts_and_versions_are_not_found(api: ApiClient) -> None:
    commit = await api.data(
        'mutation { commitArtifactDraft(input: {draftId: "nope"}) { errors { code } } }'
    )
    assert commit["commitArtifactDraft"]["errors"] == [{"code": "NOT_FOUND"}]
    bad_id = await api.data(
        'mutation { setArtifactAlias(input: {versionId: "x", alias: "a"}) { errors { code } } }'
    )
    assert bad_id["setArtifactAlias"]["errors"] == [{"code": "INVALID_INPUT"}]
