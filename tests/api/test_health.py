from __future__ import annotations

import httpx

from tests.conftest import ApiClient, LiveServer


async def test_healthz_and_readyz_are_green_against_real_services(api: ApiClient) -> None:
    assert (await api.http.get("/healthz")).json() == {"status": "ok"}
    ready = await api.http.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "checks": {"neo4j": "ok", "blob_store": "ok"}}


async def test_live_server_answers_typename_and_serves_graphiql(
    live_local_server: LiveServer,
) -> None:
    async with httpx.AsyncClient(base_url=live_local_server.url) as http:
        answer = await http.post(
            "/graphql", json={"query": "{ __typename serverInfo { blobStore } }"}
        )
        assert answer.json() == {
            "data": {"__typename": "Query", "serverInfo": {"blobStore": "local"}}
        }
        page = await http.get("/graphql", headers={"accept": "text/html"})
        assert "graphiql" in page.text.lower()
        assert (await http.get("/readyz")).status_code == 200


async def test_oversized_request_bodies_are_refused(api: ApiClient) -> None:
    response = await api.http.post(
        "/graphql", content=b"x" * (5 * 1024 * 1024), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
