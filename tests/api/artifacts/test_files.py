"""Behaviour 5: files paged with totals and download URLs, the manifest, many versions at once."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

import httpx

from graph.artifacts.manifests import HEADER
from tests.conftest import ApiClient
from tests.sdk.support import (
    ADD_ENTRIES,
    commit,
    create_draft,
    log_files,
    sha,
    unique_bytes,
    upload_all,
)

FILES = """
query($p: String!, $first: Int, $after: String) {
  artifactVersion(path: $p) {
    fileCount
    files(first: $first, after: $after) {
      totalCount pageInfo { hasNextPage endCursor }
      edges { node { path digest size ref url } }
    }
    manifest { format formatVersion digest size url }
  }
}
"""

MANY = """
query($ids: [ID!]!, $first: Int) {
  artifactFiles(versionIds: $ids, first: $first) {
    version { index artifact { name } }
    files { totalCount edges { node { path url } } }
  }
}
"""


async def test_files_are_paged_in_path_order_and_download_to_the_logged_bytes(
    api: ApiClient, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    files = {f"d/{i:03d}.txt": unique_bytes(str(i), 50 + i) for i in range(25)}
    files["a-top"] = unique_bytes("top")
    await log_files(api, org, "ds", files)
    seen: list[dict[str, object]] = []
    after = None
    while True:
        page = await api.data(FILES, {"p": f"{org}/p/ds", "first": 10, "after": after})
        version = page["artifactVersion"]
        assert version["files"]["totalCount"] == 26 == version["fileCount"]
        seen += [edge["node"] for edge in version["files"]["edges"]]
        if not version["files"]["pageInfo"]["hasNextPage"]:
            break
        after = version["files"]["pageInfo"]["endCursor"]
    assert [f["path"] for f in seen] == ["a-top", *sorted(p for p in files if p.startswith("d/"))]
    async with httpx.AsyncClient() as http:
        for file in seen:
            body = (await http.get(str(file["url"]))).content
            assert body == files[str(file["path"])]
            assert sha(body) == file["digest"] and len(body) == file["size"]

        manifest = version["manifest"]
        text = (await http.get(manifest["url"])).text
    assert (manifest["format"], manifest["formatVersion"]) == ("lineage.manifest", 1)
    assert (
        hashlib.sha256(text.encode()).hexdigest() == manifest["digest"] == await _digest(api, org)
    )
    lines = text.splitlines(keepends=True)
    assert lines[0] == HEADER and len(lines) == 27
    assert json.loads(lines[1])["path"] == "a-top"


async def _digest(api: ApiClient, org: str) -> str:
    data = await api.data(
        "query($p: String!) { artifactVersion(path: $p) { digest } }", {"p": f"{org}/p/ds"}
    )
    return str(data["artifactVersion"]["digest"])


async def test_files_of_many_versions_come_in_one_request(
    api: ApiClient, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    ids = []
    for i in range(12):
        payload = await log_files(
            api, org, f"small-{i}", {"x.bin": unique_bytes(str(i)), "y": unique_bytes()}
        )
        ids.append(payload["version"]["id"])
    data = await api.data(MANY, {"ids": [*ids, ids[0]], "first": 5})
    answers = data["artifactFiles"]
    assert [a["version"]["artifact"]["name"] for a in answers] == [
        *(f"small-{i}" for i in range(12)),
        "small-0",
    ]
    assert all(a["files"]["totalCount"] == 2 and len(a["files"]["edges"]) == 2 for a in answers)
    assert all(e["node"]["url"].startswith("http") for a in answers for e in a["files"]["edges"])
    too_many = await api.gql(MANY, {"ids": ids, "first": 5000})
    assert too_many["errors"][0]["extensions"]["code"] == "INVALID_INPUT"


async def test_a_manifest_can_be_sent_in_several_batches_in_path_order(
    api: ApiClient, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    files = {f"f/{i:04d}": unique_bytes(str(i)) for i in range(300)}
    paths = sorted(files)
    first = {p: files[p] for p in paths[:100]}
    draft = await create_draft(api, org, "ds", first)
    by_digest = {sha(d): d for d in files.values()}
    async with httpx.AsyncClient() as http:
        await upload_all(api, http, draft["draftId"], draft["uploads"], by_digest)
        for chunk in (paths[100:200], paths[200:]):
            added = await api.data(
                ADD_ENTRIES,
                {
                    "input": {
                        "draftId": draft["draftId"],
                        "entries": [
                            {"path": p, "digest": sha(files[p]), "size": len(files[p])}
                            for p in chunk
                        ],
                    }
                },
            )
            assert added["addArtifactDraftEntries"]["errors"] == []
            await upload_all(
                api, http, draft["draftId"], added["addArtifactDraftEntries"]["uploads"], by_digest
            )
    out_of_order = await api.data(
        ADD_ENTRIES,
        {
            "input": {
                "draftId": draft["draftId"],
                "entries": [{"path": "a", "digest": "0" * 64, "size": 1}],
            }
        },
    )
    assert out_of_order["addArtifactDraftEntries"]["errors"][0]["code"] == "INVALID_PATH"
    result = await commit(api, draft["draftId"])
    assert result["version"]["fileCount"] == 300
    page = await api.data(FILES, {"p": f"{org}/p/ds", "first": 1000})
    assert [e["node"]["path"] for e in page["artifactVersion"]["files"]["edges"]] == paths
