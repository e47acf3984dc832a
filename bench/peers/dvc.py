"""Benchmark: DVC against the Lineage SDK, side by side in one run, on the same S3 server.

    python -m bench.peers.dvc [--quick] [--cases a b] [--jobs 8] [--rounds 1] [--neo4j URI]

Installs DVC (`dvc`, `dvc-s3` from PyPI) into its own venv under `.lineage/peers/dvc` (once;
reused) and drives its CLI by subprocess. Starts versitygw on a free loopback port (or uses
`LINEAGE_BENCH_S3_ENDPOINT` with `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`) and the API as a
real `lineage serve` process whose blob store is that server (`s3://<bucket>/lineage`), on a Neo4j
(`--neo4j`, default the dev server bolt://127.0.0.1:7687; password from `NEO4J_PASSWORD`, else
`LINEAGE_TEST_NEO4J_PASSWORD`). DVC's remote is `s3://<bucket>/dvc` on the same server, the
endpoint in `.dvc/config` and the credentials in `.dvc/config.local`; the bucket is new each run.

Cases: (a) 1,000 files of 1 MiB, (b) 10,000 files of 4 KiB (`--quick`: 50 x 1 MiB and 500 x
4 KiB), in folders of 100 files, fresh random bytes each round. For each case, both tools on the
same files, the same number of parallel transfers (`--jobs`: `dvc push/pull -j`, SDK `workers`):

1. first push: `dvc add data` + `dvc push` against `lineage.log_artifact` (hashing included:
   md5 + copy into DVC's cache for DVC, sha256 for Lineage);
2. unchanged re-push: `dvc add` + `dvc push` again against `log_artifact` again (no file changed;
   both skip hashing through their own stat caches);
3. pull: `dvc pull` in a fresh clone of the project (its `.dvc` files and config, no cache, no
   data) against `ArtifactVersion.download()` into an empty folder and an empty cache.

Prints a table (seconds, and DVC / Lineage: above 1 means Lineage is faster), where the SDK's
time went in API calls (per GraphQL operation, summed over threads), and the load average before
and after. With `--rounds` > 1 the tools alternate which goes first and the table holds medians.
Exits non-zero if a step fails or a download does not match the files, not when Lineage is slower.
"""

from __future__ import annotations

import argparse
import asyncio
import filecmp
import os
import re
import shutil
import statistics
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lineage
from bench.artifact_transfer import _api_key, api_server, boto3_client, make_files, s3_endpoint
from bench.peers.dvc_cli import DvcProject, S3Remote, install, version

REPO = Path(__file__).resolve().parents[2]
VENV = REPO / ".lineage" / "peers" / "dvc"
KiB = 1024
MiB = 1024 * KiB
STEPS = ("first push", "unchanged re-push", "pull (empty cache)")


@dataclass(frozen=True)
class Case:
    key: str
    count: int
    size: int

    @property
    def label(self) -> str:
        unit = f"{self.size // MiB} MiB" if self.size >= MiB else f"{self.size // KiB} KiB"
        return f"{self.count:,} x {unit}"


FULL = {"a": Case("a", 1000, MiB), "b": Case("b", 10_000, 4 * KiB)}
QUICK = {"a": Case("a", 50, MiB), "b": Case("b", 500, 4 * KiB)}


class TimedClient(lineage.Client):
    """The SDK's client, recording the wall time of every GraphQL call by operation name (calls
    from the SDK's threads overlap, so their sum can exceed the step's wall time)."""

    _FIELD = re.compile(r"^\s*(?:query|mutation)[^{]*\{\s*(\w+)")
    """The first field of the SDK's (anonymous) operations: `createArtifactDraft`, `node`."""

    def __init__(self, url: str, api_key: str) -> None:
        super().__init__(url, api_key=api_key)
        self._lock = threading.Lock()
        self.calls: dict[str, list[float]] = defaultdict(list)

    def execute(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        idempotent: bool | None = None,
    ) -> dict[str, Any]:
        started = time.perf_counter()
        try:
            return super().execute(query, variables, idempotent=idempotent)
        finally:
            elapsed = time.perf_counter() - started
            match = self._FIELD.search(query)
            with self._lock:
                self.calls[match.group(1) if match else "?"].append(elapsed)

    def take(self) -> str:
        """The calls recorded since the last `take`, summarised, and forget them."""
        with self._lock:
            calls, self.calls = self.calls, defaultdict(list)
        total = sum(sum(v) for v in calls.values())
        parts = [f"{name} {len(v)}x {sum(v):.2f}s" for name, v in sorted(calls.items())]
        return f"API {sum(len(v) for v in calls.values())} calls, {total:.2f}s: " + ", ".join(parts)


