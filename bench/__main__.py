"""Every benchmark at a small size, one after another: `python -m bench --quick` (CI runs it).

Not a measurement (the sizes are far too small for the figures to mean anything): it proves each
script still runs to its table, so a change that breaks a benchmark fails CI instead of the next
person who wants a figure. Each script runs as its own process with its own small sizes; the run
fails when one exits non-zero or its output lacks the line its table starts with.

Services come from the variables the tests use (tests/conftest.py, .ci/run):
LINEAGE_TEST_NEO4J_URI / LINEAGE_TEST_NEO4J_PASSWORD (the shared Neo4j: scripts that only add a
few organisations of their own) and LINEAGE_TEST_S3_ENDPOINT with AWS_ACCESS_KEY_ID /
AWS_SECRET_ACCESS_KEY (artifact_transfer). Scripts that need a Neo4j of their own share one small
server started here (`.lineage/bench-quick`, 512 MB heap), stopped at the end; web_lineage starts
and stops its own small one.

    python -m bench --quick                    # all of them
    python -m bench --quick --only events lineage_traversal
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
QUICK_HOME = REPO / ".lineage" / "bench-quick"
TIMEOUT = 300.0
"""Seconds one script may take before it is stopped and counted as failed."""


@dataclass(frozen=True)
class Services:
    """Where the scripts find Neo4j and S3: the shared ones, and the small own Neo4j."""

    neo4j_uri: str
    neo4j_password: str
    s3_endpoint: str
    quick_port: int
    quick_password: str


@dataclass(frozen=True)
class Bench:
    """One script: its path under bench/, its arguments, the line its table prints."""

    name: str
    expect: str
    args: Callable[[Services], list[str]] = lambda _: ["--quick"]
    env: Callable[[Services], dict[str, str]] = lambda s: {"NEO4J_PASSWORD": s.neo4j_password}
    skip: str | None = None
    """Why it is not run, when it is not."""

    @property
    def path(self) -> Path:
        return REPO / "bench" / f"{self.name}.py"


def _quick_env(s: Services) -> dict[str, str]:
    return {"NEO4J_PASSWORD": s.quick_password}


def _block() -> str:
    """A block number no earlier run used (lineage_ingest refuses one already loaded)."""
    return str(2_000_000 + time.time_ns() // 1_000 % 1_000_000)


def _own_port(_: Services) -> str:
    return str(_free_port())


BENCHES = (
    Bench(
        "access_overhead",
        "authenticate + 100 decisions",
        lambda s: ["--uri", s.neo4j_uri, "--requests", "30"],
    ),
    Bench(
        "artifact_transfer",
        "download boto3",
        lambda s: [
            "--neo4j",
            s.neo4j_uri,
            "--files",
            "20",
            "--file-mib",
            "0.05",
            "--workers",
            "4",
            "--rounds",
            "1",
        ],
        lambda s: {"NEO4J_PASSWORD": s.neo4j_password, "LINEAGE_BENCH_S3_ENDPOINT": s.s3_endpoint},
    ),
    Bench(
        "events",
        "load after commits",
        lambda s: [
            "--uri",
            s.neo4j_uri,
            "--webhooks",
            "2",
            "--subscribers",
            "3",
            "--commits",
            "5",
            "--burst",
            "50",
        ],
    ),
    Bench(
        "openlineage_ingest",
        "ratio OpenLineage / ingestLineage",
        lambda s: ["--uri", s.neo4j_uri, "--events", "200", "--batch", "100"],
    ),
    Bench(
        "concurrency",
        "workers clients   req/s",
        lambda s: ["--uri", s.neo4j_uri, "--quick", "--seconds", "1"],
    ),
    Bench(
        "lineage_traversal",
        "| p50 ms  | p95 ms  | raw p50",
        lambda s: ["--quick", "--port", str(s.quick_port), "--keep-neo4j"],
    ),
    Bench(
        "lineage_ingest",
        "ingest: ",
        lambda s: [
            "--uri",
            f"bolt://127.0.0.1:{s.quick_port}",
            "--width",
            "50",
            "--block",
            _block(),
        ],
        _quick_env,
    ),
    Bench(
        "lineage_as_of",
        ": now p50",
        lambda s: ["--quick", "--port", str(s.quick_port), "--keep-neo4j"],
    ),
    Bench(
        "peers/naive_lineage",
        "query                  | depth",
        lambda s: ["--quick", "--port", str(s.quick_port), "--keep-neo4j"],
    ),
    Bench(
        "registry_search",
        "worst p95:",
        lambda s: ["--quick", "--bolt-port", str(s.quick_port), "--keep-neo4j"],
    ),
    Bench(
        "web_lineage",
        "|   p50 ms |   p95 ms | target",
        lambda s: ["--quick", "--port", _own_port(s), "--navigations", "3", "--samples", "3"],
    ),
    Bench(
        "peers/dvc",
        "DVC/Lineage",
        lambda s: ["--quick", "--neo4j", s.neo4j_uri],
        lambda s: {"NEO4J_PASSWORD": s.neo4j_password, "LINEAGE_BENCH_S3_ENDPOINT": s.s3_endpoint},
    ),
    Bench("peers/mlflow_registry", "(ratio: Lineage / MLflow"),
    Bench(
        "faults",
        "",
        skip="not a benchmark: the fault suite's long form (tests/faults runs it in pytest)",
    ),
    Bench(
        "fuzz_api",
        "",
        skip="not a benchmark: schema fuzzing's long form (tests/api/test_fuzz_schema.py)",
    ),
)


@dataclass
class Outcome:
    name: str
    status: str
    seconds: float = 0.0
    lines: list[str] = field(default_factory=list)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def run_one(bench: Bench, services: Services) -> Outcome:
    """Run one script to its end (at most TIMEOUT), echoing its output indented as it comes."""
    if bench.skip:
        return Outcome(bench.name, f"skipped: {bench.skip}")
    if not bench.path.exists():
        return Outcome(bench.name, f"skipped: {bench.path.relative_to(REPO)} does not exist yet")
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "NEO4J_USER": "neo4j",
        "PYTHONUNBUFFERED": "1",
        **bench.env(services),
    }
    command = [sys.executable, str(bench.path), *bench.args(services)]
    print(f"\n=== {bench.name}: {' '.join(command[1:])}", flush=True)
    began = time.monotonic()
    process = subprocess.Popen(
        command,
        cwd=REPO,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, so a timeout stops all it started
    )
    timer = threading.Timer(TIMEOUT, os.killpg, (process.pid, signal.SIGTERM))
    timer.start()
    lines: list[str] = []
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line.rstrip("\n"))
        print(f"  {line}", end="", flush=True)
    code = process.wait()
    timer.cancel()
    seconds = time.monotonic() - began
    if seconds >= TIMEOUT:
        status = f"FAILED: stopped after {TIMEOUT:.0f} s"
    elif code != 0:
        status = f"FAILED: exit code {code}"
    elif not any(bench.expect in line for line in lines):
        status = f"FAILED: no line with {bench.expect!r} in its output"
    else:
        status = "ok"
    return Outcome(bench.name, status, seconds, lines)


def services_from_env() -> tuple[Services, Callable[[], None]]:
    """The shared services from the tests' variables, and the small own Neo4j (started here;
    the callable stops it)."""
    from services import neo4j_server

    port = _free_port()
    config = neo4j_server.Neo4jServerConfig(
        home=QUICK_HOME,
        bolt_port=port,
        heap="512m",
        pagecache="256m",
        jar_cache=REPO / ".lineage" / f"neo4j-lib-{neo4j_server.NEO4J_VERSION}",
    )
    if neo4j_server.running_pid(config) is not None:
        neo4j_server.stop(config)  # left by an interrupted run, on a port we no longer know
    began = time.monotonic()
    neo4j_server.start(config)
    print(f"small bench Neo4j at {config.bolt_uri} ({time.monotonic() - began:.0f}s to start)")
    services = Services(
        neo4j_uri=os.environ.get("LINEAGE_TEST_NEO4J_URI", "bolt://127.0.0.1:7687"),
        neo4j_password=os.environ.get(
            "LINEAGE_TEST_NEO4J_PASSWORD", os.environ.get("NEO4J_PASSWORD", "")
        ),
        s3_endpoint=os.environ.get("LINEAGE_TEST_S3_ENDPOINT", "http://127.0.0.1:7070"),
        quick_port=port,
        quick_password=neo4j_server.read_password(QUICK_HOME) or "",
    )

    def stop() -> None:
        neo4j_server.stop(config)

    return services, stop


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (the only mode)")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these scripts")
    args = parser.parse_args()
    if not args.quick:
        parser.error(
            "only --quick is supported; the full benchmarks take minutes to hours each and run"
            " one by one (bench/README.md)"
        )
    chosen = [b for b in BENCHES if not args.only or b.name in args.only]
    unknown = set(args.only or ()) - {b.name for b in BENCHES}
    if unknown:
        parser.error(f"unknown: {', '.join(sorted(unknown))}")
    began = time.monotonic()
    print(f"load average before: {_load()}")
    services, stop = services_from_env()
    outcomes: list[Outcome] = []
    try:
        for bench in chosen:
            outcome = run_one(bench, services)
            outcomes.append(outcome)
            if outcome.status != "ok":
                print(f"--- {bench.name}: {outcome.status}", flush=True)
    finally:
        stop()
    print(f"\n{'benchmark':<24} {'seconds':>8}  result")
    for outcome in outcomes:
        seconds = f"{outcome.seconds:8.1f}" if outcome.seconds else f"{'-':>8}"
        print(f"{outcome.name:<24} {seconds}  {outcome.status}")
    failed = [o.name for o in outcomes if o.status.startswith("FAILED")]
    print(f"\n{len(outcomes) - len(failed)} of {len(outcomes)} without failure", end="")
    print(f" in {time.monotonic() - began:.0f}s; load average after: {_load()}")
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
