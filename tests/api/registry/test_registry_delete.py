"""deleteRegistry over GraphQL on the real Neo4j: refusals (core, holding collections), role
grants going with it, the name freed, access, and collections created during a deletion."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable
from typing import Any, LiteralString

import pytest

import lineage
from graph.access.memberships import add_member
from graph.access.users import create_user
from graph.core.driver import Graph
from graph.core.errors import HasCollections, NotFound
from graph.core.tx import fetch_all, fetch_one
from graph.core.values import new_id, now
from graph.registry.collections import CREATE_COLLECTION, create_collection
from graph.registry.delete_registry import _delete_tx
from tests.conftest import ApiClient, LiveServer, SessionUser

CREATE_PROJECT = """
mutation($org: String!) {
  createProject(input: {organization: $org, name: "proj"}) { errors { code } }
}
"""

CREATE_REGISTRY = """
mutation($o: String!, $n: String!) {
  createRegistry(input: {organization: $o, name: $n, acceptedTypes: ["model"]}) {
    registry { id } errors { code }
  }
}
"""

SET_ROLE = """
mutation($o: String!, $r: String!, $u: String!, $role: Role!) {
  setRegistryRole(input: {organization: $o, registry: $r, user: $u, role: $role}) {
    errors { code }
  }
}
"""

CREATE_COLLECTION_GQL = """
mutation($o: String!, $r: String!, $n: String!) {
  createCollection(input: {organization: $o, registry: $r, name: $n, type: "model"}) {
    collection { id } errors { code }
  }
}
"""

DELETE_COLLECTION = """
mutation($p: String!) { deleteCollection(input: {path: $p}) { errors { code } } }
"""

DELETE = """
mutation($input: DeleteRegistryInput!) {
  deleteRegistry(input: $input) { deletedRegistryId removedRoles errors { code message field } }
}
"""

REGISTRY = "query($o: String!, $n: String!) { registry(organization: $o, name: $n) { id } }"

LEFT: LiteralString = """
RETURN COUNT { MATCH (:Registry {id: $id}) } AS registries,
       COUNT { MATCH (:User)-[:REGISTRY_ROLE]->(:Registry {id: $id}) } AS roles,
       COUNT { MATCH (u:User) WHERE u.name IN $users } AS users
