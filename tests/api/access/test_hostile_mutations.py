"""Property: random valid-shaped and invalid inputs at the mutations never give a server error,
and a mutation that reports an error has written nothing.

One organisation with a committed version, a pending draft and a restricted registry is built
first; examples then aim at it, mixing valid names with junk, injection strings, traversal paths,
huge or negative numbers and arbitrary JSON. After each call, the organisation's stored state
(every node and relationship, and its audit trail) is compared with the state before: when the
call failed it must be identical. The example budget keeps the run well under a minute.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.access import orgs
from graph.core.driver import Graph
from tests.api.access.conftest import MakeUser
from tests.api.access.world import PENDING_DIGEST, World, build_world, snapshot
from tests.conftest import ApiClient

INJECTIONS = ["x' OR '1'='1", 'a"}) DETACH DELETE n //', "../../x", "a\x00b", "$x", "é", " "]

valid_names = st.from_regex(r"[A-Za-z0-9_\-][A-Za-z0-9_.\-]{0,11}", fullmatch=True)
junk_names = st.one_of(
    st.sampled_from(["model", "latest", "prod", "v0", "..", ".", ""]),
    st.sampled_from(INJECTIONS),
    st.text(max_size=16),
    st.text(alphabet="ab", min_size=129, max_size=140),
)
names = st.one_of(valid_names, valid_names, junk_names)  # mostly valid: reach deeper checks
texts = st.one_of(st.none(), st.text(max_size=64), st.sampled_from(INJECTIONS))
ints = st.one_of(st.none(), st.integers(-(2**31), 2**31 - 1), st.sampled_from([0, 1, -1]))
ttls = st.one_of(
    st.none(), st.just(0), st.integers(-(2**31), -1), st.integers(30 * 86400, 2**31 - 1)
)
"""TTLs that never expire during the run: the live server's sweeper would otherwise change the
organisation between two snapshots and look like a partial write."""
name_lists = st.one_of(st.lists(valid_names, max_size=3), st.lists(names, max_size=4))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=12,
)
paths = st.one_of(
    st.from_regex(r"[a-z0-9]{1,8}(/[a-z0-9._-]{1,8}){0,2}", fullmatch=True),
    st.sampled_from(["../x", "/abs", "a\\b", "a//b", "./a", "a/..", "C:/x", "a\x00b", ""]),
    st.text(max_size=20),
)
digests = st.one_of(
    st.none(),
    st.just(PENDING_DIGEST),
    st.from_regex(r"[0-9a-f]{64}", fullmatch=True),
    st.text(max_size=70),
)
entries = st.lists(
    st.fixed_dictionaries(
        {"path": paths},
        optional={"digest": digests, "size": ints, "ref": texts, "remove": st.booleans()},
    ),
    max_size=3,
)


def mutations(world: World) -> st.SearchStrategy[tuple[str, str, dict[str, Any]]]:
    """(mutation field, input type, input) aimed at `world`, mostly valid in shape."""
    org = st.one_of(st.just(world.org), st.just(world.org), names)
    version = st.one_of(st.just(world.ids["ArtifactVersion"]), st.text(max_size=40))
    cases: list[st.SearchStrategy[tuple[str, str, dict[str, Any]]]] = [
        st.tuples(
            st.just("createProject"),
            st.just("CreateProjectInput"),
            st.fixed_dictionaries(
                {"organization": st.just(world.org), "name": names},
                optional={"createOrganization": st.booleans()},
            ),
        ),
        st.tuples(
            st.just("createArtifactDraft"),
            st.just("CreateArtifactDraftInput"),
            st.fixed_dictionaries(
                {
                    "organization": st.just(world.org),
                    "project": st.one_of(st.just(world.project), names),
                    "artifact": st.one_of(st.just(world.artifact), names),
                    "type": st.one_of(st.just("model"), names),
                },
                optional={
                    "metadata": json_values,
                    "tags": name_lists,
                    "aliases": name_lists,
                    "entries": entries,
                    "ttlSeconds": ttls,
                    "description": texts,
                    "baseVersion": version,
                },
            ),
        ),
        st.tuples(
            st.just("addArtifactDraftEntries"),
            st.just("AddArtifactDraftEntriesInput"),
            st.fixed_dictionaries(
                {
                    "draftId": st.one_of(st.just(world.draft_id), st.text(max_size=40)),
                    "entries": entries,
                }
            ),
        ),
        st.tuples(
            st.just("setArtifactAlias"),
            st.just("SetArtifactAliasInput"),
            st.fixed_dictionaries({"versionId": version, "alias": names}),
        ),
        st.tuples(
            st.just("setArtifactVersionTtl"),
            st.just("SetArtifactVersionTtlInput"),
            st.fixed_dictionaries({"versionId": version, "ttlSeconds": ttls}),
        ),
        st.tuples(
            st.just("setOrganizationTtlPolicy"),
            st.just("SetOrganizationTtlPolicyInput"),
            st.fixed_dictionaries(
                {
                    "organization": st.just(world.org),
                    "defaultTtlSeconds": ttls,
                    "adminsOnly": st.booleans(),
                }
            ),
        ),
        st.tuples(
            st.just("createRegistry"),
            st.just("CreateRegistryInput"),
            st.fixed_dictionaries(
                {"organization": st.just(world.org), "name": names},
                optional={
                    "description": st.text(max_size=40),
                    "acceptedTypes": name_lists,
                    "visibility": st.sampled_from(["RESTRICTED", "ORGANIZATION"]),
                    "protectedAliases": name_lists,
                },
            ),
        ),
        st.tuples(
            st.just("createCollection"),
            st.just("CreateCollectionInput"),
            st.fixed_dictionaries(
                {
                    "organization": st.just(world.org),
                    "registry": st.one_of(st.sampled_from(["model", world.registry]), names),
                    "name": names,
                    "type": st.one_of(st.just("model"), names),
                },
                optional={"tags": name_lists, "description": st.text(max_size=40)},
            ),
        ),
        st.tuples(
            st.just("linkArtifact"),
            st.just("LinkArtifactInput"),
            st.fixed_dictionaries(
                {
                    "targetPath": st.one_of(
                        st.builds(lambda n: f"{world.org}/registry-model/{n}", names),
                        st.just(world.collection_path),
                        st.text(max_size=40),
                    ),
                    "artifactPath": st.one_of(st.just(world.version_path), st.text(max_size=40)),
                },
                optional={"aliases": name_lists},
            ),
        ),
        st.tuples(
            st.just("setCollectionAlias"),
            st.just("SetCollectionAliasInput"),
            st.fixed_dictionaries(
                {
                    "path": st.one_of(st.just(world.registry_version_path), st.text(max_size=40)),
                    "alias": names,
                }
            ),
        ),
        st.tuples(
            st.just("createRun"),
            st.just("CreateRunInput"),
            st.fixed_dictionaries(
                {
                    "organization": st.just(world.org),
                    "project": st.one_of(st.just(world.project), names),
                    "jobType": names,
                },
                optional={
                    "name": texts,
                    "config": json_values,
                    "tags": name_lists,
                    "id": st.one_of(names, st.text(max_size=40)),
                },
            ),
        ),
        st.tuples(
            st.just("updateRun"),
            st.just("UpdateRunInput"),
            st.fixed_dictionaries(
                {"id": st.one_of(st.just(world.ids["Run"]), st.text(max_size=40))},
                optional={"name": texts, "tags": name_lists, "summary": json_values},
            ),
        ),
        st.tuples(
            st.just("ingestLineage"),
            st.just("IngestLineageInput"),
            st.fixed_dictionaries(
                {
                    "organization": st.just(world.org),
                    "project": st.one_of(st.just(world.project), names),
                    "runs": st.lists(
                        st.fixed_dictionaries(
                            {"id": names, "jobType": names},
                            optional={"name": texts, "config": json_values},
                        ),
                        max_size=3,
                    ),
                    "edges": st.lists(
                        st.fixed_dictionaries(
                            {
                                "run": names,
                                "version": st.one_of(st.just(world.version_path), names),
                                "kind": st.sampled_from(["CONSUMED", "PRODUCED"]),
                            }
                        ),
                        max_size=3,
                    ),
                },
            ),
        ),
        st.tuples(
            st.just("addOrganizationMember"),
            st.just("AddOrganizationMemberInput"),
            st.fixed_dictionaries(
                {
                    "organization": org,
                    "user": names,
                    "role": st.sampled_from(["ADMIN", "MEMBER", "VIEWER"]),
                }
            ),
        ),
        st.tuples(
            st.just("setMemberRole"),
            st.just("SetMemberRoleInput"),
            st.fixed_dictionaries(
                {
                    "organization": org,
                    "user": st.one_of(st.just(world.admin.name), names),
                    "role": st.sampled_from(["ADMIN", "MEMBER", "VIEWER"]),
                }
            ),
        ),
    ]
    return st.one_of(cases)


def failed(body: dict[str, Any], field: str) -> bool:
    payload = (body.get("data") or {}).get(field)
    return bool(body.get("errors")) or not isinstance(payload, dict) or bool(payload.get("errors"))


def all_codes(body: dict[str, Any], field: str) -> set[str]:
    codes = {(e.get("extensions") or {}).get("code") for e in body.get("errors") or []}
    payload = (body.get("data") or {}).get(field)
    if isinstance(payload, dict):
        codes |= {e.get("code") for e in payload.get("errors") or []}
    return {c for c in codes if c}


@pytest.fixture
async def target(api: ApiClient, make_user: MakeUser, unique: Callable[[str], str]) -> World:
    return await build_world(api, await make_user("owner"), unique("org"))


@settings(
    max_examples=80,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_random_mutation_inputs_never_crash_nor_half_write(
    api: ApiClient, graph: Graph, target: World, data: st.DataObject
) -> None:
    world = target
    if not world.snapshot:
        world.snapshot = await snapshot(graph, world.org)
    field, input_type, value = data.draw(mutations(world))
    response = await api.http.post(
        "/graphql",
        json={
            "query": f"mutation($i: {input_type}!) {{ {field}(input: $i) "
            "{ __typename errors { code message } } }",
            "variables": {"i": value},
        },
        headers=world.admin.headers,
    )
    assert response.status_code < 500, (field, value, response.text)
    body = response.json()
    assert "INTERNAL" not in all_codes(body, field), (field, value, body)
    after = await snapshot(graph, world.org)
    if failed(body, field):
        assert after == world.snapshot, (field, json.dumps(value, default=str), body)
    world.snapshot = after


async def test_a_refused_project_leaves_no_new_organisation(
    api: ApiClient, graph: Graph, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    body = await api.data(
        'mutation($o: String!) { createProject(input: {organization: $o, name: "../x"}) '
        "{ errors { code } } }",
        {"o": org},
    )
    assert body["createProject"]["errors"] == [{"code": "INVALID_NAME"}]
    assert await orgs.organization_by_name(graph, org) is None
