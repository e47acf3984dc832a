"""API keys in the graph: shown once, stored as a hash, revocable at once, used-at throttled."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from api.authz import authenticate
from graph.access import api_keys
from graph.access.api_keys import MAX_ACTIVE_KEYS, hash_key, key_id_of
from graph.access.users import create_user, user_by_name
from graph.core.driver import Graph
from graph.core.errors import AlreadyExists, InvalidInput, InvalidName, LimitExceeded, NotFound
from graph.core.tx import fetch_all, fetch_one
from graph.core.values import now
from tests.api.access.conftest import MakeUser
from tests.conftest import ApiClient


async def test_a_key_is_stored_only_as_its_hash(graph: Graph, make_user: MakeUser) -> None:
    user = await make_user()
    key = await api_keys.create_api_key(graph, user.id, "laptop")
    assert key.secret.startswith(f"lin_{key.record.id}_")
    assert key_id_of(key.secret) == key.record.id
    assert key.record.prefix == f"lin_{key.record.id[:8]}"
    assert key.record.label == "laptop" and key.record.revoked_at is None
    assert "secret=<hidden>" in repr(key) and key.secret not in repr(key)
    row = await graph.read(
        fetch_one, "MATCH (k:ApiKey {id: $id}) RETURN properties(k) AS p", id=key.record.id
    )
    assert row is not None
    stored = row["p"]
    assert stored["key_hash"] == hash_key(key.secret)
    assert key.secret not in {str(value) for value in stored.values()}
    assert set(stored) == {"id", "key_hash", "prefix", "label", "created_at"}


async def test_authentication_finds_the_owner_and_revocation_is_immediate(
    graph: Graph, make_user: MakeUser
) -> None:
    user = await make_user()
    key = await api_keys.create_api_key(graph, user.id)
    caller = await authenticate(f"Bearer {key.secret}", graph)
    assert (caller.user_id, caller.name, caller.key_id) == (user.id, user.name, key.record.id)
    assert not caller.is_server_admin and caller.refused is None

    revoked = await api_keys.revoke_api_key(graph, key.record.id, owner_id=user.id)
    assert revoked.revoked_at is not None
    refused = await authenticate(f"Bearer {key.secret}", graph)
    assert refused.is_anonymous and refused.refused == "Invalid or revoked API key"
    again = await api_keys.revoke_api_key(graph, key.record.id, owner_id=user.id)
    assert again.revoked_at == revoked.revoked_at  # idempotent: keeps the first time
    # the user's other key still works
    assert (await authenticate(f"Bearer {user.key}", graph)).user_id == user.id


@pytest.mark.parametrize(
    "header",
    [
        "Basic dXNlcjpwYXNz",
        "Bearer",
        "Bearer ",
        "Bearer lin_",
        "Bearer lin_0123456789abcdef0123456789abcdef_short",
        "Bearer lin_0123456789abcdef0123456789abcdef_" + "A" * 43,
        "Bearer ' OR 1=1 //",
        "Bearer " + "x" * 10_000,
    ],
)
async def test_malformed_or_unknown_credentials_are_refused(graph: Graph, header: str) -> None:
    caller = await authenticate(header, graph)
    assert caller.is_anonymous and caller.refused is not None


async def test_a_tampered_key_with_a_real_id_is_refused(graph: Graph, make_user: MakeUser) -> None:
    user = await make_user()
    secret = user.key
    tampered = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    assert (await authenticate(f"Bearer {tampered}", graph)).refused is not None
    # another key's secret under this key's id
    other = await api_keys.create_api_key(graph, user.id)
    swapped = f"lin_{key_id_of(secret)}_{other.secret.split('_', 2)[2]}"
    assert (await authenticate(f"Bearer {swapped}", graph)).refused is not None


async def test_last_used_is_written_at_most_once_a_minute(
    graph: Graph, make_user: MakeUser
) -> None:
    user = await make_user()
    key = await api_keys.create_api_key(graph, user.id)
    await authenticate(f"Bearer {key.secret}", graph)
    [first] = await api_keys.keys_by_ids(graph, [key.record.id])
    assert first is not None and first.last_used_at is not None
    await authenticate(f"Bearer {key.secret}", graph)
    [second] = await api_keys.keys_by_ids(graph, [key.record.id])
    assert second is not None and second.last_used_at == first.last_used_at
    # a use more than a minute later is recorded
    stale = now() - timedelta(minutes=2)
    await graph.write(
        fetch_all, "MATCH (k:ApiKey {id: $id}) SET k.last_used_at = $at", id=key.record.id, at=stale
    )
    await authenticate(f"Bearer {key.secret}", graph)
    [third] = await api_keys.keys_by_ids(graph, [key.record.id])
    assert third is not None and third.last_used_at is not None and third.last_used_at > stale


async def test_others_cannot_revoke_a_key_but_a_server_admin_can(
    graph: Graph, make_user: MakeUser
) -> None:
    owner, stranger = await make_user(), await make_user()
    key = await api_keys.create_api_key(graph, owner.id)
    with pytest.raises(NotFound):
        await api_keys.revoke_api_key(graph, key.record.id, owner_id=stranger.id)
    record = await api_keys.revoke_api_key(graph, key.record.id, owner_id=None)
    assert record.revoked_at is not None


async def test_keys_are_listed_newest_first_and_active_keys_are_bounded(
    graph: Graph, make_user: MakeUser
) -> None:
    user = await make_user()
    made = await asyncio.gather(
        *[api_keys.create_api_key(graph, user.id, f"k{i}") for i in range(MAX_ACTIVE_KEYS + 5)],
        return_exceptions=True,
    )
    refused = [m for m in made if isinstance(m, LimitExceeded)]
    created = [m for m in made if isinstance(m, api_keys.NewApiKey)]
    assert len(created) == MAX_ACTIVE_KEYS - 1  # the user's first key counts too
    assert len(refused) == 6
    page, total = await api_keys.keys_of_user(graph, user.id, 0, 3)
    assert total == MAX_ACTIVE_KEYS
    assert [k.created_at for k in page] == sorted((k.created_at for k in page), reverse=True)
    await api_keys.revoke_api_key(graph, created[0].record.id, owner_id=user.id)
    await api_keys.create_api_key(graph, user.id)  # room again after a revocation


async def test_labels_are_bounded_and_users_need_an_existing_user(
    graph: Graph, make_user: MakeUser
) -> None:
    user = await make_user()
    with pytest.raises(InvalidInput):
        await api_keys.create_api_key(graph, user.id, "x" * 101)
    with pytest.raises(InvalidInput):
        await api_keys.create_api_key(graph, user.id, "line\nbreak")
    with pytest.raises(NotFound):
        await api_keys.create_api_key(graph, "0" * 32)


async def test_user_names_are_unique_and_validated(
    graph: Graph, unique: Callable[[str], str]
) -> None:
    name = unique("user")
    user, key = await create_user(graph, name)
    assert key is None and not user.is_server_admin
    assert await user_by_name(graph, name) == user
    with pytest.raises(AlreadyExists):
        await create_user(graph, name)
    for bad in ["", "a b", "../x", "x" * 129, "Robert'); DROP"]:
        with pytest.raises(InvalidName):
            await create_user(graph, bad)


async def test_a_key_past_its_expiry_is_refused_and_no_longer_counts_as_active(
    graph: Graph, make_user: MakeUser
) -> None:
    user = await make_user()
    expires_at = now() + timedelta(seconds=1)
    key = await api_keys.create_api_key(graph, user.id, "ci", expires_at=expires_at)
    assert key.record.expires_at == expires_at
    assert (await authenticate(f"Bearer {key.secret}", graph)).key_id == key.record.id
    await asyncio.sleep((expires_at - now()).total_seconds() + 0.05)
    refused = await authenticate(f"Bearer {key.secret}", graph)
    assert refused.is_anonymous and refused.refused is not None
    [listed] = await api_keys.keys_by_ids(graph, [key.record.id])
    assert listed is not None and listed.expires_at == expires_at and listed.revoked_at is None
    assert (await authenticate(f"Bearer {user.key}", graph)).user_id == user.id  # no expiry


async def test_an_expiry_must_be_in_the_future_and_carry_a_timezone(
    graph: Graph, make_user: MakeUser
) -> None:
    user = await make_user()
    for bad in [
        now() - timedelta(seconds=1),
        now(),
        now().replace(tzinfo=None) + timedelta(days=1),
    ]:
        with pytest.raises(InvalidInput) as refused:
            await api_keys.create_api_key(graph, user.id, expires_at=bad)
        assert refused.value.field == "expiresAt"


CREATE_EXPIRING_KEY = """
mutation($at: DateTime) {
  createApiKey(input: {label: "nightly", expiresAt: $at}) {
    secret apiKey { id expiresAt expired } errors { code field }
  }
}
"""


async def test_create_api_key_takes_an_expiry_that_reads_back_and_ends_the_key(
    api: ApiClient, graph: Graph
) -> None:
    at = now() + timedelta(seconds=1)
    made = (await api.data(CREATE_EXPIRING_KEY, {"at": at.isoformat()}))["createApiKey"]
    assert made["errors"] == []
    assert made["apiKey"]["expired"] is False
    assert datetime.fromisoformat(made["apiKey"]["expiresAt"]) == at
    headers = {"authorization": f"Bearer {made['secret']}"}
    assert (await api.data("{ me { name } }", headers=headers))["me"] is not None
    await asyncio.sleep((at - now()).total_seconds() + 0.05)
    late = await api.gql("{ me { name } }", headers=headers)
    assert late["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    listed = await api.data(
        "query($id: ID!) { node(id: $id) { ... on ApiKey { expiresAt expired revoked } } }",
        {"id": made["apiKey"]["id"]},
    )
    assert listed["node"]["expired"] is True and listed["node"]["revoked"] is False
    past = (await api.data(CREATE_EXPIRING_KEY, {"at": "2001-01-01T00:00:00Z"}))["createApiKey"]
    assert past["errors"] == [{"code": "INVALID_INPUT", "field": "expiresAt"}]
    assert past["secret"] is None
