"""Concurrent SDK writers: each thread logs, links, aliases, uses and downloads artifacts through
its own `lineage.Client` (its own API key) against one API process, and records every
operation's outcome and every version it saw committed in a shared ledger.

Operations fail in expected ways while services are down; what is recorded is the failure's
code (the SDK raises `LineageError` with the server's code, or UNAVAILABLE when no API answered),
so the suite can hold every failure to being coded.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

import lineage
from lineage.errors import LineageError

ARTIFACTS = 4
"""Artifacts the writers share, so concurrent commits race for the next version number."""
COLLECTIONS = 3
ALIASES = 4
SHARED_FILE = b"the same bytes in many versions (deduplicated)\n"
OPERATIONS = {"log": 5, "run": 2, "link": 2, "alias": 2, "download": 1}
"""Relative frequency of each operation a writer picks."""
NEEDS_A_VERSION = frozenset({"link", "alias", "download"})
"""Operations on a version some writer saw committed: a log until there is one."""


@dataclass(frozen=True)
class Workspace:
    """Where the writers work: one organisation, one project, one registry."""

    org: str
    project: str = "p"
    registry: str = "models"

    @property
    def project_path(self) -> str:
        return f"{self.org}/{self.project}"

    def collection_path(self, index: int) -> str:
        return f"{self.org}/wandb-registry-{self.registry}/c{index}"


@dataclass(frozen=True)
class SeenVersion:
    """A version a writer saw committed: what must still be there afterwards."""

    id: str
    path: str
    artifact: str
    index: int
    digest: str


@dataclass(frozen=True)
class Outcome:
    operation: str
    api: str
    started: float
    ended: float
    code: str | None
    """None for success; the LineageError code; `UNCODED:<type>` for anything else."""
    message: str = ""


@dataclass
class Ledger:
    """What every writer did; thread-safe."""

    outcomes: list[Outcome] = field(default_factory=list)
    versions: dict[str, SeenVersion] = field(default_factory=dict)
    links: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, outcome: Outcome) -> None:
        with self._lock:
            self.outcomes.append(outcome)

    def saw(self, version: lineage.ArtifactVersion) -> None:
        seen = SeenVersion(version.id, version.path, version.name, version.index, version.digest)
        with self._lock:
            self.versions[seen.id] = seen

    def pick_version(self, rng: random.Random) -> SeenVersion | None:
        with self._lock:
            if not self.versions:
                return None
            return rng.choice(list(self.versions.values()))

    def linked(self) -> None:
        with self._lock:
            self.links += 1


class Writer:
    """One SDK client in a loop of random operations until `stop` is set."""

    def __init__(
        self,
        number: int,
        api_name: str,
        api_url: str,
        api_key: str,
        workspace: Workspace,
        ledger: Ledger,
        folder: Path,
        seed: int,
    ) -> None:
        self.number = number
        self.api_name = api_name
        self.workspace = workspace
        self.ledger = ledger
        self.folder = folder
        self.rng = random.Random(seed * 1000 + number)
        self.client = lineage.Client(api_url, api_key=api_key)
        self.committing: str | None = None
        """The draft of a commitArtifactDraft request sent and not yet answered, if any: the
        suite kills an API process while one of its writers has one."""
        self.client.http.event_hooks["request"].append(self._on_request)
        self.client.http.event_hooks["response"].append(self._on_response)
        folder.mkdir(parents=True, exist_ok=True)

    def _on_request(self, request: httpx.Request) -> None:
        if b"commitArtifactDraft" in request.content:
            variables = json.loads(request.content).get("variables") or {}
            self.committing = str((variables.get("input") or {}).get("draftId"))

    def _on_response(self, response: httpx.Response) -> None:
        self.committing = None

    def run(self, stop: threading.Event) -> None:
        names = list(OPERATIONS)
        weights = list(OPERATIONS.values())
        try:
            while not stop.is_set():
                operation = self.rng.choices(names, weights)[0]
                if operation in NEEDS_A_VERSION and not self.ledger.versions:
                    operation = "log"
                self.attempt(operation)
        finally:
            self.client.close()

    def attempt(self, operation: str) -> None:
        started = time.monotonic()
        code: str | None = None
        message = ""
        try:
            getattr(self, f"_{operation}")()
        except LineageError as error:
            code, message = error.code, error.message
        except Exception as error:
            code, message = f"UNCODED:{type(error).__name__}", str(error)[:300]
        finally:
            self.committing = None
        self.ledger.record(
            Outcome(operation, self.api_name, started, time.monotonic(), code, message)
        )

    def _artifact(self) -> lineage.Artifact:
        artifact = lineage.Artifact(f"ds-{self.rng.randrange(ARTIFACTS)}", "dataset")
        unique = self.folder / "unique.bin"
        unique.write_bytes(self.rng.randbytes(self.rng.randrange(64, 4096)))
        artifact.add_file(unique, "unique.bin")
        if self.rng.random() < 0.5:
            shared = self.folder / "shared.txt"
            shared.write_bytes(SHARED_FILE)
            artifact.add_file(shared, "shared.txt")
        return artifact

    def _log(self) -> None:
        version = lineage.log_artifact(
            self._artifact(), self.workspace.project_path, client=self.client, workers=2
        )
        self.ledger.saw(version)

    def _run(self) -> None:
        """A run that uses the latest of one artifact and produces a version of another."""
        with lineage.init(self.workspace.project_path, "train", client=self.client) as run:
            used = run.use_artifact(f"ds-{self.rng.randrange(ARTIFACTS)}:latest")
            self.ledger.saw(used)
            self.ledger.saw(run.log_artifact(self._artifact(), workers=2))

    def _link(self) -> None:
        seen = self.ledger.pick_version(self.rng)
        assert seen is not None  # see NEEDS_A_VERSION
        aliases = [f"c{self.rng.randrange(ALIASES)}"] if self.rng.random() < 0.5 else []
        target = self.workspace.collection_path(self.rng.randrange(COLLECTIONS))
        lineage.link_artifact(seen.id, target, aliases, client=self.client)
        self.ledger.linked()

    def _alias(self) -> None:
        seen = self.ledger.pick_version(self.rng)
        assert seen is not None  # see NEEDS_A_VERSION
        version = lineage.get_artifact(seen.path, client=self.client)
        version.set_alias(f"a{self.rng.randrange(ALIASES)}")

    def _download(self) -> None:
        seen = self.ledger.pick_version(self.rng)
        assert seen is not None  # see NEEDS_A_VERSION
        version = lineage.get_artifact(seen.path, client=self.client)
        version.download(self.folder / "download" / seen.id, progress=False)


def summarise(outcomes: list[Outcome]) -> dict[str, Any]:
    """Counts: operations tried, succeeded, and failed by code."""
    failed = Counter(o.code for o in outcomes if o.code is not None)
    return {
        "tried": len(outcomes),
        "succeeded": sum(1 for o in outcomes if o.code is None),
        "failed": dict(failed.most_common()),
        "by_operation": dict(Counter(o.operation for o in outcomes).most_common()),
    }


def timeline(outcomes: list[Outcome], began: float, step: float = 5.0) -> list[str]:
    """Per `step` seconds of load (by when operations ended): successes and failures by code,
    with one failure message per code, to see when the faults bit and when writers recovered."""
    buckets: dict[int, list[Outcome]] = {}
    for outcome in outcomes:
        buckets.setdefault(int((outcome.ended - began) // step), []).append(outcome)
    lines = []
    for bucket in sorted(buckets):
        ended = buckets[bucket]
        ok = sum(1 for o in ended if o.code is None)
        failed = Counter(o.code for o in ended if o.code is not None)
        example = {o.code: o.message[:120] for o in ended if o.code is not None}
        lines.append(
            f"{bucket * step:5.0f}s+ ok {ok:4d} failed {dict(failed)}"
            + "".join(f"\n          {code}: {message}" for code, message in example.items())
        )
    return lines
