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
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from strawberry.relay import GlobalID

from api.access.safe_json import has_lone_surrogate
from graph.core.errors import InvalidInput
from graph.lineage.model import Direction, NodeKind, WalkFilters, WalkLimits, WalkSpec

RAW_ID = re.compile(r"[A-Za-z0-9_\-]{8,64}")
_COUNT = re.compile(r"[0-9]{1,9}")  # a distance or node budget in a cluster id (ASCII digits)
CLUSTER_PREFIX = "c:"
WALK_PREFIX = "lw1."


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


def walk_token(spec: WalkSpec) -> str:
    """An opaque token for everything that determines a walk (seed, direction, filters,
    bounds); cluster ids are short and only meaningful together with it."""
    filters, limits = spec.filters, spec.limits
    payload: dict[str, Any] = {
        "s": spec.seed_id,
        "d": spec.direction.value,
        "a": None if filters.artifact_types is None else list(filters.artifact_types),
        "j": None if filters.job_types is None else list(filters.job_types),
        "o": None if filters.kinds is None else [k.value for k in filters.kinds],
        "t": None if spec.as_of is None else spec.as_of.isoformat(),
        "h": list(filters.hidden),
        "l": [
            limits.depth,
            limits.level_limit,
            limits.node_limit,
            limits.time_budget_ms,
            limits.cluster_threshold,
            limits.max_items,
        ],
    }
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return WALK_PREFIX + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def spec_of_token(token: str) -> WalkSpec:
    """The walk a `walk_token` stands for; `InvalidInput` for anything else."""
    if not token.startswith(WALK_PREFIX):
        raise InvalidInput("Not a lineage walk token", field="walk")
    body = token[len(WALK_PREFIX) :]
    try:
        payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        if has_lone_surrogate(payload):  # not text: no query could carry it (see safe_json)
            raise ValueError("a lone surrogate")
        depth, level, nodes, budget, threshold, items = payload["l"]
        kinds = payload["o"]
        moment = payload.get("t")
        as_of = None if moment is None else datetime.fromisoformat(str(moment))
        if as_of is not None and as_of.tzinfo is None:
            raise ValueError("a moment without a time zone")
        return WalkSpec(
            seed_id=str(payload["s"]),
            direction=Direction(payload["d"]),
            filters=WalkFilters(
                artifact_types=_strings(payload["a"]),
                job_types=_strings(payload["j"]),
                kinds=None if kinds is None else tuple(NodeKind(k) for k in kinds),
                hidden=_strings(payload["h"]) or (),
            ),
            limits=WalkLimits(
                depth=int(depth),
                level_limit=int(level),
                node_limit=int(nodes),
                time_budget_ms=int(budget),
                cluster_threshold=int(threshold),
                max_items=int(items),
            ),
            as_of=as_of,
        )
    except InvalidInput:
        raise
    except (ValueError, KeyError, TypeError, OverflowError, RecursionError, binascii.Error):
        # UnicodeDecodeError is a ValueError; OverflowError from int(1e400), RecursionError
        # from a token of nested brackets
        raise InvalidInput("Not a lineage walk token", field="walk") from None


@dataclass(frozen=True)
class ClusterRef:
    """A cluster of one level: the walk that leads to it and the group it stands for.

    Its id is short (`c:d4:<group>`, plus `:<n>` when the level was cut by the node limit at n)
    and unique within one answer; with the answer's walk token it finds the cluster again.
    """

    spec: WalkSpec
    direction: Direction
    distance: int
    key: str
    scan_limit: int
    binding: bool = False

    def encode(self) -> str:
        side = "u" if self.direction is Direction.UPSTREAM else "d"
        cut = f":{self.scan_limit}" if self.binding else ""
        return f"{CLUSTER_PREFIX}{side}{self.distance}:{self.key}{cut}"

    @classmethod
    def decode(cls, spec: WalkSpec, value: str) -> ClusterRef:
        """The cluster `value` names in the walk `spec`; `InvalidInput` unless `encode` could
        have made it for that walk (distance within its depth, a cut within its node limit)."""
        parts = value.split(":")
        if len(parts) not in (3, 4) or parts[0] != CLUSTER_PREFIX[:-1] or len(parts[1]) < 2:
            raise InvalidInput("Not a lineage cluster id", field="id")
        side, distance = parts[1][0], parts[1][1:]
        numbers = [distance, *parts[3:]]
        if side not in "ud" or not parts[2] or not all(map(_COUNT.fullmatch, numbers)):
            raise InvalidInput("Not a lineage cluster id", field="id")
        direction = Direction.UPSTREAM if side == "u" else Direction.DOWNSTREAM
        binding = len(parts) == 4
        scan = int(parts[3]) if binding else spec.limits.node_limit
        if (
            direction not in spec.direction.walks
            or not 1 <= int(distance) <= spec.limits.depth
            or not 1 <= scan <= spec.limits.node_limit
        ):
            raise InvalidInput("This cluster is not part of that walk", field="id")
        one_way = replace(spec, direction=direction)
        return cls(one_way, direction, int(distance), parts[2], scan, binding)


def _strings(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError("expected a list of strings")
    return tuple(value)
