"""Where the SDK's time goes when it logs many small files (the line bench/peers/dvc.py loses).

    python -m bench.peers.dvc_profile [--files 10000] [--kib 4] [--jobs 8] [--neo4j URI]

Same services as bench/peers/dvc.py (versitygw, `lineage serve` with the S3 blob store). Logs
one artifact of fresh files with the SDK and prints a timeline of that `log_artifact`: hashing,
each GraphQL call (createArtifactDraft, addArtifactDraftEntries, confirmArtifactUploads,
commitArtifactDraft), the presigned PUTs, and how long the commit waited for confirmations
after the last upload. The SDK is observed by wrapping two of its module functions in this
process (no SDK change). Then it times, with plain boto3 from as many threads as the API's
default executor has, the S3 requests the API makes per confirmed blob (HEAD staged, HEAD blob,
COPY, DELETE staged) next to the one PUT an uploader makes, so the per-file cost of the
staging step can be compared with the upload itself.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import lineage
import lineage.artifact_upload as artifact_upload
from bench.artifact_transfer import _api_key, api_server, boto3_client, make_files, s3_endpoint
from bench.peers.dvc import TimedClient, load

KiB = 1024


class Timeline:
    """(what, start, end) spans, relative to `origin`, from any thread."""

    def __init__(self) -> None:
        self.origin = time.perf_counter()
        self._lock = threading.Lock()
        self.spans: list[tuple[str, float, float]] = []

    def add(self, what: str, start: float, end: float) -> None:
        with self._lock:
            self.spans.append((what, start - self.origin, end - self.origin))

    def of(self, what: str) -> list[tuple[float, float]]:
        return [(s, e) for w, s, e in self.spans if w == what]


def observe(timeline: Timeline, client: TimedClient) -> None:
    """Wrap the SDK's per-batch hashing and per-file upload, and the client's calls."""
    module = vars(artifact_upload)  # rebinding its globals: log_entries looks them up per call
    hashed, upload = module["_hashed"], module["upload_blob"]

    def timed_hashed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return hashed(*args, **kwargs)
        finally:
            timeline.add("hash batch", started, time.perf_counter())

    def timed_upload(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return upload(*args, **kwargs)
        finally:
            timeline.add("PUT", started, time.perf_counter())

    module["_hashed"], module["upload_blob"] = timed_hashed, timed_upload
    execute = client.execute

    def timed_execute(query: str, variables: Any = None, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(query, variables, **kwargs)
        finally:
            match = TimedClient._FIELD.search(query)
            timeline.add(match.group(1) if match else "?", started, time.perf_counter())

    client.execute = timed_execute  # type: ignore[method-assign]


def summary(timeline: Timeline, total: float) -> None:
    print(f"log_artifact wall time {total:.2f}s; spans (start..end seconds from the call):")
    names = sorted({w for w, _, _ in timeline.spans}, key=lambda w: timeline.of(w)[0][0])
    for what in names:
        spans = timeline.of(what)
        busy = sum(e - s for s, e in spans)
        first, last = min(s for s, _ in spans), max(e for _, e in spans)
        each = statistics.median(e - s for s, e in spans) * 1000
        print(
            f"  {what:<24} {len(spans):6d}x  {first:7.2f}..{last:7.2f}  sum {busy:8.2f}s  "
            f"median {each:8.1f} ms"
        )
    puts, confirms = timeline.of("PUT"), timeline.of("confirmArtifactUploads")
    commit = timeline.of("commitArtifactDraft")
    if puts and confirms and commit:
        last_put = max(e for _, e in puts)
        print(
            f"  after the last PUT ({last_put:.2f}s) the SDK waited "
            f"{commit[0][0] - last_put:.2f}s for confirmations before committing"
        )


def s3_costs(endpoint: Any, bucket: str, size: int, count: int, threads: int) -> None:
    """Median latency and throughput of the requests behind one upload and one claim."""
    s3 = boto3_client(endpoint, threads)
    body = os.urandom(size)
    keys = [f"probe/{uuid.uuid4().hex}" for _ in range(count)]

    def run(what: str, job: Callable[[str], object]) -> None:
        times: list[float] = []

        def one(key: str) -> None:
            started = time.perf_counter()
            job(key)
            times.append(time.perf_counter() - started)

        started = time.perf_counter()
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(one, keys))
        wall = time.perf_counter() - started
        print(
            f"  {what:<22} median {statistics.median(times) * 1000:6.1f} ms, "
            f"{count / wall:7.0f}/s with {threads} threads"
        )

    print(f"S3 requests on {count} objects of {size} bytes (plain boto3, this process):")
    run("PUT (the upload)", lambda k: s3.put_object(Bucket=bucket, Key=k, Body=body))
    run("HEAD staged", lambda k: s3.head_object(Bucket=bucket, Key=k))
    run("HEAD blob (absent)", lambda k: _absent(s3, bucket, f"{k}-blob"))
    run(
        "COPY staged -> blob",
        lambda k: s3.copy_object(Bucket=bucket, Key=f"{k}-blob", CopySource=f"{bucket}/{k}"),
    )
    run("DELETE staged", lambda k: s3.delete_object(Bucket=bucket, Key=k))


def _absent(s3: Any, bucket: str, key: str) -> None:
    try:
        s3.head_object(Bucket=bucket, Key=key)
    except s3.exceptions.ClientError:
        return


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--kib", type=int, default=4)
    parser.add_argument("--jobs", type=int, default=8)
    parser.add_argument("--probe", type=int, default=1000, help="objects for the S3 probe")
    parser.add_argument(
        "--neo4j", default=os.environ.get("LINEAGE_BENCH_NEO4J_URI", "bolt://127.0.0.1:7687")
    )
    args = parser.parse_args()
    if not os.environ.get("NEO4J_PASSWORD") and os.environ.get("LINEAGE_TEST_NEO4J_PASSWORD"):
        os.environ["NEO4J_PASSWORD"] = os.environ["LINEAGE_TEST_NEO4J_PASSWORD"]
    os.environ["LINEAGE_PROGRESS"] = "0"
    print(f"load average before: {load()}")
    work = Path(tempfile.mkdtemp(prefix="lineage-bench-dvc-profile-"))
    os.environ["LINEAGE_CACHE_DIR"] = str(work / "cache")
    try:
        with s3_endpoint(work) as endpoint:
            bucket = f"peers-profile-{uuid.uuid4().hex[:10]}"
            boto3_client(endpoint, args.jobs).create_bucket(Bucket=bucket)
            with api_server(args.neo4j, endpoint, bucket, work) as url:
                client = TimedClient(url, asyncio.run(_api_key(args.neo4j)))
                data = work / "data"
                make_files(data, args.files, args.kib * KiB)
                timeline = Timeline()
                observe(timeline, client)
                art = lineage.Artifact("data", "dataset")
                art.add_dir(data)
                project = f"bench-dvc-{uuid.uuid4().hex[:8]}/profile"
                started = time.perf_counter()
                timeline.origin = started
                lineage.log_artifact(art, project, client=client, workers=args.jobs)
                print(f"{args.files} files x {args.kib} KiB, SDK workers={args.jobs}")
                summary(timeline, time.perf_counter() - started)
                client.close()
            executor_threads = min(32, (os.cpu_count() or 1) + 4)  # asyncio.to_thread's pool
            s3_costs(endpoint, bucket, args.kib * KiB, args.probe, executor_threads)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        print(f"load average after: {load()}")


if __name__ == "__main__":
    main()
