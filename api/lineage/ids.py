"""Ids in lineage requests: any node's global id or its raw uuid hex, and opaque cluster ids.

Lineage accepts the id of any type that wraps a run or an artifact version (`Run`,
`LineageVersion`, the artifacts feature's `ArtifactVersion`) or the raw 32-hex id, so clients
can pass whatever id they already hold. A cluster id carries everything needed to re-derive its
level (seed, direction, distance, filters, bounds, group key), so paging its members is
deterministic and needs no server-side state.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from typing import Any

from strawberry.relay import GlobalID

from graph.errors import InvalidInput
from graph.lineage_model import Direction, NodeKind, WalkFilters, WalkLimits, WalkSpec

RAW_ID = re.compile(r"[A-Za-z0-9_\-]{8,64}")
CLUSTER_PREFIX = "lc1."


def node_id(value: str, *, field: str = "id") -> str:
    """Our id inside a global id (or the raw id itself); `InvalidInput` when it is neither."""
    if RAW_ID.fullmatch(value) and len(value) == 32:
        return value
    try:
        decoded = GlobalID.from_id(value).node_id
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        decoded = value
    if not RAW_ID.fullmatch(decoded):
        raise InvalidInput("Not a run or artifact version id", field=field)
    return decoded


def global_id(kind: NodeKind, raw: str) -> str:
    type_name = "Run" if kind is NodeKind.RUN else "LineageVersion"
    return str(GlobalID(type_name, raw))


@dataclass(frozen=True)
class ClusterRef:
    """A cluster of one level: the walk that leads to it and the group it stands for."""

    spec: WalkSpec
    direction: Direction
    distance: int
    key: str
    scan_limit: int

    def encode(self) -> str:
        filters, limits = self.spec.filters, self.spec.limits
        payload: dict[str, Any] = {
            "s": self.spec.seed_id,
            "d": self.direction.value,
            "n": self.distance,
            "k": self.key,
            "r": self.scan_limit,
            "a": None if filters.artifact_types is None else list(filters.artifact_types),
            "j": None if filters.job_types is None else list(filters.job_types),
            "o": None if filters.kinds is None else [k.value for k in filters.kinds],
            "h": list(filters.hidden),
            "l": [
                limits.level_limit,
                limits.node_limit,
                limits.time_budget_ms,
                limits.cluster_threshold,
                limits.max_items,
            ],
        }
        raw = json.dumps(payload, separators=(",", ":")).encode()
        return CLUSTER_PREFIX + base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, value: str) -> ClusterRef:
        if not value.startswith(CLUSTER_PREFIX):
            raise InvalidInput("Not a lineage cluster id", field="id")
        body = value[len(CLUSTER_PREFIX) :]
        try:
            payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
            level, nodes, budget, threshold, items = payload["l"]
            kinds = payload["o"]
            spec = WalkSpec(
                seed_id=str(payload["s"]),
                direction=Direction(payload["d"]),
                filters=WalkFilters(
                    artifact_types=_strings(payload["a"]),
                    job_types=_strings(payload["j"]),
                    kinds=None if kinds is None else tuple(NodeKind(k) for k in kinds),
                    hidden=_strings(payload["h"]) or (),
                ),
                limits=WalkLimits(
                    depth=int(payload["n"]),
                    level_limit=int(level),
                    node_limit=int(nodes),
                    time_budget_ms=int(budget),
                    cluster_threshold=int(threshold),
                    max_items=int(items),
                ),
            )
            return cls(
                spec, spec.direction, int(payload["n"]), str(payload["k"]), int(payload["r"])
            )
        except InvalidInput:
            raise
        except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError):
            raise InvalidInput("Not a lineage cluster id", field="id") from None


def _strings(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError("expected a list of strings")
    return tuple(value)
