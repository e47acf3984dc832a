from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from graph.access.orgs import ensure_organization
from graph.core.driver import Graph
from graph.core.errors import Conflict, InvalidPath, NotFound, TypeNotAccepted
from graph.core.refs import Selector, parse_registry_path
from graph.core.tx import fetch_all, fetch_single
from graph.registry import admin as registry_admin
from graph.registry import links, registries
from graph.registry import versions as registry_versions
from tests.registry_fixtures import make_run, make_version


def target(path: str) -> object:
    return parse_registry_path(path, selector=Selector.FORBIDDEN)


async def test_first_link_creates_the_collection_with_the_version_type(
    graph: Graph, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    version = await make_version(graph, org, "resnet", "model", description="first")
    run_id = await make_run(graph, version, name="train-7")
    result = await links.link_version(
        graph,
        version.id,
        parse_registry_path(f"{org}/registry-model/classifiers", selector=Selector.FORBIDDEN),
        actor="alice",
    )
    assert (result.created, result.collection_created) == (True, True)
    m = result.membership
    assert (m.index, m.collection_name, m.collection_type, m.linked_by) == (
        0,
        "classifiers",
        "model",
        "alice",
    )
    assert m.path == f"{org}/registry-model/classifiers:v0"
    assert m.aliases == ("latest",)
    assert m.version.path == f"{org}/proj/resnet:v0"
    assert (m.version.id, m.version.artifact_type, m.version.description) == (
        version.id,
        "model",
        "first",
    )
    assert m.producing_run is not None
    assert (m.producing_run.id, m.producing_run.name, m.producing_run.project_name) == (
        run_id,
        "train-7",
        "proj",
    )
    audit = await graph.read(
        fetch_all,
        "MATCH (e:AuditEvent) WHERE e.org_id = $org_id AND e.target_id = $cid "
        "RETURN e.action AS action ORDER BY action",
        org_id=(await registries.require_registry(graph, org, "model")).org_id,
        cid=m.collection_id,
    )
    assert [a["action"] for a in audit] == [
        "collection.create",
        "collection_alias.move",
        "registry.link",
    ]


async def test_wandb_style_path_names_the_same_collection(
    graph: Graph, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    v0 = await make_version(graph, org, "ds", "dataset")
    v1 = await make_version(graph, org, "ds", "dataset")
    first = await links.link_version(
        graph,
        v0.id,
        parse_registry_path(f"{org}/wandb-registry-dataset/train", selector=Selector.FORBIDDEN),
        actor="a",
    )
    second = await links.link_version(
        graph,
        v1.id,
        parse_registry_path(f"{org}/registry-dataset/train", selector=Selector.FORBIDDEN),
        actor="a",
    )
    assert first.membership.collection_id == second.membership.collection_id
    assert (first.membership.index, second.membership.index) == (0, 1)
    found = await registry_versions.membership_at_path(
        graph, parse_registry_path(f"{org}/wandb-registry-dataset/train:v0")
    )
    assert found is not None and found.version.id == v0.id
    assert found.path == f"{org}/registry-dataset/train:v0"


async def test_type_refusals_and_missing_registry(
    graph: Graph, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    dataset = await make_version(graph, org, "ds", "dataset")
    model = await make_version(graph, org, "m", "model")
    with pytest.raises(TypeNotAccepted, match="does not accept artifact type 'dataset'"):
        await links.link_version(
            graph,
            dataset.id,
            parse_registry_path(f"{org}/registry-model/c", selector=Selector.FORBIDDEN),
            actor="a",
        )
    with pytest.raises(NotFound, match="Registry 'missing' not found"):
        await links.link_version(
            graph,
            model.id,
            parse_registry_path(f"{org}/registry-missing/c", selector=Selector.FORBIDDEN),
            actor="a",
        )
    await registry_admin.create_registry(graph, org, "anything", accepts_any_type=True, actor="a")
    path = parse_registry_path(f"{org}/registry-anything/mixed", selector=Selector.FORBIDDEN)
    await links.link_version(graph, model.id, path, actor="a")
    with pytest.raises(TypeNotAccepted, match="holds 'model' versions"):
        await links.link_version(graph, dataset.id, path, actor="a")
    # nothing was half-written by the refusals
    rows = await graph.read(
        fetch_all,
        "MATCH (c:Collection {org_name: $org}) RETURN c.name AS name ORDER BY name",
        org=org,
    )
    assert [r["name"] for r in rows] == ["mixed"]


async def test_only_committed_versions_of_the_same_organization_link(
    graph: Graph, unique: Callable[[str], str]
) -> None:
    org, other = unique("org"), unique("org")
    pending = await make_version(graph, org, "m", "model", state="PENDING")
    foreign = await make_version(graph, other, "m", "model")
    await ensure_organization(graph, org)
    path = parse_registry_path(f"{org}/registry-model/c", selector=Selector.FORBIDDEN)
    with pytest.raises(Conflict, match="not committed"):
        await links.link_version(graph, pending.id, path, actor="a")
    with pytest.raises(NotFound, match="not found"):  # as a missing one: no existence oracle
        await links.link_version(graph, foreign.id, path, actor="a")
    with pytest.raises(NotFound, match="not found"):
        await links.link_version(graph, "0" * 32, path, actor="a")


async def test_relinking_is_idempotent(graph: Graph, unique: Callable[[str], str]) -> None:
    org = unique("org")
    v0 = await make_version(graph, org, "m")
    v1 = await make_version(graph, org, "m")
    path = parse_registry_path(f"{org}/registry-model/c", selector=Selector.FORBIDDEN)
    await links.link_version(graph, v0.id, path, actor="a")
    await links.link_version(graph, v1.id, path, actor="a")
    again = await links.link_version(graph, v0.id, path, actor="b")
    assert (again.created, again.membership.index, again.membership.linked_by) == (False, 0, "a")
    assert again.membership.aliases == ()
    edges = await graph.read(
        fetch_single,
        "MATCH (:ArtifactVersion {id: $id})-[l:LINKED_TO]->() RETURN count(l) AS n",
        id=v0.id,
    )
    assert edges["n"] == 1
    latest = await registry_versions.membership_at_path(
        graph, parse_registry_path(f"{org}/registry-model/c:latest")
    )
    assert latest is not None and latest.version.id == v1.id


async def test_twenty_concurrent_links_get_distinct_indexes_in_link_order(
    graph: Graph, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    versions = [await make_version(graph, org, f"m{i}") for i in range(20)]
    path = parse_registry_path(f"{org}/registry-model/race", selector=Selector.FORBIDDEN)
    results = await asyncio.gather(
        *(links.link_version(graph, v.id, path, actor="a") for v in versions)
    )
    assert sorted(r.membership.index for r in results) == list(range(20))
    assert sum(r.collection_created for r in results) == 1
    rows = await graph.read(
        fetch_all,
        "MATCH (v)-[l:LINKED_TO]->(c:Collection {org_name: $org, name: 'race'}) "
        "RETURN l.index AS index, l.linked_at AS at, v.id AS id ORDER BY l.index",
        org=org,
    )
    assert [r["index"] for r in rows] == list(range(20))
    times = [r["at"] for r in rows]
    assert times == sorted(times)
    latest = await registry_versions.membership_at_path(
        graph, parse_registry_path(f"{org}/registry-model/race")
    )
    assert latest is not None and latest.index == 19 and latest.version.id == rows[-1]["id"]


async def test_unlink_keeps_other_indexes_and_moves_latest_back(
    graph: Graph, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    vs = [await make_version(graph, org, "m") for _ in range(3)]
    path = parse_registry_path(f"{org}/registry-model/c", selector=Selector.FORBIDDEN)
    for v in vs:
        await links.link_version(graph, v.id, path, actor="a")
    removed = await links.unlink_version(
        graph, parse_registry_path(f"{org}/registry-model/c:latest"), actor="b"
    )
    assert (removed.version_id, removed.index, removed.removed_aliases) == (
        vs[2].id,
        2,
        ("latest",),
    )
    latest = await registry_versions.membership_at_path(
        graph, parse_registry_path(f"{org}/registry-model/c:latest")
    )
    assert latest is not None and (latest.index, latest.version.id) == (1, vs[1].id)
    await links.unlink_version(graph, parse_registry_path(f"{org}/registry-model/c:v0"), actor="b")
    page, total = await registry_versions.versions_of_collection(graph, latest.collection_id, 0, 10)
    assert (total, [(m.index, m.version.id) for m in page]) == (1, [(1, vs[1].id)])
    relinked = await links.link_version(graph, vs[2].id, path, actor="a")
    assert relinked.membership.index == 3
    await links.unlink_version(graph, parse_registry_path(f"{org}/registry-model/c:v3"), actor="b")
    await links.unlink_version(graph, parse_registry_path(f"{org}/registry-model/c:v1"), actor="b")
    assert (
        await registry_versions.membership_at_path(
            graph, parse_registry_path(f"{org}/registry-model/c")
        )
        is None
    )
    with pytest.raises(NotFound, match="does not name a linked version"):
        await links.unlink_version(
            graph, parse_registry_path(f"{org}/registry-model/c:v1"), actor="b"
        )
    with pytest.raises(NotFound, match="Collection 'nope'"):
        await links.unlink_version(
            graph, parse_registry_path(f"{org}/registry-model/nope:v1"), actor="b"
        )


async def test_memberships_of_a_version_across_registries(
    graph: Graph, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    v = await make_version(graph, org, "m")
    await registry_admin.create_registry(graph, org, "staging", accepted_types=["model"], actor="a")
    for p in (f"{org}/registry-model/b", f"{org}/registry-model/a", f"{org}/registry-staging/z"):
        await links.link_version(
            graph, v.id, parse_registry_path(p, selector=Selector.FORBIDDEN), actor="a"
        )
    linked = await registry_versions.registries_of_version(graph, v.id)
    ids = sorted(r.registry_id for r in linked)
    assert sorted(r.registry_name for r in linked) == ["model", "staging"]
    page, total = await registry_versions.memberships_of_version(graph, v.id, ids, 0, 2)
    assert total == 3
    assert [m.path for m in page] == [f"{org}/registry-model/a:v0", f"{org}/registry-model/b:v0"]
    model_only = [r.registry_id for r in linked if r.registry_name == "model"]
    page, total = await registry_versions.memberships_of_version(graph, v.id, model_only, 0, 10)
    assert total == 2


@pytest.mark.parametrize(
    "path",
    [
        "org/model/c",
        "org/registry-/c",
        "org/registry-model",
        "org/registry-model/c/d",
        "org/registry-model/c:",
        "org/registry-model/c:a:b",
        "../registry-model/c",
        "",
    ],
)
def test_malformed_registry_paths_are_refused(path: str) -> None:
    with pytest.raises(InvalidPath):
        parse_registry_path(path)


def test_selectors_are_required_or_forbidden_on_request() -> None:
    with pytest.raises(InvalidPath, match="without ':v1'"):
        parse_registry_path("o/registry-model/c:v1", selector=Selector.FORBIDDEN)
    with pytest.raises(InvalidPath, match="add ':vN'"):
        parse_registry_path("o/registry-model/c", selector=Selector.REQUIRED)
    parsed = parse_registry_path("o/wandb-registry-model/c:v12")
    assert (parsed.registry, parsed.index, parsed.alias, str(parsed)) == (
        "model",
        12,
        None,
        "o/registry-model/c:v12",
    )
    assert parse_registry_path("o/registry-x/c:prod").alias == "prod"
