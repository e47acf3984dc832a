"""The few settings the workflows read, as a frozen value the API builds from its `Settings`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WorkflowSettings:
    signed_url_ttl_seconds: int
    """How long an upload or download URL handed to a client stays valid."""
    sweep_interval_seconds: float
    """Seconds between two background sweeps."""
    event_retention_days: float = 30.0
    """Events older than this are swept from the log."""
