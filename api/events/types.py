"""The GraphQL face of the event log: `Event`, its enum of types, the filter input, and the
paged `EventPage` the `events` query answers."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON

from api.pagination import PageInfo
from graph.core.events import EventType as StoredEventType
from graph.core.events import global_id
from graph.events.filters import EventFilter
from graph.events.log import EventRecord


@strawberry.enum(name="EventType", description="What an event records.")
class EventType(Enum):
    VERSION_CREATED = strawberry.enum_value(
        "VERSION_CREATED",
        description="A new artifact version was committed (identical content logged again "
        "creates no version and no event).",
    )
    VERSION_DELETED = strawberry.enum_value(
        "VERSION_DELETED",
        description="A version was deleted (by a user, or with its artifact); it stays as a "
        "tombstone.",
    )
    VERSION_EXPIRED = strawberry.enum_value(
        "VERSION_EXPIRED",
        description="A version was deleted by its TTL or its artifact's retention policy "
        "(`payload.reason`: `expire` or `retention`).",
    )
    ALIAS_SET = strawberry.enum_value(
        "ALIAS_SET",
        description="An artifact alias or a collection alias (`payload.scope`) now names a "
        "version; `payload.from` is the version it named before, if any.",
    )
    ALIAS_REMOVED = strawberry.enum_value(
        "ALIAS_REMOVED",
        description="An alias was removed; `payload.from` is the version it named.",
    )
    VERSION_LINKED = strawberry.enum_value(
        "VERSION_LINKED", description="A version was linked into a registry collection."
    )
    VERSION_UNLINKED = strawberry.enum_value(
        "VERSION_UNLINKED", description="A version was unlinked from a registry collection."
    )
    COLLECTION_CREATED = strawberry.enum_value(
        "COLLECTION_CREATED",
        description="A registry collection was created (explicitly, or by the first link into "
        "it: `payload.byLink`).",
    )
    RUN_STARTED = strawberry.enum_value("RUN_STARTED", description="A run was created.")
    RUN_FINISHED = strawberry.enum_value(
        "RUN_FINISHED",
        description="A run ended; `payload.state` is FINISHED, FAILED or CRASHED.",
    )
    LINEAGE_EDGE_ADDED = strawberry.enum_value(
        "LINEAGE_EDGE_ADDED",
        description="A run CONSUMED or PRODUCED a version (`payload.edge`); the event's object "
        "is the version, the run is in `payload.run`.",
    )

    def stored(self) -> StoredEventType:
        return StoredEventType(self.name)


def stored_types(types: list[EventType] | None) -> list[StoredEventType] | None:
    return None if types is None else [t.stored() for t in types]


@strawberry.type(description="The object an event is about.")
class EventObject:
    type: str = strawberry.field(
        description="Its GraphQL type: `ArtifactVersion`, `RegistryVersion`, `Collection` or `Run`."
    )
    id: strawberry.ID = strawberry.field(
        description="Its global id (`node(id:)` answers it while it exists)."
    )
    path: str | None = strawberry.field(
        description="How users address it: `org/project/artifact:vN`, "
        "`org/registry-NAME/collection:vN`, `org/registry-NAME/collection`, "
        "`org/project/runs/ID`."
    )


@strawberry.type(
    description="One committed change of an organisation, from its event log. Recorded in the "
    "same transaction as the change: it exists if and only if the change committed."
)
class Event:
    id: strawberry.ID = strawberry.field(
        description="Stable, unique id: receivers deduplicate by it (webhook deliveries are "
        "at-least-once)."
    )
    cursor: str = strawberry.field(
        description="Position in the organisation's log: a decimal number, increasing by one "
        "per event, in commit order. Pass it as `after` to resume right after this event."
    )
    type: EventType = strawberry.field(description="What happened.")
    time: datetime = strawberry.field(description="When the change committed (UTC).")
    organization: str = strawberry.field(description="The organisation's name.")
    actor: str = strawberry.field(
        description="User name of who made the change; `system:ttl` or `system:retention` for "
        "the sweeper."
    )
    object: EventObject = strawberry.field(description="What the event is about.")
    project: str | None = strawberry.field(description="The object's project, if it has one.")
    artifact: str | None = strawberry.field(description="The object's artifact, if any.")
    registry: str | None = strawberry.field(description="The object's registry, if any.")
    collection: str | None = strawberry.field(description="The object's collection, if any.")
    alias: str | None = strawberry.field(description="The alias, for ALIAS_SET/ALIAS_REMOVED.")
    payload: JSON = strawberry.field(
        description="Details by type (see EventType's values and docs/events.md): versions, "
        "from/to of aliases, run state, edge kind."
    )

    @classmethod
    def from_record(cls, record: EventRecord) -> Event:
        payload: Any = record.payload
        return cls(
            id=strawberry.ID(record.id),
            cursor=str(record.seq),
            type=EventType(record.type.value),
            time=record.at,
            organization=record.org,
            actor=record.actor,
            object=EventObject(
                type=record.object_kind,
                id=strawberry.ID(global_id(record.object_kind, record.object_id)),
                path=record.path,
            ),
            project=record.project,
            artifact=record.artifact,
            registry=record.registry,
            collection=record.collection,
            alias=record.alias,
            payload=payload,
        )


@strawberry.input(
    description="Keep only events about objects that match every given field exactly."
)
class EventFilterInput:
    project: str | None = strawberry.field(default=None, description="Project name.")
    artifact: str | None = strawberry.field(default=None, description="Artifact name.")
    registry: str | None = strawberry.field(
        default=None, description="Registry name, without the `registry-` prefix."
    )
    collection: str | None = strawberry.field(default=None, description="Collection name.")
    alias: str | None = strawberry.field(
        default=None, description="Alias name (ALIAS_SET and ALIAS_REMOVED events)."
    )

    def to_filter(self) -> EventFilter:
        return EventFilter(
            project=self.project,
            artifact=self.artifact,
            registry=self.registry,
            collection=self.collection,
            alias=self.alias,
        )


@strawberry.type(description="One event of a page and its cursor.")
class EventEdge:
    node: Event = strawberry.field(description="The event.")
    cursor: str = strawberry.field(description="The event's cursor (same as `node.cursor`).")


@strawberry.type(
    description="A page of an organisation's event log, oldest first. Events the caller may not "
    "read, or that the filter leaves out, are skipped; `pageInfo.endCursor` still moves past "
    "them, so following it never reads them again."
)
class EventPage:
    edges: list[EventEdge] = strawberry.field(description="The events of this page, in order.")
    page_info: PageInfo = strawberry.field(
        description="`endCursor` is where the next page starts (pass it as `after`), also when "
        "this page is empty; `hasNextPage` is false once the log's end was reached."
    )
    last_cursor: str = strawberry.field(
        description="The cursor of the newest event of the whole log when this page was read "
        "(`0` for an empty log): subscribe with `after:` it to go on live."
    )


EventTypesArgument = Annotated[
    list[EventType] | None,
    strawberry.argument(description="Only these types; null or empty means every type."),
]
EventFilterArgument = Annotated[
    EventFilterInput | None,
    strawberry.argument(description="Only events about matching objects."),
]
EventAfterArgument = Annotated[
    str | None,
    strawberry.argument(
        description="Start after this cursor (an event's `cursor`, or `0` for the log's "
        "beginning). Null: in the `events` query, from the beginning; in the subscription, "
        "only events committed from now on. A cursor older than the log keeps (events are "
        "kept LINEAGE_EVENT_RETENTION_DAYS, 30 by default) is INVALID_INPUT."
    ),
]
OrganizationArgument = Annotated[
    str, strawberry.argument(description="The organisation whose events to read.")
]
