"""The sweeper: expire versions and drafts, apply retention, collect garbage.

Owns the order of one pass and running passes periodically. `sweep` is what the admin mutation
runs once; `run_sweeper` runs it every `settings.sweep_interval_seconds` for the life of the app.
A failing sweep is logged and retried at the next interval; it never takes the app down.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta

from graph.artifacts import retention, ttl
from graph.artifacts.gc import collect_garbage
from graph.core.driver import Graph
from graph.core.values import now
from graph.events.delivery_log import sweep_deliveries
from graph.events.log import sweep_events
from storage.base import BlobStore
from workflows.settings import WorkflowSettings
from workflows.uploads import discard_draft

log = logging.getLogger("lineage.sweeper")


@dataclass(frozen=True)
class SweepReport:
    expired_versions: int
    expired_drafts: int
    retention_deleted: int
    deleted_blobs: int
    swept_events: int = 0
    swept_deliveries: int = 0


async def sweep(
    graph: Graph,
    blobs: BlobStore,
    *,
    org: str | None = None,
    event_retention_days: float | None = None,
) -> SweepReport:
    """One pass; `org` limits expiry and retention to one organisation (GC is always global:
    it only ever deletes blobs nothing uses). With `event_retention_days`, events older than
    that leave the log, and webhook delivery records with them."""
    at = now()
    expired = await ttl.expire_versions(graph, at, org=org)
    drafts = await ttl.expire_drafts(
        graph, at, org=org, discard=lambda draft_id: discard_draft(graph, blobs, draft_id)
    )
    retained = await retention.apply_all_retention(graph, org=org)
    report = await collect_garbage(graph, blobs)
    swept_events = swept_deliveries = 0
    if event_retention_days is not None:
        cutoff = at - timedelta(days=event_retention_days)
        swept_events = await sweep_events(graph, cutoff)
        swept_deliveries = await sweep_deliveries(graph, cutoff)  # webhook logs: same retention
    return SweepReport(
        expired_versions=len(expired),
        expired_drafts=drafts,
        retention_deleted=retained,
        deleted_blobs=len(report.deleted),
        swept_events=swept_events,
        swept_deliveries=swept_deliveries,
    )


async def run_sweeper(graph: Graph, blobs: BlobStore, settings: WorkflowSettings) -> None:
    """Sweep every `settings.sweep_interval_seconds` until cancelled."""
    while True:
        try:
            report = await sweep(graph, blobs, event_retention_days=settings.event_retention_days)
            if any(vars(report).values()):
                log.info("artifact sweep", extra=vars(report))
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("artifact sweep failed; retrying at the next interval")
        await asyncio.sleep(settings.sweep_interval_seconds)
