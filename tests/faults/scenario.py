"""The fault scenario: writers under load while Neo4j, versitygw and an API process fail.

1. Start a dedicated cluster (tests/faults/cluster.py): Neo4j, versitygw, two API processes.
2. Through the first API as the server admin: one user (and API key) per writer, an
   organisation they are members of, a registry.
3. Start the writers (tests/faults/load.py), alternating between the two API processes.
4. While they run: SIGKILL Neo4j and restart it; stop versitygw and restart it; SIGKILL the
   second API process while one of its writers has a commit in flight, and restart it. After
   each of the first two, wait for both API processes to report ready again by themselves.
5. Stop the writers; check that both API processes serve a new log and download; check the
   invariants (tests/faults/invariants.py); classify every failure by code.

`run(plan, folder)` returns a `Report` whose `lines()` print the counts the test asserts.
"""

from __future__ import annotations

import itertools
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, LiteralString

import httpx
from neo4j import GraphDatabase

import lineage
from api.errors import ErrorCode
from lineage.errors import LineageError
from tests.faults import invariants
from tests.faults.cluster import ApiNode, Cluster
from tests.faults.invariants import Checks
from tests.faults.load import (
    Ledger,
    Outcome,
    SeenVersion,
    Workspace,
    Writer,
    summarise,
    timeline,
)

READY_SECONDS = 60.0
"""How long an API process may take to report ready again after a service came back."""


@dataclass(frozen=True)
class Plan:
    writers: int = 8
    warmup: float = 3.0
    """Seconds of load before the first fault."""
    neo4j_outage: float = 2.0
    """Seconds between SIGKILL and restart of Neo4j."""
    s3_outage: float = 3.0
    """Seconds versitygw stays stopped."""
    settle: float = 2.0
    """Seconds of load after a recovery before the next fault."""
    cooldown: float = 3.0
    """Seconds of load after the last fault."""
    seed: int = 7


@dataclass
class Report:
    plan: Plan
    timings: dict[str, float] = field(default_factory=dict)
    events: list[str] = field(default_factory=list)
    load_seconds: float = 0.0
    operations: dict[str, Any] = field(default_factory=dict)
    versions_seen: int = 0
    links_made: int = 0
    store_versions: dict[str, int] = field(default_factory=dict)
    commits_in_flight_at_kill: int = 0
    killed_commits: dict[str, int] = field(default_factory=dict)
    """What became of the drafts being committed when the API process died, by final state."""
    uncoded: list[Outcome] = field(default_factory=list)
    """Failures without a stable code (INTERNAL, or not a LineageError at all)."""
    not_ready: list[str] = field(default_factory=list)
    """API processes that did not report ready within READY_SECONDS after a service came back."""
    after_faults: dict[str, str] = field(default_factory=dict)
    """Per API process, and for requests alternating between them: "ok" when a log and a
    download succeeded after the faults."""
    checks: Checks = field(default_factory=Checks)
    timeline: list[str] = field(default_factory=list)
    """Operations by 5 s of load: successes and failures by code (printed by the bench)."""

    def lines(self) -> list[str]:
        ops = self.operations
        return [
            f"fault suite: {self.plan.writers} writers on 2 API processes, "
            f"{self.load_seconds:.1f}s of load; start-up {_seconds(self.timings)}",
            *(f"  {event}" for event in self.events),
            f"operations: tried {ops.get('tried', 0)}, succeeded {ops.get('succeeded', 0)}, "
            f"failed by code {ops.get('failed', {})}",
            f"  by operation {ops.get('by_operation', {})}",
            f"versions seen committed {self.versions_seen}, links made {self.links_made}, "
            f"in the store by state {self.store_versions}",
            f"commits in flight at the API kill: {self.commits_in_flight_at_kill}, "
            f"afterwards {self.killed_commits}",
            f"uncoded failures: {len(self.uncoded)}"
            + "".join(
                f"\n  {o.operation} on {o.api}: {o.code} {o.message}" for o in self.uncoded[:10]
            ),
            f"after the faults: {self.after_faults}, not ready in time: {self.not_ready}",
            f"invariants checked: {self.checks.total} {dict(self.checks.counts)}",
            f"violations: {len(self.checks.violations)}"
            + "".join(f"\n  {v}" for v in self.checks.violations[:20]),
        ]


def _seconds(timings: dict[str, float]) -> str:
    return ", ".join(f"{name} {seconds:.1f}s" for name, seconds in timings.items())