@dataclass
class StepResult:
    dvc: float
    lineage: float
    dvc_note: str
    lineage_note: str


@dataclass
class CaseRun:
    case: Case
    steps: dict[str, StepResult] = field(default_factory=dict)


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def same_files(source: Path, copy: Path, count: int) -> None:
    """Raise unless `copy` holds exactly the `count` files of `source`, byte for byte."""
    names = sorted(p.relative_to(source) for p in source.rglob("*") if p.is_file())
    copied = sorted(p.relative_to(copy) for p in copy.rglob("*") if p.is_file())
    if len(names) != count or names != copied:
        raise SystemExit(f"{copy} holds {len(copied)} files, {source} {len(names)} (want {count})")
    _, mismatch, errors = filecmp.cmpfiles(source, copy, [str(n) for n in names], shallow=False)
    if mismatch or errors:
        raise SystemExit(f"{copy} differs from {source}: {(mismatch + errors)[:5]}")


def run_case(
    case: Case,
    work: Path,
    dvc: Path,
    remote: S3Remote,
    client: TimedClient,
    org: str,
    jobs: int,
    dvc_first: bool,
) -> CaseRun:
    """One round of a case: fresh files, then the three steps with both tools."""
    result = CaseRun(case)
    project = DvcProject.create(dvc, work / "project", remote)
    data = project.root / "data"
    make_files(data, case.count, case.size)
    os.environ["LINEAGE_CACHE_DIR"] = str(work / "lineage-cache")  # the hash cache, fresh
    holder: dict[str, lineage.ArtifactVersion] = {}

    def pair(
        step: str, dvc_step: Callable[[], tuple[float, str]], sdk_step: Callable[[], float]
    ) -> None:
        if dvc_first:
            dvc_seconds, note = dvc_step()
            sdk_seconds = sdk_step()
        else:
            sdk_seconds = sdk_step()
            dvc_seconds, note = dvc_step()
        result.steps[step] = StepResult(dvc_seconds, sdk_seconds, note, client.take())

    def dvc_push() -> tuple[float, str]:
        add = project.run("add", "--quiet", "data")
        push = project.run("push", "--quiet", "-j", str(jobs))
        return add + push, f"add {add:.2f}s + push {push:.2f}s"

    def sdk_log(first: bool) -> float:
        def log() -> None:
            art = lineage.Artifact("data", "dataset")
            art.add_dir(data)
            version = lineage.log_artifact(
                art, f"{org}/case-{case.key}", client=client, workers=jobs
            )
            if first:
                assert version.created and version.uploaded_bytes == case.count * case.size
                holder["version"] = version
            else:
                assert not version.created and version.uploaded_bytes == 0, version.uploaded_bytes

        return timed(log)

    pair("first push", dvc_push, lambda: sdk_log(True))
    pair("unchanged re-push", dvc_push, lambda: sdk_log(False))

    def dvc_pull() -> tuple[float, str]:
        clone = project.clone(work / "clone", remote)
        seconds = clone.run("pull", "--quiet", "-j", str(jobs))
        same_files(data, clone.root / "data", case.count)
        return seconds, "fresh clone, no cache"

    def sdk_pull() -> float:
        os.environ["LINEAGE_CACHE_DIR"] = str(work / "lineage-download-cache")
        out = work / "lineage-download"
        path = holder["version"].path
        seconds = timed(
            lambda: lineage.get_artifact(path, client=client).download(out, workers=jobs)
        )
        same_files(data, out, case.count)
        return seconds

    pair("pull (empty cache)", dvc_pull, sdk_pull)
    return result


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def print_table(runs: list[list[CaseRun]]) -> None:
    """Medians over rounds (one round: its figures); ratio = median of per-round DVC/Lineage."""
    print(
        f"\n{'case':<14} {'step':<20} {'DVC s':>8} {'Lineage s':>10} {'DVC/Lineage':>12}  "
        "DVC detail"
    )
    for case_index, first in enumerate(runs[0]):
        for step in STEPS:
            results = [rounds[case_index].steps[step] for rounds in runs]
            dvc_s = statistics.median(r.dvc for r in results)
            sdk_s = statistics.median(r.lineage for r in results)
            ratio = statistics.median(r.dvc / r.lineage for r in results)
            print(
                f"{first.case.label:<14} {step:<20} {dvc_s:8.2f} {sdk_s:10.2f} {ratio:12.2f}  "
                f"{results[-1].dvc_note}"
            )


