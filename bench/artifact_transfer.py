"""Benchmark: logging and downloading an artifact of 1,000 files / 1 GiB, against plain boto3.

Starts what it needs and stops it after: versitygw (unless `LINEAGE_BENCH_S3_ENDPOINT` with
`AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` names one), a small Neo4j of its own (heap 1g, in
`.lineage/bench-neo4j-transfer`) unless one answers at `--neo4j` (default the dev server
bolt://127.0.0.1:7687, user `NEO4J_USER` or neo4j, password `NEO4J_PASSWORD` or
`LINEAGE_TEST_NEO4J_PASSWORD`; the run writes one artifact there), and the API as a real
`lineage serve` process with the S3 blob store. Then, in this process and with the same number
of parallel transfers:

1. plain boto3 `upload_file` of the files to the same server, then `lineage.log_artifact`
   (hashing included): upload throughput ratio SDK / boto3 (target >= 1.0: hashing overlaps
   the uploads);
2. `log_artifact` of the unchanged files again: bytes uploaded (target 0) and wall time
   (< 0.5 s);
3. plain boto3 `download_file` of the files, then `ArtifactVersion.download` into an empty cache
   (sha256 verified): download throughput ratio SDK / boto3 (target >= 0.9).

Every round writes fresh bytes into each file (nothing deduplicates) and alternates which client
goes first; the ratios printed are medians over the rounds (the machine may be shared).

    python bench/artifact_transfer.py [--files 1000] [--file-mib 1] [--workers 8] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
import httpx
from botocore.config import Config

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import lineage  # noqa: E402
from graph.access.users import create_user  # noqa: E402
from graph.core.driver import connect  # noqa: E402
from services import neo4j_server  # noqa: E402
from services.s3_server import S3Endpoint, S3Server, free_port, install  # noqa: E402

MiB = 1024 * 1024
NEO4J_HOME = REPO / ".lineage" / "bench-neo4j-transfer"
"""The benchmark's own Neo4j when none answers at `--neo4j` (a few artifacts: heap 1g)."""


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def _answers(uri: str) -> bool:
    """Whether something accepts TCP connections at the Bolt URI's host and port."""
    parts = urlsplit(uri)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 7687), 1.0):
            return True
    except OSError:
        return False


@contextmanager
def neo4j_endpoint(uri: str) -> Iterator[str]:
    """`uri` when a Neo4j answers there, else a small Neo4j of the benchmark's own on a free
    port, stopped when done. Either way `NEO4J_USER` / `NEO4J_PASSWORD` are set for what the
    benchmark starts (the API process, `_api_key`)."""
    os.environ.setdefault("NEO4J_USER", neo4j_server.LOCAL_USER)
    if _answers(uri):
        if not os.environ.get("NEO4J_PASSWORD") and os.environ.get("LINEAGE_TEST_NEO4J_PASSWORD"):
            os.environ["NEO4J_PASSWORD"] = os.environ["LINEAGE_TEST_NEO4J_PASSWORD"]
        yield uri
        return
    config = neo4j_server.Neo4jServerConfig(
        home=NEO4J_HOME,
        bolt_port=free_port(),
        heap="1g",
        pagecache="512m",
        jar_cache=REPO / ".lineage" / f"neo4j-lib-{neo4j_server.NEO4J_VERSION}",
    )
    began = time.monotonic()
    neo4j_server.start(config)
    print(f"no Neo4j at {uri}: started {config.bolt_uri} ({time.monotonic() - began:.0f} s)")
    saved = os.environ.get("NEO4J_USER"), os.environ.get("NEO4J_PASSWORD")
    os.environ["NEO4J_USER"] = neo4j_server.LOCAL_USER
    os.environ["NEO4J_PASSWORD"] = neo4j_server.read_password(config.home) or ""
    try:
        yield config.bolt_uri
    finally:
        for name, value in zip(("NEO4J_USER", "NEO4J_PASSWORD"), saved, strict=True):
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        neo4j_server.stop(config)
        print(f"stopped the benchmark's Neo4j at {config.bolt_uri}")


