"""The `events` query (the log paged) and the `events` subscription (the log followed live)."""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator

import strawberry
from graphql import GraphQLError
from strawberry.types import Info

from api.authz import Action
from api.context import Context
from api.errors import coded
from api.events.hub import EventHub
from api.events.readers import EventReader
from api.events.types import (
    Event,
    EventAfterArgument,
    EventEdge,
    EventFilterArgument,
    EventFilterInput,
    EventPage,
    EventType,
    EventTypesArgument,
    OrganizationArgument,
    stored_types,
)
from api.pagination import First, PageInfo
from graph.access.orgs import organization_by_name
from graph.core.errors import InvalidInput
from graph.events.filters import EventSelector
from graph.events.log import events_after, log_bounds

_CURSOR = re.compile(r"0|[1-9][0-9]{0,17}")
SCAN_PAGE = 200


def parse_cursor(value: str | None) -> int | None:
    if value is None:
        return None
    if not _CURSOR.fullmatch(value):
        raise InvalidInput(
            "An event cursor is a decimal number (an event's `cursor`, or 0)", field="after"
        )
    return int(value)


async def _org_id(info: Info[Context, None], organization: str) -> str | None:
    await info.context.authorize(Action.READ, org=organization)
    found = await organization_by_name(info.context.graph, organization)
    return None if found is None else found.id


async def _check_retained(info: Info[Context, None], org_id: str, after: int | None) -> int:
    """The newest cursor; INVALID_INPUT when `after` lies before events the log no longer
    keeps (resuming from it would skip them silently)."""
    bounds = await log_bounds(info.context.graph, org_id)
    if after is not None and bounds.oldest_seq is not None and after < bounds.oldest_seq - 1:
        raise InvalidInput(
            f"Events after cursor {after} are no longer kept (the oldest kept is "
            f"{bounds.oldest_seq}); read from there",
            field="after",
        )
    if after is not None and after > bounds.last_seq:
        raise InvalidInput(
            f"Cursor {after} is past the log's newest event ({bounds.last_seq})", field="after"
        )
    return bounds.last_seq


def reader_of(context: Context) -> EventReader:
    return EventReader(
        context.graph,
        context.credentials,
        anonymous_read=context.settings.allow_anonymous_read,
    )


@strawberry.type
class EventQuery:
    @strawberry.field(
        description="An organisation's event log, oldest first, from a cursor: the same events "
        "the `events` subscription and webhooks deliver, for catching up or auditing. Only "
        "events about objects the caller may read now are returned."
    )
    async def events(
        self,
        info: Info[Context, None],
        organization: OrganizationArgument,
        types: EventTypesArgument = None,
        filter: EventFilterArgument = None,
        after: EventAfterArgument = None,
        first: First = None,
    ) -> EventPage:
        settings = info.context.settings
        size = settings.default_page_size if first is None else first
        if not 0 <= size <= settings.max_page_size:
            raise InvalidInput(
                f"first must be between 0 and {settings.max_page_size}", field="first"
            )
        start = parse_cursor(after) or 0
        org_id = await _org_id(info, organization)
        if org_id is None:
            return EventPage(edges=[], page_info=_page_info([], start, False), last_cursor="0")
        last = await _check_retained(info, org_id, start)
        selector = EventSelector.of(
            stored_types(types), None if filter is None else filter.to_filter()
        )
        reader = EventReader.of_caller(info.context.graph, info.context.caller)
        found: list[Event] = []
        cursor = start
        exhausted = False
        while len(found) < size and not exhausted:
            batch = await events_after(
                info.context.graph, org_id, cursor, limit=SCAN_PAGE, types=selector.type_list
            )
            for event in batch:
                cursor = event.seq
                if selector.matches(event) and await reader.may_read(event):
                    found.append(Event.from_record(event))
                    if len(found) == size:
                        break
            else:
                exhausted = len(batch) < SCAN_PAGE
        if exhausted:  # the rest of the log up to `last` holds nothing for this reader
            cursor = max(cursor, last)
        has_next = cursor < last
        return EventPage(
            edges=[EventEdge(node=event, cursor=event.cursor) for event in found],
            page_info=_page_info(found, cursor, has_next, start > 0),
            last_cursor=str(last),
        )


def _page_info(
    found: list[Event], end: int, has_next: bool, has_previous: bool = False
) -> PageInfo:
    return PageInfo(
        has_next_page=has_next,
        has_previous_page=has_previous,
        start_cursor=found[0].cursor if found else None,
        end_cursor=str(end),
    )


@strawberry.type
class EventSubscription:
    @strawberry.subscription(
        description="An organisation's events as they commit, over the graphql-transport-ws "
        "protocol on /graphql (authenticate in `connection_init` with "
        '`{"Authorization": "Bearer <API key>"}`, or with the web app\'s session). With '
        "`after:`, the events since that cursor are replayed first, in order, then the live "
        "ones follow without a gap or a duplicate. Only events about objects the subscriber "
        "may read at delivery time are sent; a revoked key ends the subscription."
    )
    async def events(
        self,
        info: Info[Context, None],
        organization: OrganizationArgument,
        types: EventTypesArgument = None,
        filter: EventFilterArgument = None,
        after: EventAfterArgument = None,
    ) -> AsyncGenerator[Event]:
        try:
            async for event in _follow(info, organization, types, filter, after):
                yield event
        except GraphQLError:
            raise
        except Exception as error:
            raise coded(error) from error


async def _follow(
    info: Info[Context, None],
    organization: str,
    types: list[EventType] | None,
    filter: EventFilterInput | None,
    after: str | None,
) -> AsyncGenerator[Event]:
    start = parse_cursor(after)
    org_id = await _org_id(info, organization)
    if org_id is None:
        raise InvalidInput(f"Organization {organization!r} has no events yet", field="organization")
    await _check_retained(info, org_id, start)
    selector = EventSelector.of(stored_types(types), None if filter is None else filter.to_filter())
    reader = reader_of(info.context)
    hub: EventHub = info.context.event_hub
    async for event in hub.subscribe(org_id, start):
        if selector.matches(event) and await reader.may_read(event):
            yield Event.from_record(event)
