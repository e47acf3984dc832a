"""Behaviour 1 and 3: drafts, direct uploads to S3, commit, dedup; over GraphQL with real S3."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from graph.core.driver import Graph
from graph.core.tx import fetch_all
from storage.base import BlobStore
from storage.multipart import MiB
from tests.conftest import ApiClient
from tests.sdk.support import (
    VERSION_FIELDS,
    commit,
    create_draft,
    log_files,
    sha,
    unique_bytes,
    upload_all,
)

VERSION = "query($p: String!) { artifactVersion(path: $p) {" + VERSION_FIELDS + "} }"


async def test_a_draft_asks_only_for_missing_blobs_and_commit_creates_v0(
    api: ApiClient, unique: Callable[[str], str], s3_store: BlobStore
) -> None:
    org = unique("org")
    files = {"a.txt": unique_bytes("a"), "dir/b.bin": unique_bytes("b", 3000)}
    draft = await create_draft(api, org, "ds", files, description="first", tags=["raw"])
    assert sorted(u["digest"] for u in draft["uploads"]) == sorted(sha(d) for d in files.values())
    assert all(u["method"] == "PUT" and u["url"].startswith("http") for u in draft["uploads"])

    # A draft is never visible as a version.
    assert (await api.data(VERSION, {"p": f"{org}/p/ds"}))["artifactVersion"] is None

    async with httpx.AsyncClient() as http:
        await upload_all(
            api, http, draft["draftId"], draft["uploads"], {sha(d): d for d in files.values()}
        )
    result = await commit(api, draft["draftId"])
    assert result["errors"] == [] and result["created"] is True
    version = result["version"]
    assert (version["index"], version["version"], version["path"]) == (0, "v0", f"{org}/p/ds:v0")
    assert (version["fileCount"], version["size"]) == (2, sum(len(d) for d in files.values()))
    assert (version["description"], version["tags"], version["aliases"]) == (
        "first",
        ["raw"],
        ["latest"],
    )
    assert version["artifact"]["type"] == "dataset" and version["state"] == "COMMITTED"
    for data in files.values():
        assert await s3_store.size(sha(data)) == len(data)
    found = await api.data(VERSION, {"p": f"{org}/p/ds:latest"})
    assert found["artifactVersion"]["id"] == version["id"]


async def test_relogging_the_same_content_uploads_nothing_and_returns_the_same_version(
    api: ApiClient, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    files = {"x": unique_bytes("x"), "y": unique_bytes("y")}
    first = await log_files(api, org, "ds", files)
    again = await create_draft(api, org, "ds", files)
    assert again["uploads"] == []
    second = await commit(api, again["draftId"])
    assert second["created"] is False
    assert second["version"]["id"] == first["version"]["id"]
    assert second["version"]["digest"] == first["version"]["digest"]
    versions = await api.data(
        "query($p: String!) { artifact(path: $p) { versionCount versions { totalCount } } }",
        {"p": f"{org}/p/ds"},
    )
    assert versions["artifact"] == {"versionCount": 1, "versions": {"totalCount": 1}}


async def test_a_blob_is_stored_once_across_artifacts_and_only_new_ones_are_asked_for(
    api: ApiClient, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    shared = unique_bytes("shared")
    await log_files(api, org, "one", {"s": shared})
    draft = await create_draft(api, org, "two", {"copy/of/s": shared, "new": unique_bytes("n")})
    assert [u["digest"] for u in draft["uploads"]] != [sha(shared)]
    assert sha(shared) not in {u["digest"] for u in draft["uploads"]}
    assert len(draft["uploads"]) == 1


async def test_large_blobs_go_through_multipart_and_are_verified(
    api: ApiClient, unique: Callable[[str], str], s3_store: BlobStore
) -> None:
    org = unique("org")
    big = unique_bytes("big", 6 * MiB + 17)
    result = await log_files(api, org, "model", {"weights.bin": big}, type="model")
    assert result["errors"] == [] and result["created"]
    assert await s3_store.size(sha(big)) == len(big)


async def test_commit_without_uploading_is_missing_blob_and_writes_nothing(
    api: ApiClient, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    result = await log_files(api, org, "ds", {"f": unique_bytes()}, skip_upload=True)
    assert result["version"] is None
    assert result["errors"][0]["code"] == "MISSING_BLOB"
    assert (await api.data(VERSION, {"p": f"{org}/p/ds"}))["artifactVersion"] is None
    artifact = await api.data(
        "query($p: String!) { artifact(path: $p) { id } }", {"p": f"{org}/p/ds"}
    )
    assert artifact["artifact"] is None


async def test_a_blob_in_the_store_is_not_trusted_until_the_draft_uploads_it(
    api: ApiClient, unique: Callable[[str], str], s3_store: BlobStore
) -> None:
    from tests.storage.helpers import chunks

    org = unique("org")
    data = unique_bytes("sized", 100)
    await s3_store.put_stream(sha(data), chunks(data))
    for size in (150, 100):  # neither its size nor its presence is revealed
        entries = [{"path": "f", "digest": sha(data), "size": size}]
        draft = await create_draft(api, org, "ds", {}, entries=entries)
        assert [(u["digest"], u["size"]) for u in draft["uploads"]] == [(sha(data), size)]
        result = await commit(api, draft["draftId"])
        assert result["errors"][0]["code"] == "MISSING_BLOB"


async def test_expected_digest_and_multipart_bytes_are_checked(
    api: ApiClient, unique: Callable[[str], str], s3_store: BlobStore
) -> None:
    org = unique("org")
    files = {"f": unique_bytes()}
    draft = await create_draft(api, org, "ds", files)
    async with httpx.AsyncClient() as http:
        await upload_all(
            api, http, draft["draftId"], draft["uploads"], {sha(d): d for d in files.values()}
        )
    wrong = await commit(api, draft["draftId"], expectedDigest="0" * 64)
    assert wrong["errors"][0]["code"] == "DIGEST_MISMATCH"
    right = await commit(api, draft["draftId"])
    assert right["created"] is True

    big = unique_bytes("mp", 6 * MiB)
    draft = await create_draft(api, org, "model", {"w": big}, type="model")
    plan = draft["uploads"][0]["multipart"]
    parts = []
    async with httpx.AsyncClient() as http:
        forged = bytes(len(big))
        for number, url in enumerate(plan["partUrls"], start=1):
            body = forged[(number - 1) * plan["partSize"] : number * plan["partSize"]]
            response = await http.put(url, content=body)
            parts.append({"partNumber": number, "etag": response.headers["etag"]})
    done = await api.data(
        "mutation($i: CompleteMultipartUploadInput!) { completeMultipartUpload(input: $i) {"
        " digest errors { code } } }",
        {
            "i": {
                "draftId": draft["draftId"],
                "digest": sha(big),
                "uploadId": plan["uploadId"],
                "parts": parts,
            }
        },
    )
    assert done["completeMultipartUpload"]["errors"] == [{"code": "DIGEST_MISMATCH"}]
    assert not await s3_store.exists(sha(big))


CONFIRM = """
mutation($input: ConfirmArtifactUploadsInput!) {
  confirmArtifactUploads(input: $input) { confirmed missing errors { code field } }
}
"""


async def test_confirming_uploads_checks_them_in_the_store_before_the_commit(
    api: ApiClient, unique: Callable[[str], str], graph: Graph
) -> None:
    org = unique("org")
    files = {"a": unique_bytes("a"), "b": unique_bytes("b")}
    draft = await create_draft(api, org, "ds", files)
    targets = {u["digest"]: u for u in draft["uploads"]}
    digests = [sha(files["a"]), sha(files["b"])]
    async with httpx.AsyncClient() as http:
        await upload_all(
            api, http, draft["draftId"], [targets[digests[0]]], {digests[0]: files["a"]}
        )
        first = await api.data(
            CONFIRM, {"input": {"draftId": draft["draftId"], "digests": digests}}
        )
        assert first["confirmArtifactUploads"] == {
            "confirmed": 1,
            "missing": [digests[1]],
            "errors": [],
        }
        stored = await graph.read(
            fetch_all,
            "UNWIND $d AS digest MATCH (b:Blob {digest: digest}) RETURN b.stored AS stored",
            d=digests,
        )
        assert [row["stored"] for row in stored] == [True, False]
        await upload_all(
            api, http, draft["draftId"], [targets[digests[1]]], {digests[1]: files["b"]}
        )
    second = await api.data(CONFIRM, {"input": {"draftId": draft["draftId"], "digests": digests}})
    assert second["confirmArtifactUploads"] == {"confirmed": 2, "missing": [], "errors": []}
    assert (await commit(api, draft["draftId"]))["created"] is True
    bad = await api.data(CONFIRM, {"input": {"draftId": draft["draftId"], "digests": digests}})
    assert bad["confirmArtifactUploads"]["errors"] == [{"code": "NOT_FOUND", "field": "draftId"}]