@contextmanager
def s3_endpoint(work: Path) -> Iterator[S3Endpoint]:
    url = os.environ.get("LINEAGE_BENCH_S3_ENDPOINT")
    if url:
        yield S3Endpoint(url, os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"])
        return
    binary = install(REPO / ".lineage" / "bin")
    with S3Server.start(
        work / "versitygw", free_port(), "lineage-bench", secrets.token_hex(20), binary=binary
    ) as server:
        yield server.endpoint


def boto3_client(endpoint: S3Endpoint, workers: int) -> Any:
    """A plain boto3 client: defaults, plus what an S3-compatible endpoint and threads need."""
    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint.endpoint_url,
        aws_access_key_id=endpoint.access_key,
        aws_secret_access_key=endpoint.secret_key,
        region_name=endpoint.region,
        config=Config(s3={"addressing_style": "path"}, max_pool_connections=workers * 2),
    )


@contextmanager
def api_server(neo4j: str, endpoint: S3Endpoint, bucket: str, work: Path) -> Iterator[str]:
    port = free_port()
    env = {
        **os.environ,
        "NEO4J_URI": neo4j,
        "LINEAGE_PORT": str(port),
        "LINEAGE_DATA_DIR": str(work / "api"),
        "LINEAGE_BLOB_STORE": f"s3://{bucket}/lineage",
        "AWS_ENDPOINT_URL_S3": endpoint.endpoint_url,
        "AWS_ACCESS_KEY_ID": endpoint.access_key,
        "AWS_SECRET_ACCESS_KEY": endpoint.secret_key,
        "LINEAGE_LOG_LEVEL": "WARNING",
    }
    (work / "api").mkdir(parents=True, exist_ok=True)
    with (work / "api.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "serve"],
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                # The work directory is removed on the way out: say why here.
                tail = (work / "api.log").read_text(errors="replace").splitlines()[-30:]
                print("\n".join(["the API's log ends:", *tail]), flush=True)
                raise SystemExit("the API did not start (its log is above)")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


async def _api_key(neo4j: str) -> str:
    graph = connect(neo4j, os.environ.get("NEO4J_USER", "neo4j"), os.environ.get("NEO4J_PASSWORD"))
    try:
        _, key = await create_user(graph, f"bench-{uuid.uuid4().hex[:10]}", with_key=True)
    finally:
        await graph.close()
    assert key is not None
    return key.secret


def make_files(root: Path, count: int, size: int) -> list[Path]:
    root.mkdir(parents=True)
    paths = []
    for i in range(count):
        path = root / f"shard-{i // 100:02d}" / f"part-{i:05d}.bin"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(os.urandom(size))
        paths.append(path)
    return paths


def perturb(paths: list[Path]) -> None:
    """New content for every file (16 fresh bytes each), so nothing is deduplicated."""
    for path in paths:
        with path.open("r+b") as handle:
            handle.write(os.urandom(16))


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def parallel(workers: int, jobs: list[Callable[[], object]]) -> None:
    with ThreadPoolExecutor(workers) as pool:
        for future in [pool.submit(job) for job in jobs]:
            future.result()


@dataclass
class Round:
    boto_up: float
    sdk_up: float
    boto_down: float
    sdk_down: float


def one_round(
    number: int,
    plain: Any,
    bucket: str,
    client: lineage.Client,
    project: str,
    paths: list[Path],
    src: Path,
    work: Path,
    workers: int,
    total: int,
) -> tuple[Round, lineage.ArtifactVersion]:
    """Fresh content, then both uploads and both downloads (order alternating by round)."""
    perturb(paths)
    names = [p.relative_to(src).as_posix() for p in paths]
    prefix = f"plain/{number}"
    art = lineage.Artifact("bench", "dataset")
    art.add_dir(src)
    holder: dict[str, lineage.ArtifactVersion] = {}

    def boto_upload() -> float:
        jobs: list[Callable[[], object]] = [
            partial(plain.upload_file, str(p), bucket, f"{prefix}/{n}")
            for p, n in zip(paths, names, strict=True)
        ]
        return timed(lambda: parallel(workers, jobs))

    def sdk_upload() -> float:
        def log() -> None:
            holder["v"] = lineage.log_artifact(art, project, client=client, workers=workers)

        return timed(log)

    def boto_download() -> float:
        out = work / f"plain-out-{number}"
        jobs: list[Callable[[], object]] = []
        for n in names:
            (out / n).parent.mkdir(parents=True, exist_ok=True)
            jobs.append(partial(plain.download_file, bucket, f"{prefix}/{n}", str(out / n)))
        return timed(lambda: parallel(workers, jobs))

    def sdk_download() -> float:
        os.environ["LINEAGE_CACHE_DIR"] = str(work / f"cache-{number}")
        return timed(lambda: holder["v"].download(work / f"sdk-out-{number}", workers=workers))

    if number % 2:
        boto_up, sdk_up = boto_upload(), sdk_upload()
        boto_down, sdk_down = boto_download(), sdk_download()
    else:
        sdk_up, boto_up = sdk_upload(), boto_upload()
        sdk_down, boto_down = sdk_download(), boto_download()
    version = holder["v"]
    assert version.created and version.uploaded_bytes == total, version.uploaded_bytes
    for folder in (f"plain-out-{number}", f"sdk-out-{number}", f"cache-{number}"):
        shutil.rmtree(work / folder, ignore_errors=True)
    return Round(boto_up, sdk_up, boto_down, sdk_down), version


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--file-mib", type=float, default=1.0)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--neo4j", default=os.environ.get("LINEAGE_BENCH_NEO4J_URI", "bolt://127.0.0.1:7687")
    )
    args = parser.parse_args()
    size = int(args.file_mib * MiB)
    total = size * args.files
    work = Path(tempfile.mkdtemp(prefix="lineage-bench-artifacts-"))
    os.environ["LINEAGE_CACHE_DIR"] = str(work / "cache")
    os.environ["LINEAGE_PROGRESS"] = "0"
    print(f"load average before: {load()}")
    try:
        with neo4j_endpoint(args.neo4j) as neo4j, s3_endpoint(work) as endpoint:
            plain = boto3_client(endpoint, args.workers)
            bucket = f"bench-{uuid.uuid4().hex[:10]}"
            plain.create_bucket(Bucket=bucket)
            with api_server(neo4j, endpoint, bucket, work) as url:
                key = asyncio.run(_api_key(neo4j))
                client = lineage.Client(url, api_key=key)
                src = work / "data"
                paths = make_files(src, args.files, size)
                project = f"bench-artifacts-{uuid.uuid4().hex[:8]}/transfer"
                print(
                    f"{args.files} files x {size / MiB:.2f} MiB = {total / MiB:.0f} MiB, "
                    f"{args.workers} parallel transfers, {args.rounds} rounds, "
                    f"S3 {endpoint.endpoint_url}, Neo4j {neo4j}"
                )
                rounds = []
                for number in range(1, args.rounds + 1):
                    result, version = one_round(
                        number,
                        plain,
                        bucket,
                        client,
                        project,
                        paths,
                        src,
                        work,
                        args.workers,
                        total,
                    )
                    rounds.append(result)
                    print(
                        f"round {number}: upload boto3 {result.boto_up:.2f} s, SDK "
                        f"{result.sdk_up:.2f} s; download boto3 {result.boto_down:.2f} s, "
                        f"SDK {result.sdk_down:.2f} s"
                    )
                art = lineage.Artifact("bench", "dataset")
                art.add_dir(src)
                relogs = []
                for _ in range(3):
                    started = time.perf_counter()
                    relog = lineage.log_artifact(art, project, client=client, workers=args.workers)
                    relogs.append(time.perf_counter() - started)
                    assert relog.id == version.id and relog.created is False
                client.close()
        mb = total / 1e6
        up = statistics.median(r.boto_up / r.sdk_up for r in rounds)
        down = statistics.median(r.boto_down / r.sdk_down for r in rounds)
        boto_up = statistics.median(r.boto_up for r in rounds)
        sdk_up = statistics.median(r.sdk_up for r in rounds)
        boto_down = statistics.median(r.boto_down for r in rounds)
        sdk_down = statistics.median(r.sdk_down for r in rounds)
        print(
            f"upload   boto3 {mb / boto_up:6.1f} MB/s   SDK {mb / sdk_up:6.1f} MB/s (hashing "
            f"included)   median ratio {up:.2f}   (target >= 1.0)"
        )
        print(
            f"re-log   uploaded {relog.uploaded_bytes} bytes, wall time median "
            f"{statistics.median(relogs):.2f} s   (targets 0 bytes, < 0.5 s)"
        )
        print(
            f"download boto3 {mb / boto_down:6.1f} MB/s   SDK {mb / sdk_down:6.1f} MB/s (sha256 "
            f"verified, empty cache)   median ratio {down:.2f}   (target >= 0.9)"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
        print(f"load average after: {load()}")


if __name__ == "__main__":
    main()
