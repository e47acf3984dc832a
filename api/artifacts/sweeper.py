"""The artifact sweeper: expire versions and drafts, apply retention, collect garbage.

`sweep` is what the admin mutation runs once; `run_sweeper` runs it every `interval` seconds
for the life of the app (the lead wires it into the lifespan). A failing sweep is logged and
retried at the next interval; it never takes the app down.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from api.context import Services
from graph.artifacts import retention, ttl
from graph.artifacts.gc import collect_garbage
from graph.core.values import now

log = logging.getLogger("lineage.sweeper")


@dataclass(frozen=True)
class SweepReport:
    expired_versions: int
    expired_drafts: int
    retention_deleted: int
    deleted_blobs: int


async def sweep(services: Services, *, org: str | None = None) -> SweepReport:
    """One pass; `org` limits expiry and retention to one organisation (GC is always global:
    it only ever deletes blobs nothing uses)."""
    at = now()
    expired = await ttl.expire_versions(services.graph, at, org=org)
    drafts = await ttl.expire_drafts(services.graph, at, org=org)
    retained = await retention.apply_all_retention(services.graph, org=org)
    report = await collect_garbage(services.graph, services.blobs)
    return SweepReport(
        expired_versions=len(expired),
        expired_drafts=drafts,
        retention_deleted=retained,
        deleted_blobs=len(report.deleted),
    )


async def run_sweeper(services: Services, interval: float) -> None:
    """Sweep every `interval` seconds until cancelled."""
    while True:
        try:
            report = await sweep(services)
            if any(vars(report).values()):
                log.info("artifact sweep", extra=vars(report))
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("artifact sweep failed; retrying at the next interval")
        await asyncio.sleep(interval)