"""

AUDIT: LiteralString = """
MATCH (e:AuditEvent {target_id: $id, action: 'registry.delete'})
RETURN e.details AS details, e.actor AS actor
"""

# Collections whose registry is gone: what a creation racing a deletion must never leave.
ORPHANS: LiteralString = """
MATCH (o:Organization {name: $org})
MATCH (c:Collection {org_id: o.id})
WHERE NOT EXISTS { (:Registry {id: c.registry_id})-[:HAS_COLLECTION]->(c) }
RETURN c.name AS name
"""


def node_id(global_id: str) -> str:
    return base64.b64decode(global_id).decode().split(":", 1)[1]


async def new_org(api: ApiClient, unique: Callable[[str], str]) -> str:
    org = unique("org")
    assert (await api.data(CREATE_PROJECT, {"org": org}))["createProject"]["errors"] == []
    return org


async def new_registry(api: ApiClient, org: str, name: str) -> str:
    created = (await api.data(CREATE_REGISTRY, {"o": org, "n": name}))["createRegistry"]
    assert created["errors"] == []
    return str(created["registry"]["id"])


async def delete(api: ApiClient, headers: dict[str, str] | None = None, **input: Any) -> Any:
    return (await api.data(DELETE, {"input": input}, headers=headers))["deleteRegistry"]


async def test_refused_while_it_holds_collections_then_deleted_with_its_roles_name_freed(
    api: ApiClient, graph: Graph, unique: Callable[[str], str], session_user: SessionUser
) -> None:
    org = await new_org(api, unique)
    registry_id = await new_registry(api, org, "vault")
    member, _ = await create_user(graph, unique("member"))
    await add_member(graph, org, member.name, "member", actor=session_user.name)
    role = {"o": org, "r": "vault", "u": member.name, "role": "MEMBER"}
    assert (await api.data(SET_ROLE, role))["setRegistryRole"]["errors"] == []
    for name in ("b-coll", "a-coll"):
        made = await api.data(CREATE_COLLECTION_GQL, {"o": org, "r": "vault", "n": name})
        assert made["createCollection"]["errors"] == []

    refused = await delete(api, organization=org, name="vault")
    assert refused == {
        "deletedRegistryId": None,
        "removedRoles": [],
        "errors": [
            {
                "code": "HAS_COLLECTIONS",
                "message": f"Registry 'vault' of '{org}' holds 2 collection(s) (a-coll, b-coll); "
                "delete them first",
                "field": "name",
            }
        ],
    }
    params = {"id": node_id(registry_id), "users": [session_user.name, member.name]}
    assert await graph.read(fetch_one, LEFT, **params) == {"registries": 1, "roles": 2, "users": 2}
    for name in ("a-coll", "b-coll"):
        gone = await api.data(DELETE_COLLECTION, {"p": f"{org}/registry-vault/{name}"})
        assert gone["deleteCollection"]["errors"] == []

    deleted = await delete(api, organization=org, name="vault")
    assert deleted == {
        "deletedRegistryId": registry_id,
        "removedRoles": sorted([session_user.name, member.name]),
        "errors": [],
    }
    assert await api.data(REGISTRY, {"o": org, "n": "vault"}) == {"registry": None}
    assert await graph.read(fetch_one, LEFT, **params) == {"registries": 0, "roles": 0, "users": 2}
    [event] = await graph.read(fetch_all, AUDIT, id=node_id(registry_id))
    assert event["actor"] == session_user.name
    assert json.loads(event["details"]) == {
        "name": "vault",
        "accepted_types": ["model"],
        "accepts_any_type": False,
        "visibility": "ORGANIZATION",
        "removed_roles": sorted([session_user.name, member.name]),
    }
    again = await delete(api, organization=org, name="vault")
    assert [(e["code"], e["field"]) for e in again["errors"]] == [("NOT_FOUND", "name")]

    # the name is free: a new registry, with only its creator's role
    recreated = await new_registry(api, org, "vault")
    assert recreated != registry_id
    fresh = {"id": node_id(recreated), "users": []}
    assert await graph.read(fetch_one, LEFT, **fresh) == {"registries": 1, "roles": 1, "users": 0}


async def test_core_unknown_and_access(
    api: ApiClient, graph: Graph, unique: Callable[[str], str], session_user: SessionUser
) -> None:
    org = await new_org(api, unique)
    for core in ("model", "dataset"):
        refused = await delete(api, organization=org, name=core)
        assert refused["errors"] == [
            {
                "code": "CORE_REGISTRY",
                "message": f"The core registry '{core}' cannot be deleted",
                "field": "name",
            }
        ]
        assert (await api.data(REGISTRY, {"o": org, "n": core}))["registry"] is not None
    nobody = unique("nobody")
    for bad, code, field in (
        ({"organization": org, "name": "nope"}, "NOT_FOUND", "name"),
        ({"organization": nobody, "name": "vault"}, "NOT_FOUND", "organization"),
        ({"organization": org, "name": "Bad Name!"}, "INVALID_NAME", "name"),
    ):
        got = await delete(api, **bad)
        assert [(e["code"], e["field"]) for e in got["errors"]] == [(code, field)], bad
    # a deletion never claims a missing organisation
    assert (await api.data("query($o: String!) { organization(name: $o) { id } }", {"o": nobody}))[
        "organization"
    ] is None

    await new_registry(api, org, "vault")
    member, key = await create_user(graph, unique("member"), with_key=True)
    assert key is not None
    await add_member(graph, org, member.name, "member", actor=session_user.name)
    as_member = {"authorization": f"Bearer {key.secret}"}
    forbidden = await delete(api, as_member, organization=org, name="vault")
    assert [e["code"] for e in forbidden["errors"]] == ["FORBIDDEN"]
    # an admin of the registry (a plain member of the organisation) may delete it
    role = {"o": org, "r": "vault", "u": member.name, "role": "ADMIN"}
    assert (await api.data(SET_ROLE, role))["setRegistryRole"]["errors"] == []
    allowed = await delete(api, as_member, organization=org, name="vault")
    assert allowed["errors"] == []


async def test_a_creation_queued_behind_the_deletion_leaves_no_collection(
    api: ApiClient, graph: Graph, unique: Callable[[str], str]
) -> None:
    org = await new_org(api, unique)
    registry_id = node_id(await new_registry(api, org, "vault"))

    async with graph.driver.session(database=graph.database) as session:
        tx = await session.begin_transaction()
        await _delete_tx(tx, org, "vault", "tester")  # type: ignore[arg-type]
        racing = asyncio.create_task(
            create_collection(graph, org, "vault", "late", type="model", actor="racer")
        )
        await asyncio.sleep(0.5)
        await tx.commit()
    # It had read the registry before the deletion committed, then could not attach the
    # collection to the deleted node: rolled back (EntityNotFound), run again, registry gone.
    with pytest.raises(NotFound):
        await racing
    assert await graph.read(fetch_all, ORPHANS, org=org) == []
    left = await graph.read(fetch_one, LEFT, id=registry_id, users=[])
    assert left == {"registries": 0, "roles": 0, "users": 0}


async def test_a_deletion_waits_for_a_creation_in_flight_and_refuses(
    api: ApiClient, graph: Graph, unique: Callable[[str], str]
) -> None:
    org = await new_org(api, unique)
    registry_id = node_id(await new_registry(api, org, "vault"))

    async with graph.driver.session(database=graph.database) as session:
        tx = await session.begin_transaction()
        await tx.run(
            CREATE_COLLECTION,
            registry_id=registry_id,
            id=new_id(),
            name="early",
            type="model",
            description="",
            tags=[],
            now=now(),
            actor="racer",
        )
        racing = asyncio.create_task(delete(api, organization=org, name="vault"))
        await asyncio.sleep(0.5)
        assert not racing.done()
        await tx.commit()
    refused = await racing
    assert [e["code"] for e in refused["errors"]] == [HasCollections.code]
    assert await graph.read(fetch_all, ORPHANS, org=org) == []
    assert (await api.data(REGISTRY, {"o": org, "n": "vault"}))["registry"] is not None


async def test_creations_racing_a_deletion_never_leave_an_orphan(
    api: ApiClient, graph: Graph, unique: Callable[[str], str]
) -> None:
    org = await new_org(api, unique)
    await new_registry(api, org, "vault")

    async def late_create(i: int) -> set[str]:
        await asyncio.sleep(0.004 * i)
        variables = {"o": org, "r": "vault", "n": f"c{i}"}
        body = await api.gql(CREATE_COLLECTION_GQL, variables)
        payload = (body.get("data") or {}).get("createCollection") or {}
        codes = {e["extensions"]["code"] for e in body.get("errors") or []}
        return codes | {e["code"] for e in payload.get("errors") or []}

    outcomes = await asyncio.gather(
        *(late_create(i) for i in range(3)),
        delete(api, organization=org, name="vault"),
        *(late_create(i) for i in range(3, 6)),
    )
    deleted, creates = outcomes[3], outcomes[:3] + outcomes[4:]
    made = sum(1 for codes in creates if not codes)
    # a creation queued behind the deletion is retried and finds no registry
    assert all(codes <= {"NOT_FOUND"} for codes in creates), creates
    if deleted["errors"]:
        assert [e["code"] for e in deleted["errors"]] == ["HAS_COLLECTIONS"]
        assert made >= 1
    else:
        assert made == 0
    assert await graph.read(fetch_all, ORPHANS, org=org) == []


async def test_the_sdk_deletes_a_registry(
    api: ApiClient,
    live_local_server: LiveServer,
    unique: Callable[[str], str],
    session_user: SessionUser,
) -> None:
    org = await new_org(api, unique)

    def use_the_sdk() -> None:  # the SDK is synchronous: run it off the event loop
        with lineage.Client(live_local_server.url, api_key=live_local_server.api_key) as client:
            lineage.create_registry(org, "vault", accepted_types=["model"], client=client)
            [vault] = [r for r in lineage.registries(org, client=client) if r.name == "vault"]
            assert vault.delete() == [session_user.name]
            names = [r.name for r in lineage.registries(org, client=client)]
            assert names == ["dataset", "model"]
            with pytest.raises(lineage.LineageError) as core:
                lineage.delete_registry(org, "model", client=client)
            assert core.value.code == "CORE_REGISTRY"

    await asyncio.to_thread(use_the_sdk)