CREATE_USER = """
mutation($name: String!) {
  createUser(input: {name: $name, withApiKey: true}) { secret errors { code message } }
}
"""
CREATE_ORG = """
mutation($name: String!) { createOrganization(input: {name: $name}) { errors { code message } } }
"""
ADD_MEMBER = """
mutation($org: String!, $user: String!) {
  addOrganizationMember(input: {organization: $org, user: $user, role: MEMBER}) {
    errors { code message }
  }
}
"""

DRAFT_STATE: LiteralString = "MATCH (v:ArtifactVersion {id: $id}) RETURN v.state AS state"


def _setup(cluster: Cluster, workspace: Workspace, writers: int) -> list[str]:
    """As the server admin: one user and API key per writer, all members of the
    organisation, and its registry."""
    keys: list[str] = []
    with lineage.Client(cluster.apis[0].url, api_key=cluster.admin_key()) as admin:
        admin.mutate(CREATE_ORG, {"name": workspace.org}, "createOrganization")
        for number in range(writers):
            name = f"writer-{number}"
            keys.append(admin.mutate(CREATE_USER, {"name": name}, "createUser")["secret"])
            admin.mutate(ADD_MEMBER, {"org": workspace.org, "user": name}, "addOrganizationMember")
        lineage.create_registry(workspace.org, workspace.registry, client=admin)
    return keys


def _wait_ready(apis: list[ApiNode], since: float, report: Report) -> str:
    """Wait until every API process answers /readyz 200 by itself; say how long each took."""
    took = []
    for api in apis:
        deadline = time.monotonic() + READY_SECONDS
        while True:
            try:
                if httpx.get(f"{api.url}/readyz", timeout=6).status_code == 200:
                    took.append(f"{api.name} ready +{time.monotonic() - since:.1f}s")
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                took.append(f"{api.name} NOT ready after {READY_SECONDS:.0f}s")
                report.not_ready.append(api.name)
                break
            time.sleep(0.2)
    return ", ".join(took)


def _kill_mid_commit(
    api: ApiNode, writers: list[Writer], report: Report, timeout: float = 30.0
) -> list[str]:
    """SIGKILL `api` as soon as one of its writers has a commit request in flight."""
    mine = [w for w in writers if w.api_name == api.name]
    deadline = time.monotonic() + timeout
    drafts: list[str] = []
    while time.monotonic() < deadline:
        drafts = [d for d in (w.committing for w in mine) if d is not None]
        if drafts:
            time.sleep(0.005)  # let the request reach the server's commit
            break
        time.sleep(0.001)
    api.kill()
    report.commits_in_flight_at_kill = len(drafts)
    return drafts


class _Alternating(httpx.BaseTransport):
    """Sends each request to the next API process in turn, as a load balancer spreading
    requests would: one log's draft, confirmation and commit reach different replicas."""

    def __init__(self, apis: list[ApiNode]) -> None:
        self.ports = itertools.cycle([api.port for api in apis])
        self.inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(port=next(self.ports))
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def _after_faults(apis: list[ApiNode], key: str, workspace: Workspace, folder: Path) -> str:
    """A log and a download through `apis` (alternating request by request when several),
    with no restart in between."""
    name = "-".join(api.name for api in apis)
    try:
        with lineage.Client(apis[0].url, api_key=key, retries=0) as client:
            if len(apis) > 1:
                client.http.close()
                client.http = httpx.Client(
                    base_url=client.url,
                    headers=client.http.headers,
                    transport=_Alternating(apis),
                    timeout=60,
                )
            source = folder / f"after-{name}.txt"
            source.write_text(f"logged through {name} after the faults\n")
            artifact = lineage.Artifact("after-faults", "dataset")
            artifact.add_file(source, "after.txt")
            version = lineage.log_artifact(artifact, workspace.project_path, client=client)
            got = lineage.get_artifact(version.path, client=client).download(
                folder / f"after-{name}", progress=False
            )
            if (got / "after.txt").read_text() != source.read_text():
                return "downloaded other bytes"
    except LineageError as error:
        return f"{error.code}: {error.message}"
    return "ok"


@contextmanager
def _sdk_environment(folder: Path) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in ("LINEAGE_CACHE_DIR", "LINEAGE_PROGRESS")}
    os.environ["LINEAGE_CACHE_DIR"] = str(folder / "sdk-cache")
    os.environ["LINEAGE_PROGRESS"] = "0"
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run(plan: Plan, folder: Path) -> Report:
    """Run the scenario in `folder` (every process's data and logs stay there)."""
    report = Report(plan)
    cluster = Cluster.create(folder)
    workspace = Workspace("faults")
    try:
        with _sdk_environment(folder):
            began = time.monotonic()
            report.timings = cluster.start()
            report.timings["total"] = time.monotonic() - began
            keys = _setup(cluster, workspace, plan.writers)
            ledger = _load_and_faults(cluster, workspace, keys, plan, report, folder)
            _verify(cluster, workspace, keys[0], list(ledger.versions.values()), report, folder)
    finally:
        cluster.stop()
    return report


