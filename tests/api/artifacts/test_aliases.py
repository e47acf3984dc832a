"""Behaviour 4: `latest` follows commits, custom aliases move with history, paths resolve."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graph.core.driver import Graph
from graph.core.tx import fetch_all
from tests.conftest import ApiClient, SessionUser
from tests.sdk.support import log_files, unique_bytes

SET_ALIAS = """
mutation($v: ID!, $a: String!) {
  setArtifactAlias(input: {versionId: $v, alias: $a}) {
    version { index aliases } event { alias action fromIndex toIndex actor }
    errors { code field }
  }
}
"""

REMOVE_ALIAS = """
mutation($p: String!, $a: String!) {
  removeArtifactAlias(input: {artifact: $p, alias: $a}) {
    event { action fromIndex toIndex } errors { code }
  }
}
"""

RESOLVE = "query($p: String!) { artifactVersion(path: $p) { index } }"

HISTORY = """
query($p: String!, $alias: String) {
  artifact(path: $p) {
    aliasHistory(alias: $alias, first: 50) {
      totalCount edges { node { alias action fromIndex toIndex actor } }
    }
  }
}
"""


async def _three_versions(api: ApiClient, org: str) -> list[dict[str, Any]]:
    return [
        (await log_files(api, org, "ds", {"f": unique_bytes(str(i))}))["version"] for i in range(3)
    ]


async def _index(api: ApiClient, path: str) -> int | None:
    found = (await api.data(RESOLVE, {"p": path}))["artifactVersion"]
    return None if found is None else int(found["index"])


async def test_latest_follows_commits_and_every_selector_resolves(
    api: ApiClient, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    v0, _, v2 = await _three_versions(api, org)
    assert v2["aliases"] == ["latest"]
    assert await _index(api, f"{org}/p/ds") == 2
    assert await _index(api, f"{org}/p/ds:latest") == 2
    assert await _index(api, f"{org}/p/ds:v0") == 0
    assert await _index(api, f"{org}/p/ds:{v0['digest']}") == 0
    assert await _index(api, f"{org}/p/ds:v9") is None
    assert await _index(api, f"{org}/p/ds:nope") is None
    bad = await api.gql(RESOLVE, {"p": f"{org}/ds"})
    assert bad["errors"][0]["extensions"]["code"] == "INVALID_PATH"
    bad = await api.gql(RESOLVE, {"p": f"{org}/p/ds:has space"})
    assert bad["errors"][0]["extensions"]["code"] == "INVALID_PATH"


async def test_custom_aliases_move_and_every_move_is_history(
    api: ApiClient, unique: Callable[[str], str], graph: Graph, session_user: SessionUser
) -> None:
    org = unique("org")
    v0, v1, _ = await _three_versions(api, org)
    added = await api.data(SET_ALIAS, {"v": v0["id"], "a": "best"})
    assert added["setArtifactAlias"]["event"] == {
        "alias": "best",
        "action": "add",
        "fromIndex": None,
        "toIndex": 0,
        "actor": session_user.name,
    }
    same = await api.data(SET_ALIAS, {"v": v0["id"], "a": "best"})
    assert same["setArtifactAlias"]["event"] is None
    moved = await api.data(SET_ALIAS, {"v": v1["id"], "a": "best"})
    assert moved["setArtifactAlias"]["event"]["action"] == "move"
    assert (
        moved["setArtifactAlias"]["event"]["fromIndex"],
        moved["setArtifactAlias"]["event"]["toIndex"],
    ) == (0, 1)
    assert await _index(api, f"{org}/p/ds:best") == 1
    removed = await api.data(REMOVE_ALIAS, {"p": f"{org}/p/ds", "a": "best"})
    assert removed["removeArtifactAlias"]["event"] == {
        "action": "remove",
        "fromIndex": 1,
        "toIndex": None,
    }
    assert await _index(api, f"{org}/p/ds:best") is None

    history = await api.data(HISTORY, {"p": f"{org}/p/ds", "alias": "best"})
    events = [e["node"] for e in history["artifact"]["aliasHistory"]["edges"]]
    assert [(e["action"], e["fromIndex"], e["toIndex"]) for e in events] == [
        ("remove", 1, None),
        ("move", 0, 1),
        ("add", None, 0),
    ]
    latest = await api.data(HISTORY, {"p": f"{org}/p/ds", "alias": "latest"})
    moves = [e["node"] for e in latest["artifact"]["aliasHistory"]["edges"]]
    assert [(e["fromIndex"], e["toIndex"]) for e in moves] == [(1, 2), (0, 1), (None, 0)]

    audit = await graph.read(
        fetch_all,
        "MATCH (o:Organization {name: $org}) MATCH (e:AuditEvent {org_id: o.id}) "
        "RETURN e.action AS action ORDER BY e.at",
        org=org,
    )
    actions = [row["action"] for row in audit]
    assert actions.count("artifact_version.create") == 3
    assert actions[-3:] == ["alias.add", "alias.move", "alias.remove"]


async def test_alias_names_are_validated_and_latest_is_protected(
    api: ApiClient, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    [v0, *_] = await _three_versions(api, org)
    for alias, code in [
        ("v3", "INVALID_NAME"),
        ("a b", "INVALID_NAME"),
        ("latest", "PROTECTED_ALIAS"),
    ]:
        result = await api.data(SET_ALIAS, {"v": v0["id"], "a": alias})
        assert result["setArtifactAlias"]["errors"][0]["code"] == code, alias
    missing = await api.data(REMOVE_ALIAS, {"p": f"{org}/p/ds", "a": "never-set"})
    assert missing["removeArtifactAlias"]["errors"] == [{"code": "NOT_FOUND"}]


async def test_aliases_given_at_log_time_point_at_the_result_even_when_deduplicated(
    api: ApiClient, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    files = {"f": unique_bytes()}
    first = await log_files(api, org, "ds", files, aliases=["prod"])
    assert first["version"]["aliases"] == ["latest", "prod"]
    await log_files(api, org, "ds", {"f": unique_bytes()})
    again = await log_files(api, org, "ds", files, aliases=["again"])
    assert again["created"] is False
    assert again["version"]["aliases"] == ["again", "prod"]
