"""Issue 11, 2.8: no alias passes for a protected one by case, and no manifest path carries a
Windows drive or a bidirectional control character, whoever the client is."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.conftest import ApiClient
from tests.sdk.support import CREATE_DRAFT, log_files, sha, unique_bytes

SET_ALIAS = """
mutation($v: ID!, $a: String!) {
  setArtifactAlias(input: {versionId: $v, alias: $a}) { version { aliases } errors { code } }
}
"""

REMOVE_ALIAS = """
mutation($p: String!, $a: String!) {
  removeArtifactAlias(input: {artifact: $p, alias: $a}) { errors { code } }
}
"""


async def _draft_errors(
    api: ApiClient, org: str, path: str, aliases: list[str] | None = None
) -> list[dict[str, object]]:
    data = unique_bytes(path)
    answer = await api.data(
        CREATE_DRAFT,
        {
            "input": {
                "organization": org,
                "project": "p",
                "artifact": "ds",
                "type": "dataset",
                "aliases": aliases,
                "entries": [{"path": path, "digest": sha(data), "size": len(data)}],
            }
        },
    )
    errors: list[dict[str, object]] = answer["createArtifactDraft"]["errors"]
    return errors


async def test_latest_in_another_case_is_refused_like_latest(
    api: ApiClient, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    version = (await log_files(api, org, "ds", {"f": unique_bytes("f")}))["version"]
    for alias in ("LATEST", "Latest", "latesT"):
        answer = await api.data(SET_ALIAS, {"v": version["id"], "a": alias})
        assert answer["setArtifactAlias"]["errors"] == [{"code": "PROTECTED_ALIAS"}], alias
        removed = await api.data(REMOVE_ALIAS, {"p": f"{org}/p/ds", "a": alias})
        assert removed["removeArtifactAlias"]["errors"] == [{"code": "PROTECTED_ALIAS"}], alias
        errors = await _draft_errors(api, org, "g", aliases=["staging", alias])
        assert [e["code"] for e in errors] == ["PROTECTED_ALIAS"], alias
    # other aliases keep their case
    answer = await api.data(SET_ALIAS, {"v": version["id"], "a": "Staging"})
    assert answer["setArtifactAlias"]["version"]["aliases"] == ["Staging", "latest"]


@pytest.mark.parametrize(
    "path",
    [
        "C:x",
        "c:/x",
        "z:",
        "D:data/file.csv",
        "report\u202etxt.exe",
        "\u202ax",
        "a/\u202bb",
        "\u202cx",
        "x\u202d",
        "x\u2066y",
        "x\u2067y",
        "x\u2068y",
        "dir/x\u2069",
        "x\u200e",
        "x\u200fy",
    ],
)
async def test_drive_prefixes_and_bidi_controls_are_refused_at_draft_time(
    api: ApiClient, unique: Callable[[str], str], path: str
) -> None:
    errors = await _draft_errors(api, unique("org"), path)
    assert [e["code"] for e in errors] == ["INVALID_PATH"]


@pytest.mark.parametrize("path", ["run:2/x", "notes/é ü.txt", "مرحبا/שלום.txt"])
async def test_other_colons_and_right_to_left_letters_stay_allowed(
    api: ApiClient, unique: Callable[[str], str], path: str
) -> None:
    assert await _draft_errors(api, unique("org"), path) == []
