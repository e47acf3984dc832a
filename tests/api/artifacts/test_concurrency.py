"""Behaviour 2: concurrent commits from many clients across two API processes number v0..vN-1."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from graph.core.driver import Graph
from graph.core.tx import fetch_one
from services.s3_server import S3Endpoint
from tests.conftest import ApiClient, SessionUser
from tests.sdk.live import S3LiveServer, start_s3_live_server
from tests.sdk.support import COMMIT, CREATE_DRAFT, entries_of, sha, unique_bytes, upload_all

COUNTS = """
MATCH (:Organization {name: $org})-[:HAS_PROJECT]->()-[:HAS_ARTIFACT]->(a {name: 'shared'})
OPTIONAL MATCH (a)-[:HAS_VERSION]->(v:ArtifactVersion)
RETURN a.next_index AS next, count(v) AS versions, count(DISTINCT v.index) AS distinct_indexes
"""

LATEST = """
MATCH (:Organization {name: $org})-[:HAS_PROJECT]->()-[:HAS_ARTIFACT]->(a {name: 'shared'})
MATCH (:Alias {artifact_id: a.id, name: 'latest'})-[:POINTS_TO]->(v)
RETURN v.index AS index
"""

WRITERS = 16
DUPLICATES = 4


@pytest.fixture(scope="module")
def two_servers(
    neo4j_uri: str, s3_server: S3Endpoint, s3_bucket: str, session_user: SessionUser
) -> Iterator[list[S3LiveServer]]:
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    servers = [
        start_s3_live_server(neo4j_uri, s3_server, s3_bucket, prefix, session_user.api_key)
        for _ in range(2)
    ]
    yield servers
    for server in servers:
        server.stop()


async def _draft(client: ApiClient, org: str, files: dict[str, bytes]) -> str:
    data = await client.data(
        CREATE_DRAFT,
        {
            "input": {
                "organization": org,
                "project": "p",
                "artifact": "shared",
                "type": "dataset",
                "entries": entries_of(files),
            }
        },
    )
    payload = data["createArtifactDraft"]
    assert payload["errors"] == []
    async with httpx.AsyncClient(timeout=60) as http:
        await upload_all(
            client,
            http,
            payload["draftId"],
            payload["uploads"],
            {sha(d): d for d in files.values()},
        )
    return str(payload["draftId"])


async def test_concurrent_commits_on_two_api_processes_take_v0_to_vn_minus_1(
    two_servers: list[S3LiveServer], unique: Callable[[str], str], graph: Graph
) -> None:
    org = unique("org")
    clients = []
    https = []
    for server in two_servers:
        http = httpx.AsyncClient(base_url=server.url, headers=server.headers, timeout=120)
        https.append(http)
        clients.append(ApiClient(http=http))
    try:
        contents = [{"f": unique_bytes(str(i))} for i in range(WRITERS)]
        contents += [contents[0]] * DUPLICATES
        drafts = await asyncio.gather(
            *(_draft(clients[i % 2], org, files) for i, files in enumerate(contents))
        )

        async def commit(i: int, draft_id: str) -> dict[str, Any]:
            data = await clients[i % 2].data(COMMIT, {"input": {"draftId": draft_id}})
            payload: dict[str, Any] = data["commitArtifactDraft"]
            assert payload["errors"] == [], payload["errors"]
            return payload

        results = await asyncio.gather(*(commit(i, d) for i, d in enumerate(drafts)))
    finally:
        for http in https:
            await http.aclose()

    created = [r["version"]["index"] for r in results if r["created"]]
    assert sorted(created) == list(range(WRITERS))
    same_content = {r["version"]["index"] for i, r in enumerate(results) if i == 0 or i >= WRITERS}
    assert len(same_content) == 1
    row = await graph.read(fetch_one, COUNTS, org=org)
    assert row == {"next": WRITERS, "versions": WRITERS, "distinct_indexes": WRITERS}
    latest = await graph.read(fetch_one, LATEST, org=org)
    assert latest == {"index": WRITERS - 1}
