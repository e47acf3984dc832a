"""Benchmark: the SDK's peak memory while uploading, then downloading, one 2 GiB file.

The SDK streams: files are hashed, sent and received in chunks, never read whole, so a file of
any size should cost the process a few tens of MB beyond its imports (goal: peak RSS < 200 MB).
Starts what it needs like `bench/artifact_transfer.py` (versitygw, a Neo4j of its own unless one
answers at `--neo4j`, the API as a real `lineage serve` with the S3 blob store), writes the file
(`--random` bytes, else sparse: zeros that cost no disk until downloaded), then runs two fresh
Python processes through the SDK against that API:

1. `lineage.log_artifact` of the file (sha256 hashing and the upload, multipart for this size);
2. `ArtifactVersion.download` of it into an empty cache (sha256 checked, then placed).

Each child prints its resident memory after importing the SDK and its peak (`ru_maxrss`) after
the transfer; the table shows both, the peak over baseline, and the throughput.

    python bench/sdk_memory.py [--gib 2] [--random] [--quick]   # --quick: 256 MiB
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

MiB = 1024 * 1024
GOAL_MB = 200.0


def _rss_mb() -> float:
    """Current resident set size of this process, from /proc (Linux)."""
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6  # KiB on Linux


def child(mode: str, target: str, project: str) -> None:
    """One transfer in a fresh process; prints a JSON line with the figures."""
    import lineage

    baseline = _rss_mb()
    client = lineage.Client()
    started = time.perf_counter()
    if mode == "upload":
        artifact = lineage.Artifact("big", "model")
        artifact.add_file(target)
        version = lineage.log_artifact(artifact, project, client=client)
        assert version.created
        path, size = version.path, version.size
    else:
        version = lineage.get_artifact(project, client=client)
        version.download(target)
        path, size = version.path, version.size
    seconds = time.perf_counter() - started
    client.close()
    figures = {"baseline": baseline, "peak": _peak_mb(), "seconds": seconds, "size": size}
    print(json.dumps({"path": path, **figures}))


def run_child(mode: str, target: Path | str, project: str, env: dict[str, str]) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(target), project],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        raise SystemExit(f"the {mode} child failed:\n{out.stderr[-3000:]}")
    figures: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return figures


def make_file(path: Path, size: int, random: bool) -> None:
    with path.open("wb") as handle:
        if random:
            for _ in range(size // (8 * MiB)):
                handle.write(os.urandom(8 * MiB))
            handle.write(os.urandom(size % (8 * MiB)))
        else:
            handle.truncate(size)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gib", type=float, default=2.0, help="file size in GiB")
    parser.add_argument("--random", action="store_true", help="random bytes, not a sparse file")
    parser.add_argument("--quick", action="store_true", help="a 256 MiB file")
    parser.add_argument(
        "--neo4j", default=os.environ.get("LINEAGE_BENCH_NEO4J_URI", "bolt://127.0.0.1:7687")
    )
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    # Imported here, not above: the children measure the SDK alone, not boto3 and the server.
    from bench.artifact_transfer import (
        _api_key,
        api_server,
        boto3_client,
        load,
        neo4j_endpoint,
        s3_endpoint,
    )

    size = 256 * MiB if args.quick else int(args.gib * 1024 * MiB)
    print(f"load average before: {load()}")
    work = Path(tempfile.mkdtemp(prefix="lineage-bench-memory-"))
    try:
        with neo4j_endpoint(args.neo4j) as neo4j, s3_endpoint(work) as endpoint:
            bucket = f"bench-{uuid.uuid4().hex[:10]}"
            boto3_client(endpoint, 2).create_bucket(Bucket=bucket)
            with api_server(neo4j, endpoint, bucket, work) as url:
                env = {
                    **os.environ,
                    "LINEAGE_URL": url,
                    "LINEAGE_API_KEY": asyncio.run(_api_key(neo4j)),
                    "LINEAGE_CACHE_DIR": str(work / "cache"),
                    "LINEAGE_PROGRESS": "0",
                }
                source = work / "big.bin"
                make_file(source, size, args.random)
                kind = "random" if args.random else "sparse"
                print(f"one {kind} file of {size / MiB:.0f} MiB; S3 {endpoint.endpoint_url}")
                project = f"bench-memory-{uuid.uuid4().hex[:8]}/memory"
                up = run_child("upload", source, project, env)
                source.unlink()
                down = run_child("download", work / "out", f"{project}/big:v0", env)
        print(f"{'step':<10} {'after import MB':>16} {'peak RSS MB':>12} {'over import':>12} MB/s")
        for step, figures in (("upload", up), ("download", down)):
            print(
                f"{step:<10} {figures['baseline']:16.1f} {figures['peak']:12.1f} "
                f"{figures['peak'] - figures['baseline']:12.1f} "
                f"{size / 1e6 / figures['seconds']:6.1f}"
            )
        worst = max(up["peak"], down["peak"])
        verdict = "met" if worst < GOAL_MB else "MISSED"
        print(f"peak RSS {worst:.1f} MB (goal < {GOAL_MB:.0f} MB: {verdict})")
    finally:
        shutil.rmtree(work, ignore_errors=True)
        print(f"load average after: {load()}")


if __name__ == "__main__":
    main()