def _load_and_faults(
    cluster: Cluster,
    workspace: Workspace,
    keys: list[str],
    plan: Plan,
    report: Report,
    folder: Path,
) -> Ledger:
    ledger = Ledger()
    writers = [
        Writer(
            number,
            cluster.apis[number % 2].name,
            cluster.apis[number % 2].url,
            keys[number],
            workspace,
            ledger,
            folder / "writers" / str(number),
            plan.seed,
        )
        for number in range(plan.writers)
    ]
    stop = threading.Event()
    threads = [threading.Thread(target=w.run, args=(stop,), daemon=True) for w in writers]
    began = time.monotonic()

    def at() -> str:
        return f"{time.monotonic() - began:5.1f}s"

    for thread in threads:
        thread.start()
    try:
        time.sleep(plan.warmup)
        report.events.append(f"{at()} Neo4j SIGKILL")
        cluster.neo4j.kill()
        time.sleep(plan.neo4j_outage)
        restart = time.monotonic()
        took = cluster.neo4j.start()
        ready = _wait_ready(cluster.apis, restart, report)
        report.events.append(f"{at()} Neo4j back (recovery {took:.1f}s); {ready}")
        time.sleep(plan.settle)

        report.events.append(f"{at()} versitygw stopped")
        cluster.s3.stop()
        time.sleep(plan.s3_outage)
        restart = time.monotonic()
        cluster.s3.start()
        ready = _wait_ready(cluster.apis, restart, report)
        report.events.append(f"{at()} versitygw back; {ready}")
        time.sleep(plan.settle)

        victim = cluster.apis[1]
        drafts = _kill_mid_commit(victim, writers, report)
        report.events.append(f"{at()} {victim.name} SIGKILL with {len(drafts)} commit(s) in flight")
        took = victim.start()
        report.events.append(f"{at()} {victim.name} restarted in {took:.1f}s")
        time.sleep(plan.cooldown)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=90)
        report.load_seconds = time.monotonic() - began

    report.operations = summarise(ledger.outcomes)
    report.timeline = timeline(ledger.outcomes, began)
    report.versions_seen = len(ledger.versions)
    report.links_made = ledger.links
    coded = {code.name for code in ErrorCode} - {ErrorCode.INTERNAL.name}
    report.uncoded = [o for o in ledger.outcomes if o.code is not None and o.code not in coded]
    report.checks.counts["failures coded"] = sum(1 for o in ledger.outcomes if o.code)
    report.checks.violations += [
        f"failures coded: {o.operation} on {o.api}: {o.code} {o.message}" for o in report.uncoded
    ]
    report.killed_commits = _draft_states(cluster, drafts)
    return ledger


def _draft_states(cluster: Cluster, drafts: list[str]) -> dict[str, int]:
    states: dict[str, int] = {}
    with _driver(cluster) as driver:
        for draft in drafts:
            records, _, _ = driver.execute_query(DRAFT_STATE, id=draft, database_="neo4j")
            state = records[0]["state"] if records else "gone"
            states[state] = states.get(state, 0) + 1
    return states


def _driver(cluster: Cluster) -> Any:
    password = cluster.neo4j.password
    auth = ("neo4j", password) if password else None
    return GraphDatabase.driver(cluster.neo4j.bolt_uri, auth=auth)


def _verify(
    cluster: Cluster,
    workspace: Workspace,
    key: str,
    seen: list[SeenVersion],
    report: Report,
    folder: Path,
) -> None:
    for apis in ([api] for api in cluster.apis):
        report.after_faults[apis[0].name] = _after_faults(apis, key, workspace, folder)
    report.after_faults["alternating"] = _after_faults(cluster.apis, key, workspace, folder)
    with lineage.Client(cluster.apis[0].url, api_key=key) as client:
        versions = invariants.check_versions(client, workspace, seen, report.checks)
        invariants.check_blobs(client, versions, report.checks)
        invariants.check_collections(client, workspace, report.checks)
    with _driver(cluster) as driver:
        report.store_versions = invariants.check_store(driver, report.checks)
