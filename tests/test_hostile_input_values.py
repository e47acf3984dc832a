"""Hostile values over real HTTP: each is answered 400 or with a coded error, never a 500 or
`INTERNAL`.

The values are ones a client library can send without meaning harm: a JSON body that is a bare
scalar, a lone UTF-16 surrogate (valid JSON, invalid Unicode), integers beyond 64 bits in
cursors, cluster ids and literals, an id of a type that is not an object, a naive time beside an
aware one. Each request goes to a real uvicorn server (`live_local_server`).
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from api.access.query_limits import MAX_NUMBER_LITERAL
from api.pagination import encode_cursor
from tests.conftest import LiveServer

CREATE_PROJECT = (
    'mutation($o: String!) { createProject(input: {organization: $o, name: "p"}) '
    "{ errors { code } } }"
)
INGEST_RUNS = (
    "mutation($o: String!, $runs: [IngestRunInput!]!, $compact: JSON) { ingestLineage(input: "
    '{organization: $o, project: "p", runs: $runs, compactRuns: $compact}) '
    "{ runsCreated errors { code message field } } }"
)


@pytest.fixture
async def http(live_local_server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        base_url=live_local_server.url, headers=live_local_server.headers, timeout=60
    ) as client:
        yield client


async def post(http: httpx.AsyncClient, body: bytes) -> httpx.Response:
    return await http.post("/graphql", content=body, headers={"content-type": "application/json"})


async def gql(http: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None) -> Any:
    """POST one operation (json.dumps keeps lone surrogates as `\\ud800` escapes)."""
    response = await post(http, json.dumps({"query": query, "variables": variables or {}}).encode())
    assert response.status_code == 200, response.text
    return response.json()


def codes(body: dict[str, Any]) -> list[str | None]:
    return [(e.get("extensions") or {}).get("code") for e in body.get("errors") or []]


def assert_refused_cleanly(response: httpx.Response) -> None:
    """A 400, or a 200 whose every error carries a code other than INTERNAL."""
    assert response.status_code in (200, 400), (response.status_code, response.text)
    if response.status_code == 200:
        found = codes(response.json())
        assert found and None not in found and "INTERNAL" not in found, response.text


@pytest.fixture
async def org(http: httpx.AsyncClient, unique: Callable[[str], str]) -> str:
    name = unique("org")
    body = await gql(http, CREATE_PROJECT, {"o": name})
    assert body == {"data": {"createProject": {"errors": []}}}
    return name


@pytest.mark.parametrize("body", [b"1", b"true", b'"x"', b"null", b"-2.5"])
async def test_a_body_that_is_a_bare_json_scalar_is_a_400(
    http: httpx.AsyncClient, body: bytes
) -> None:
    response = await post(http, body)
    assert response.status_code == 400
    assert "must be a JSON object" in response.text


@pytest.mark.parametrize(
    "body",
    [
        # in a variable (Neo4j's driver cannot encode it: INTERNAL before)
        b'{"query": "query($o: String!) { organization(name: $o) { name } }", '
        b'"variables": {"o": "ab\\ud800"}}',
        # in the operation name (echoed in the refusal, which could not be encoded: HTTP 500)
        b'{"query": "query A { __typename }", "operationName": "\\udc00"}',
        # in a string literal of the document, and in a variable's name
        b'{"query": "{ organization(name: \\"\\ud800\\") { name } }"}',
        b'{"query": "{ __typename }", "variables": {"\\ud800": 1}}',
        # as raw UTF-8 bytes of a surrogate (Python's JSON decoder lets them through)
        b'{"query": "{ organization(name: \\"\xed\xa0\x80\\") { name } }"}',
    ],
)
async def test_a_lone_surrogate_anywhere_in_the_body_is_a_400(
    http: httpx.AsyncClient, body: bytes
) -> None:
    response = await post(http, body)
    assert response.status_code == 400, response.text
    assert "surrogate" in response.text


async def test_a_lone_surrogate_escaped_in_graphql_is_refused_by_the_parser(
    http: httpx.AsyncClient,
) -> None:
    body = await gql(http, '{ organization(name: "\\ud800") { name } }')
    assert body["data"] is None and "Invalid Unicode escape" in body["errors"][0]["message"]


async def test_a_paired_surrogate_is_an_ordinary_character(http: httpx.AsyncClient) -> None:
    body = await gql(http, "query($o: String!) { organization(name: $o) { name } }", {"o": "a😀"})
    assert body == {"data": {"organization": None}}


async def test_cursor_offsets_beyond_64_bits_are_invalid_input(
    http: httpx.AsyncClient, org: str
) -> None:
    query = (
        "query($o: String!, $a: String) { organization(name: $o) "
        "{ projects(after: $a) { totalCount edges { cursor } } } }"
    )
    for offset in [2**63, 2**64 + 5, 10**40]:
        body = await gql(http, query, {"o": org, "a": encode_cursor(offset)})
        assert codes(body) == ["INVALID_INPUT"], body
        assert body["errors"][0]["message"] == "Invalid cursor"
    digits = base64.urlsafe_b64encode(b"offset:" + b"9" * 5000).decode()
    body = await gql(http, query, {"o": org, "a": digits})
    assert codes(body) == ["INVALID_INPUT"]
    body = await gql(http, query, {"o": org, "a": encode_cursor(0)})
    assert body["data"]["organization"]["projects"]["totalCount"] == 1


async def test_huge_integer_literals_are_refused_with_a_code(http: httpx.AsyncClient) -> None:
    long = "9" * 5000
    for literal in [long, f"-{long}", f"1.{long}", f"1e{long}"]:
        body = await gql(
            http, f'{{ organization(name: "x") {{ projects(first: {literal}) {{ totalCount }} }} }}'
        )
        assert body["data"] is None and codes(body) == ["INVALID_INPUT"], body
        assert f"{MAX_NUMBER_LITERAL} characters" in body["errors"][0]["message"]
    # inside a JSON scalar too, where no Int bound applies (refused before anything runs)
    body = await gql(
        http,
        'mutation { createArtifactDraft(input: {organization: "x", project: "p", artifact: '
        f'"d", type: "dataset", metadata: {{a: {long}}}}}) {{ errors {{ code }} }} }}',
    )
    assert body["data"] is None and codes(body) == ["INVALID_INPUT"], body
    # in variables, the JSON decoder refuses it: a 400
    response = await post(
        http,
        b'{"query": "query($f: Int) { organization(name: \\"x\\") { projects(first: $f) '
        b'{ totalCount } } }", "variables": {"f": ' + long.encode() + b"}}",
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    "size",
    ["1.5", '"5"', "true", "9" * 40, "-" + "9" * 40, "{a: 1}"],
)
async def test_bigint_literals_of_the_wrong_kind_are_refused_not_internal(
    http: httpx.AsyncClient, org: str, size: str
) -> None:
    body = await gql(
        http,
        "mutation($o: String!) { createArtifactDraft(input: {organization: $o, project: "
        f'"p", artifact: "d", type: "dataset", entries: [{{path: "a", size: {size}}}]}}) '
        "{ errors { code } } }",
        {"o": org},
    )
    assert body["data"] is None, body
    assert "BigInt" in body["errors"][0]["message"]
    assert "INTERNAL" not in codes(body)


@pytest.mark.parametrize("size", [2**53, 2**63, 2**64, -(2**63) - 1, int("9" * 4000)])
async def test_bigint_variables_beyond_53_bits_are_refused(
    http: httpx.AsyncClient, org: str, size: int
) -> None:
    body = await gql(
        http,
        "mutation($o: String!, $e: [ArtifactEntryInput!]!) { createArtifactDraft(input: "
        '{organization: $o, project: "p", artifact: "d", type: "dataset", entries: $e}) '
        "{ errors { code } } }",
        {"o": org, "e": [{"path": "a", "digest": "0" * 64, "size": size}]},
    )
    assert body["data"] is None, body
    assert "53 bits" in body["errors"][0]["message"]


@pytest.mark.parametrize(
    "type_name", ["NoPe", "PageInfo", "ServerInfo", "Query", "Mutation", "String", "RunState"]
)
async def test_node_with_an_id_of_a_type_that_is_no_object_is_invalid_input(
    http: httpx.AsyncClient, type_name: str
) -> None:
    global_id = base64.b64encode(f"{type_name}:nope".encode()).decode()
    body = await gql(http, "query($i: ID!) { node(id: $i) { __typename } }", {"i": global_id})
    assert body["data"] == {"node": None}
    assert codes(body) == ["INVALID_INPUT"], body
    # the literal from the issue
    if type_name == "NoPe":
        body = await gql(http, '{ node(id: "Tm9QZTpub3Bl") { __typename } }')
        assert codes(body) == ["INVALID_INPUT"]


async def test_node_with_an_unknown_id_of_an_object_type_is_still_null(
    http: httpx.AsyncClient,
) -> None:
    global_id = base64.b64encode(f"Run:{uuid.uuid4().hex}".encode()).decode()
    body = await gql(http, "query($i: ID!) { node(id: $i) { __typename } }", {"i": global_id})
    assert body == {"data": {"node": None}}


def run_input(**times: str) -> dict[str, Any]:
    return {"id": f"run{uuid.uuid4().hex[:12]}", "jobType": "train", **times}


async def test_ingest_with_one_aware_and_one_naive_time_is_invalid_input(
    http: httpx.AsyncClient, org: str
) -> None:
    aware, naive = "2024-01-01T00:00:00+00:00", "2024-01-01T01:00:00"
    for times, field in [
        ({"startedAt": aware, "finishedAt": naive}, "finishedAt"),
        ({"startedAt": naive, "finishedAt": aware}, "startedAt"),
        ({"startedAt": naive, "finishedAt": naive}, "startedAt"),
        ({"startedAt": naive, "state": "RUNNING"}, "startedAt"),
    ]:
        body = await gql(http, INGEST_RUNS, {"o": org, "runs": [run_input(**times)]})
        [error] = body["data"]["ingestLineage"]["errors"]
        assert error["code"] == "INVALID_INPUT" and error["field"] == field, (times, error)
        assert "timezone" in error["message"]
    body = await gql(
        http, INGEST_RUNS, {"o": org, "runs": [run_input(startedAt=aware, finishedAt=aware)]}
    )
    assert body["data"]["ingestLineage"] == {"runsCreated": 1, "errors": []}


@pytest.mark.parametrize("at", [10**20, -(10**20), 2**63, 10**300])
async def test_compact_run_times_out_of_range_are_invalid_input(
    http: httpx.AsyncClient, org: str, at: int
) -> None:
    row = {"id": f"run{uuid.uuid4().hex[:12]}", "jobType": "t", "state": "RUNNING", "startedAt": at}
    body = await gql(http, INGEST_RUNS, {"o": org, "runs": [], "compact": [row]})
    [error] = body["data"]["ingestLineage"]["errors"]
    assert error["code"] == "INVALID_INPUT", error


@pytest.fixture
async def walk(http: httpx.AsyncClient, org: str) -> str:
    """The walk token of a lineage answer around a stored run."""
    run = run_input(startedAt="2024-01-01T00:00:00+00:00", finishedAt="2024-01-01T01:00:00Z")
    body = await gql(http, INGEST_RUNS, {"o": org, "runs": [run]})
    assert body["data"]["ingestLineage"]["errors"] == []
    body = await gql(
        http,
        'query($o: String!) { runs(organization: $o, project: "p") { edges { node { id } } } }',
        {"o": org},
    )
    [edge] = body["data"]["runs"]["edges"]
    body = await gql(
        http, "query($s: ID!) { lineage(seed: $s) { walk } }", {"s": edge["node"]["id"]}
    )
    token: str = body["data"]["lineage"]["walk"]
    return token


CLUSTER = "query($w: String!, $i: ID!) { lineageCluster(walk: $w, id: $i) { id count } }"


@pytest.mark.parametrize(
    "cluster",
    [
        f"c:d1:train:{2**63}",
        f"c:d1:train:{2**64 + 1}",
        "c:d1:train:" + "9" * 5000,
        "c:d" + "9" * 5000 + ":train",
        f"c:d{2**63}:train",
        "c:d²:train",
        "c:d1:train:²",
        "c:d1:train:0",
        "c:d1:train:1000001",
    ],
)
async def test_cluster_ids_with_out_of_range_numbers_are_invalid_input(
    http: httpx.AsyncClient, walk: str, cluster: str
) -> None:
    body = await gql(http, CLUSTER, {"w": walk, "i": cluster})
    assert codes(body) == ["INVALID_INPUT"], body


async def test_a_genuine_cluster_id_of_the_same_walk_still_answers(
    http: httpx.AsyncClient, walk: str
) -> None:
    body = await gql(http, CLUSTER, {"w": walk, "i": "c:d1:train:5"})
    assert body == {"data": {"lineageCluster": {"id": "c:d1:train:5", "count": 0}}}


def retokened(walk: str, **changes: Any) -> str:
    body = walk.removeprefix("lw1.")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    payload.update(changes)
    raw = json.dumps(payload).encode()  # ensure_ascii: surrogates travel as \\ud800 escapes
    return "lw1." + base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "changes",
    [{"a": ["\ud800"]}, {"j": ["x\udfff"]}, {"h": ["\ud800" * 32]}, {"s": "\ud800" * 32}],
)
async def test_walk_tokens_carrying_lone_surrogates_are_invalid_input(
    http: httpx.AsyncClient, walk: str, changes: dict[str, Any]
) -> None:
    body = await gql(http, CLUSTER, {"w": retokened(walk, **changes), "i": "c:d1:train"})
    assert codes(body) == ["INVALID_INPUT"], body


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-14:00"])
async def test_times_that_leave_the_calendar_in_utc_are_refused_with_a_code(
    http: httpx.AsyncClient, org: str, moment: str
) -> None:
    """Valid ISO 8601 in their own zone, but outside years 1-9999 once in UTC."""
    for query, variables in [
        (
            "query($o: String!, $t: DateTime!) { auditEvents(organization: $o, "
            "filter: {since: $t}) { totalCount } }",
            {"o": org, "t": moment},
        ),
        (
            f'query($o: String!) {{ auditEvents(organization: $o, filter: {{until: "{moment}"}}) '
            "{ totalCount } }",
            {"o": org},
        ),
    ]:
        response = await post(http, json.dumps({"query": query, "variables": variables}).encode())
        assert_refused_cleanly(response)


@pytest.mark.parametrize(
    "query",
    ["{ nope", "{ noSuchField }", "{ node(id: 5) { id } }", "query($x: Int!) { __typename }"],
)
async def test_malformed_documents_carry_a_code(http: httpx.AsyncClient, query: str) -> None:
    """Syntax, validation and coercion errors are the caller's: INVALID_INPUT, not uncoded."""
    response = await post(http, json.dumps({"query": query}).encode())
    assert response.status_code in (200, 400)
    assert set(codes(response.json())) == {"INVALID_INPUT"}, response.text