def neo4j_password() -> None:
    if not os.environ.get("NEO4J_PASSWORD") and os.environ.get("LINEAGE_TEST_NEO4J_PASSWORD"):
        os.environ["NEO4J_PASSWORD"] = os.environ["LINEAGE_TEST_NEO4J_PASSWORD"]
    os.environ.setdefault("NEO4J_USER", "neo4j")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="50 x 1 MiB and 500 x 4 KiB")
    parser.add_argument("--cases", nargs="+", choices=sorted(FULL), default=sorted(FULL))
    parser.add_argument("--jobs", type=int, default=8, help="parallel transfers, both tools")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument(
        "--neo4j", default=os.environ.get("LINEAGE_BENCH_NEO4J_URI", "bolt://127.0.0.1:7687")
    )
    args = parser.parse_args()
    cases = [(QUICK if args.quick else FULL)[key] for key in args.cases]
    neo4j_password()
    os.environ["LINEAGE_PROGRESS"] = "0"
    print(f"load average before: {load()}")
    dvc = install(VENV)
    work = Path(tempfile.mkdtemp(prefix="lineage-bench-dvc-"))
    runs: list[list[CaseRun]] = []
    try:
        with s3_endpoint(work) as endpoint:
            bucket = f"peers-dvc-{uuid.uuid4().hex[:10]}"
            boto3_client(endpoint, args.jobs).create_bucket(Bucket=bucket)
            remote = S3Remote(
                f"s3://{bucket}/dvc",
                endpoint.endpoint_url,
                endpoint.access_key,
                endpoint.secret_key,
                endpoint.region,
            )
            with api_server(args.neo4j, endpoint, bucket, work) as url:
                client = TimedClient(url, asyncio.run(_api_key(args.neo4j)))
                org = f"bench-dvc-{uuid.uuid4().hex[:8]}"
                print(
                    f"{version(dvc)} (venv {VENV}) vs Lineage SDK; S3 {endpoint.endpoint_url} "
                    f"bucket {bucket}; API {url}; Neo4j {args.neo4j}; {args.jobs} parallel "
                    f"transfers (dvc -j {args.jobs}, SDK workers={args.jobs}); "
                    f"{args.rounds} round(s); {os.cpu_count()} cores"
                )
                for number in range(args.rounds):
                    results = []
                    for case in cases:
                        print(f"round {number + 1}, case {case.label}: load average {load()}")
                        results.append(
                            run_case(
                                case,
                                work / f"round-{number}-{case.key}",
                                dvc,
                                remote,
                                client,
                                org,
                                args.jobs,
                                dvc_first=number % 2 == 0,
                            )
                        )
                        for step, result in results[-1].steps.items():
                            print(f"  {step}: Lineage {result.lineage:.2f}s; {result.lineage_note}")
                        shutil.rmtree(work / f"round-{number}-{case.key}", ignore_errors=True)
                    runs.append(results)
                client.close()
        print_table(runs)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        print(f"load average after: {load()}")


if __name__ == "__main__":
    main()
