"""Following an organisation's event log from a notebook or a script.

    for event in lineage.events("acme", types=["ALIAS_SET"], after=saved_cursor):
        if event.alias == "production" and event.registry == "model":
            deploy(event.path)
        saved_cursor = event.cursor   # persist it: the next start resumes right after

It pages the `events` query (HTTP only, like the rest of the SDK), so it works through any proxy
that passes GraphQL; services that need events within milliseconds use the `events`
subscription or webhooks (docs/events.md, docs/webhooks.md). Events arrive in commit order,
each once; resuming from a saved cursor misses nothing the log still keeps (30 days by default).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lineage.client import Client, default_client

EVENTS = """
query($org: String!, $types: [EventType!], $filter: EventFilterInput, $after: String,
      $first: Int) {
  events(organization: $org, types: $types, filter: $filter, after: $after, first: $first) {
    edges { node {
      id cursor type time organization actor
      object { type id path }
      project artifact registry collection alias payload
    } }
    pageInfo { hasNextPage endCursor }
    lastCursor
  }
}
"""

PAGE_SIZE = 100


@dataclass(frozen=True)
class Event:
    """One committed change; `cursor` is its position in the organisation's log."""

    id: str
    cursor: str
    type: str
    time: datetime
    organization: str
    actor: str
    object_type: str
    object_id: str
    path: str | None
    project: str | None = None
    artifact: str | None = None
    registry: str | None = None
    collection: str | None = None
    alias: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, node: dict[str, Any]) -> Event:
        return cls(
            id=node["id"],
            cursor=node["cursor"],
            type=node["type"],
            time=datetime.fromisoformat(node["time"]),
            organization=node["organization"],
            actor=node["actor"],
            object_type=node["object"]["type"],
            object_id=node["object"]["id"],
            path=node["object"]["path"],
            project=node["project"],
            artifact=node["artifact"],
            registry=node["registry"],
            collection=node["collection"],
            alias=node["alias"],
            payload=node["payload"] or {},
        )


def events(
    organization: str,
    *,
    types: Iterable[str] | None = None,
    project: str | None = None,
    artifact: str | None = None,
    registry: str | None = None,
    collection: str | None = None,
    alias: str | None = None,
    after: str | int | None = None,
    follow: bool = True,
    poll_seconds: float = 1.0,
    client: Client | None = None,
) -> Iterator[Event]:
    """The organisation's events after cursor `after`, oldest first, as an iterator.

    `after=None` starts at the log's current end when following (only new events) and at its
    beginning otherwise; `after=0` is always the beginning. With `follow` (the default) it
    waits for new events, checking every `poll_seconds`, until the loop stops; without, it ends
    once it has caught up. `types` and the name filters keep only matching events (the cursor
    still moves past the others). Only events the caller may read are returned.
    """
    client = client or default_client()
    filter = {
        key: value
        for key, value in {
            "project": project,
            "artifact": artifact,
            "registry": registry,
            "collection": collection,
            "alias": alias,
        }.items()
        if value is not None
    }
    variables: dict[str, Any] = {
        "org": organization,
        "types": None if types is None else list(types),
        "filter": filter or None,
        "first": PAGE_SIZE,
    }
    cursor = None if after is None else str(after)
    if cursor is None and follow:  # read now, so "new" means after this call, not after next()
        page = client.execute(EVENTS, {**variables, "first": 0})["events"]
        cursor = page["lastCursor"]
    return _pages(client, variables, cursor, follow, poll_seconds)


def _pages(
    client: Client,
    variables: dict[str, Any],
    cursor: str | None,
    follow: bool,
    poll_seconds: float,
) -> Iterator[Event]:
    while True:
        page = client.execute(EVENTS, {**variables, "after": cursor})["events"]
        for edge in page["edges"]:
            yield Event.from_json(edge["node"])
        cursor = page["pageInfo"]["endCursor"] or cursor
        if page["pageInfo"]["hasNextPage"]:
            continue
        if not follow:
            return
        time.sleep(poll_seconds)
