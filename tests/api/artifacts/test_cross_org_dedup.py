"""Dedup stays inside an organisation: knowing a digest another organisation stored is not
owning its bytes. A draft of organisation B that declares a digest only organisation A holds is
answered exactly as for a digest nobody holds: upload it, or the commit fails; nothing tells B
that A has it, nor its size. Real Neo4j, real S3 (versitygw), over GraphQL."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import httpx

from storage.base import BlobStore
from storage.multipart import MiB
from tests.conftest import ApiClient
from tests.sdk.support import commit, create_draft, log_files, sha, unique_bytes

CONFIRM = """
mutation($input: ConfirmArtifactUploadsInput!) {
  confirmArtifactUploads(input: $input) { confirmed missing errors { code message field } }
}
"""

FILES = """
query($p: String!) {
  artifactVersion(path: $p) { files { edges { node { path digest url } } } }
}
"""

COMPLETE = """
mutation($i: CompleteMultipartUploadInput!) {
  completeMultipartUpload(input: $i) { digest errors { code message field } }
}
"""


def _shape(upload: dict[str, Any], draft_id: str) -> dict[str, Any]:
    """An upload target with everything that names this draft or blob (or is signed) blanked."""
    digest = upload["digest"]

    def blank(text: str) -> str:
        return text.replace(digest, "D").replace(draft_id, "X")

    plan = upload["multipart"]
    url = upload["url"]
    return {
        "size": upload["size"],
        "method": upload["method"],
        "path": None if url is None else blank(url.split("?")[0]),
        "query": None
        if url is None
        else sorted(p.split("=")[0] for p in url.split("?")[1].split("&")),
        "headers": sorted(upload["headers"]),
        "parts": None if plan is None else (plan["partSize"], len(plan["partUrls"])),
    }


def _blank(payload: dict[str, Any], digest: str) -> dict[str, Any]:
    """An error list with the digest (the one thing the caller chose) blanked."""
    return {
        **payload,
        "errors": [
            {**error, "message": error["message"].replace(digest, "D")}
            for error in payload["errors"]
        ],
    }


async def _draft(api: ApiClient, org: str, digest: str, size: int) -> dict[str, Any]:
    return await create_draft(
        api, org, "copy", {}, entries=[{"path": "f.bin", "digest": digest, "size": size}]
    )


async def test_a_digest_only_another_organisation_holds_is_answered_like_an_unknown_one(
    api: ApiClient, unique: Callable[[str], str], s3_store: BlobStore
) -> None:
    owner, other, control = unique("owner"), unique("other"), unique("control")
    secret = unique_bytes("secret", 300)
    logged = await log_files(api, owner, "ds", {"secret.bin": secret})
    assert logged["errors"] == [] and logged["created"]
    nobodys = unique_bytes("nobody", 300)

    for size in (300, 299):  # the right size, and a wrong one (no "stored with size N")
        held = await _draft(api, other, sha(secret), size)
        unknown = await _draft(api, control, sha(nobodys), size)
        # Asked to upload, in the same form as for a digest nobody holds.
        assert [u["digest"] for u in held["uploads"]] == [sha(secret)]
        assert [_shape(u, held["draftId"]) for u in held["uploads"]] == [
            _shape(u, unknown["draftId"]) for u in unknown["uploads"]
        ]
        # The store is not asked on the caller's behalf: not confirmed, still missing.
        for draft, digest in ((held, sha(secret)), (unknown, sha(nobodys))):
            confirmed = await api.data(
                CONFIRM, {"input": {"draftId": draft["draftId"], "digests": [digest]}}
            )
            assert confirmed["confirmArtifactUploads"] == {
                "confirmed": 0,
                "missing": [digest],
                "errors": [],
            }
        # No commit without uploading, with the very same error.
        refused = await commit(api, held["draftId"])
        refused_unknown = await commit(api, unknown["draftId"])
        assert refused["version"] is None and refused["errors"][0]["code"] == "MISSING_BLOB"
        assert _blank(refused, sha(secret)) == _blank(refused_unknown, sha(nobodys))

    # Nothing of the other organisation became readable to it.
    missing = await api.data(FILES, {"p": f"{other}/p/copy:latest"})
    assert missing["artifactVersion"] is None
    assert await s3_store.size(sha(secret)) == len(secret)


async def test_uploading_the_bytes_is_the_proof_and_looks_the_same_whoever_holds_them(
    api: ApiClient, unique: Callable[[str], str], s3_store: BlobStore
) -> None:
    owner, other, control = unique("owner"), unique("other"), unique("control")
    secret = unique_bytes("secret", 300)
    await log_files(api, owner, "ds", {"secret.bin": secret})
    nobodys = unique_bytes("nobody", 300)
    statuses: list[list[int]] = []
    async with httpx.AsyncClient() as http:
        for org, data in ((other, secret), (control, nobodys)):
            draft = await _draft(api, org, sha(data), len(data))
            [target] = draft["uploads"]
            response = await http.put(target["url"], content=data, headers=target["headers"])
            statuses.append([response.status_code])  # never 412 "already stored"
            result = await commit(api, draft["draftId"])
            assert result["errors"] == [] and result["created"]
            files = await api.data(FILES, {"p": f"{org}/p/copy:latest"})
            [edge] = files["artifactVersion"]["files"]["edges"]
            downloaded = await http.get(edge["node"]["url"])
            assert hashlib.sha256(downloaded.content).hexdigest() == sha(data)
    assert statuses == [[200], [200]]
    assert await s3_store.size(sha(secret)) == len(secret)


async def test_forged_multipart_parts_for_a_held_digest_fail_and_leave_the_stored_blob_intact(
    api: ApiClient, unique: Callable[[str], str], s3_store: BlobStore
) -> None:
    owner, other = unique("owner"), unique("other")
    big = unique_bytes("big", 6 * MiB + 5)
    assert (await log_files(api, owner, "model", {"w": big}, type="model"))["created"]
    draft = await _draft(api, other, sha(big), len(big))
    [target] = draft["uploads"]
    plan = target["multipart"]
    parts = []
    async with httpx.AsyncClient() as http:
        forged = bytes(len(big))
        for number, url in enumerate(plan["partUrls"], start=1):
            body = forged[(number - 1) * plan["partSize"] : number * plan["partSize"]]
            response = await http.put(url, content=body)
            parts.append({"partNumber": number, "etag": response.headers["etag"]})
    done = await api.data(
        COMPLETE,
        {
            "i": {
                "draftId": draft["draftId"],
                "digest": sha(big),
                "uploadId": plan["uploadId"],
                "parts": parts,
            }
        },
    )
    assert [e["code"] for e in done["completeMultipartUpload"]["errors"]] == ["DIGEST_MISMATCH"]
    assert (await commit(api, draft["draftId"]))["errors"][0]["code"] == "MISSING_BLOB"
    assert await s3_store.size(sha(big)) == len(big)


async def test_inside_one_organisation_known_blobs_are_not_asked_for_again(
    api: ApiClient, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    shared = unique_bytes("shared")
    await log_files(api, org, "one", {"s": shared}, project="p1")
    draft = await create_draft(api, org, "two", {"s": shared}, project="p2")
    assert draft["uploads"] == []
    result = await commit(api, draft["draftId"])
    assert result["errors"] == [] and result["created"]
    # The declared size is checked against the organisation's own blob.
    wrong = await api.gql(
        """mutation($input: CreateArtifactDraftInput!) {
          createArtifactDraft(input: $input) { draftId errors { code } } }""",
        {
            "input": {
                "organization": org,
                "project": "p3",
                "artifact": "three",
                "type": "dataset",
                "entries": [{"path": "s", "digest": sha(shared), "size": len(shared) + 1}],
            }
        },
    )
    assert wrong["data"]["createArtifactDraft"]["errors"] == [{"code": "SIZE_MISMATCH"}]
