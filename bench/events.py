"""Event delivery: commit -> webhook and commit -> subscription latency, a burst, and what the
event write adds to a version commit.

    python -m bench.events --uri bolt://127.0.0.1:7687 [--webhooks 10] [--subscribers 50]
        [--commits 40] [--burst 1000]

Starts `lineage serve` (webhooks allowed to reach http://127.0.0.1) on the given Neo4j
(NEO4J_PASSWORD), a receiver app under uvicorn for `--webhooks` webhooks, and `--subscribers`
graphql-transport-ws subscribers; logs `--commits` versions one after another through the SDK
and prints p50/p95 from each event's commit time (`time`, stamped in the committing
transaction) to its receipt; then ingests `--burst` new runs in one batch (one RUN_STARTED event
each) and prints how long until every webhook had every event. Last, in this process, it
commits versions with the event write and without it (the recording functions replaced by
no-ops, alternating, same graph) and prints the ratio of median commit times. Prints the load
average before and after. Writes a few organisations of its own; harmless on a shared server.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import multiprocessing
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import uvicorn
import websockets
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from websockets.typing import Subprotocol

import lineage
from bench.common import start_api
from graph.access.users import create_user
from graph.artifacts import aliases as artifact_aliases
from graph.artifacts import commit as artifact_commit
from graph.artifacts import drafts
from graph.artifacts.manifests import make_entry, sorted_batch
from graph.core.driver import Graph, connect
from storage.local import LocalBlobStore
from storage.signing import UrlSigner
from workflows.commit import commit

CREATE_WEBHOOK = """
mutation($input: CreateWebhookInput!) {
  createWebhook(input: $input) { webhook { id } secret errors { code message } }
}
"""

INGEST = """
mutation($input: IngestLineageInput!) {
  ingestLineage(input: $input) { runsCreated errors { code message } }
}
"""

LAST_CURSOR = """
query($org: String!) { events(organization: $org, first: 0) { lastCursor } }
"""

SUBSCRIBE = """
subscription($org: String!, $after: String) {
  events(organization: $org, types: [VERSION_CREATED], after: $after) { id time }
}
"""


class Receiver:
    """Webhook receipts: (hook, event id) -> arrival time (epoch seconds). It runs in a process of
    its own (`ReceiverProcess`), so the subscribers' event loop here cannot delay a receipt's
    timestamp."""

    def __init__(self) -> None:
        self.arrivals: dict[str, float] = {}
        self.times: dict[str, float] = {}

    async def receive(self, request: Request) -> Response:
        body = json.loads(await request.body())
        hook = request.path_params["hook"]
        self.arrivals.setdefault(f"{hook} {body['id']}", time.time())
        self.times[body["id"]] = _epoch(body["time"])
        return Response(status_code=204)

    async def report(self, _: Request) -> Response:
        return Response(
            json.dumps({"arrivals": self.arrivals, "times": self.times}),
            media_type="application/json",
        )


def _epoch(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve_receiver(port: int) -> None:
    receiver = Receiver()
    app = Starlette(
        routes=[
            Route("/hook/{hook}", receiver.receive, methods=["POST"]),
            Route("/report", receiver.report, methods=["GET"]),
        ]
    )
    uvicorn.run(app, host="127.0.0.1", port=port, log_config=None, access_log=False)


class ReceiverProcess:
    """The webhook receiver in its own process; `report()` fetches what it has received."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.process = multiprocessing.get_context("spawn").Process(
            target=_serve_receiver, args=(self.port,), daemon=True
        )
        self.process.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                self.report()
                return
            except httpx.HTTPError:
                time.sleep(0.05)
        raise SystemExit("the webhook receiver did not start")

    def report(self) -> tuple[dict[tuple[str, str], float], dict[str, float]]:
        data = httpx.get(f"http://127.0.0.1:{self.port}/report", timeout=10).json()
        arrivals = {tuple(k.split(" ", 1)): v for k, v in data["arrivals"].items()}
        return arrivals, data["times"]

    def stop(self) -> None:
        self.process.terminate()
        self.process.join(10)


async def subscriber(
    url: str, key: str, org: str, after: str, arrivals: dict[str, float], ready: asyncio.Event
) -> None:
    async with websockets.connect(url, subprotocols=[Subprotocol("graphql-transport-ws")]) as ws:
        init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {key}"}}
        await ws.send(json.dumps(init))
        await ws.recv()
        payload = {"query": SUBSCRIBE, "variables": {"org": org, "after": after}}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        async for message in ws:
            data = json.loads(message)
            if data.get("type") == "next":
                event = data["payload"]["data"]["events"]
                arrivals.setdefault(event["id"], time.time())
                ready.set()  # registered and caught up: what follows arrives live


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


async def _new_key(uri: str, password: str | None) -> str:
    """An ordinary user's key: it becomes admin of the organisation it creates first."""
    graph = connect(uri, "neo4j", password)
    try:
        _, key = await create_user(graph, f"bench-{uuid.uuid4().hex[:10]}", with_key=True)
        assert key is not None
        return key.secret
    finally:
        await graph.close()


async def deliveries(args: argparse.Namespace, password: str | None) -> None:
    receiver = ReceiverProcess()
    data_dir = Path(tempfile.mkdtemp(prefix="bench-events-"))
    os.environ["LINEAGE_WEBHOOK_ALLOW_HTTP"] = "true"
    os.environ["LINEAGE_WEBHOOK_ALLOW_PRIVATE_ADDRESSES"] = "true"
    os.environ["LINEAGE_RATE_LIMIT_PER_KEY"] = "0"
    api_port = _free_port()
    process = start_api(args.uri, api_port, data_dir, password)
    try:
        key = await _new_key(args.uri, password)
        url = f"http://127.0.0.1:{api_port}"
        org = f"bench-events-{uuid.uuid4().hex[:8]}"
        client = lineage.Client(url, api_key=key)
        files = Path(tempfile.mkdtemp(prefix="bench-events-files-"))

        def log_one(content: str) -> None:
            path = files / f"{content}.txt"
            path.write_text(content)
            artifact = lineage.Artifact("model", "model")
            artifact.add_file(path, "weights.txt")
            lineage.log_artifact(artifact, f"{org}/p", client=client, progress=False)

        await asyncio.to_thread(log_one, "seed")
        for hook in range(args.webhooks):
            created = client.mutate(
                CREATE_WEBHOOK,
                {
                    "input": {
                        "organization": org,
                        "url": f"http://127.0.0.1:{receiver.port}/hook/{hook}",
                        "eventTypes": ["VERSION_CREATED", "RUN_STARTED"],
                    }
                },
                "createWebhook",
            )
            assert created["webhook"], created
        after = client.execute(LAST_CURSOR, {"org": org})["events"]["lastCursor"]
        subs_by: list[dict[str, float]] = [{} for _ in range(args.subscribers)]
        readies = [asyncio.Event() for _ in range(args.subscribers)]
        ws_url = f"ws://127.0.0.1:{api_port}/graphql"
        tasks = [
            asyncio.create_task(subscriber(ws_url, key, org, after, subs_by[i], readies[i]))
            for i in range(args.subscribers)
        ]
        await asyncio.to_thread(log_one, "warm-up")  # every subscriber's first event
        await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 120)
        warm_up = {event for per in subs_by for event in per}
        print(f"load before: {load()}")
        for n in range(args.commits):
            await asyncio.to_thread(log_one, f"v{n}")
            await asyncio.sleep(0.2)
        await asyncio.sleep(2)
        arrivals, times = receiver.report()
        hook_latency = [
            (arrived - times[event]) * 1000
            for (_, event), arrived in arrivals.items()
            if event not in warm_up
        ]
        sub_latency = [
            (arrived - times[event]) * 1000
            for per in subs_by
            for event, arrived in per.items()
            if event in times and event not in warm_up
        ]
        expected_hooks = args.commits * args.webhooks
        print(
            f"commit -> webhook receipt: {len(hook_latency)}/{expected_hooks} deliveries, "
            f"p50 {percentile(hook_latency, 0.5):.0f} ms, "
            f"p95 {percentile(hook_latency, 0.95):.0f} ms"
        )
        print(
            f"commit -> subscription receipt: {len(sub_latency)}/"
            f"{args.commits * args.subscribers} events, p50 {percentile(sub_latency, 0.5):.0f} ms, "
            f"p95 {percentile(sub_latency, 0.95):.0f} ms"
        )
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

        before = len(arrivals)
        runs = [
            {"id": f"burst-{uuid.uuid4().hex[:12]}", "jobType": "burst", "state": "RUNNING"}
            for _ in range(args.burst)
        ]
        started = time.time()
        ingested = client.mutate(
            INGEST, {"input": {"organization": org, "project": "p", "runs": runs}}, "ingestLineage"
        )
        committed = time.time()
        wanted = before + args.burst * args.webhooks
        deadline = committed + 60
        while len(arrivals) < wanted and time.time() < deadline:
            await asyncio.sleep(0.25)
            arrivals, _ = receiver.report()
        last = max(arrivals.values())
        print(
            f"burst: {ingested['runsCreated']} events (ingest {committed - started:.2f} s) to "
            f"{args.webhooks} webhooks: {len(arrivals) - before}/"
            f"{args.burst * args.webhooks} deliveries, all received {last - committed:.2f} s "
            "after the commit"
        )
        client.close()
    finally:
        process.terminate()
        process.wait(30)
        receiver.stop()
        print(f"load after deliveries: {load()}")


async def _one_commit(graph: Graph, store: LocalBlobStore, org: str) -> float:
    data = os.urandom(32)
    digest = hashlib.sha256(data).hexdigest()
    spec = drafts.DraftSpec(
        org=org,
        project="p",
        name="weights",
        type="model",
        artifact_description=None,
        description=None,
        metadata="{}",
        tags=[],
        aliases=[],
        ttl_seconds=None,
        run_id=None,
        base_version_id=None,
        actor="bench",
    )
    draft_id, needs = await drafts.create_draft(
        graph, spec, sorted_batch([make_entry("w.bin", digest, len(data))])
    )

    async def once() -> AsyncIterator[bytes]:
        yield data

    for need in needs:
        await store.put_stream(need.digest, once(), staging=draft_id)
    draft = await drafts.require_draft(graph, draft_id)
    started = time.perf_counter()
    await commit(graph, store, draft, None, actor="bench")
    return (time.perf_counter() - started) * 1000


async def _no_events(*_: Any, **__: Any) -> None:
    return None


async def commit_overhead(args: argparse.Namespace, password: str | None) -> None:
    graph = connect(args.uri, "neo4j", password)
    store = LocalBlobStore(
        Path(tempfile.mkdtemp(prefix="bench-blobs-")), UrlSigner(b"bench"), "http://unused"
    )
    originals: dict[tuple[Any, str], Callable[..., Awaitable[Any]]] = {
        (artifact_commit, "record_version_created_tx"): artifact_commit.record_version_created_tx,
        (artifact_aliases, "record_alias_event_tx"): artifact_aliases.record_alias_event_tx,
    }

    def events_on(on: bool) -> None:
        for (module, name), original in originals.items():
            setattr(module, name, original if on else _no_events)

    try:
        org = f"bench-commit-{uuid.uuid4().hex[:8]}"
        for _ in range(5):  # warm-up
            await _one_commit(graph, store, org)
        with_events: list[float] = []
        without: list[float] = []
        for n in range(args.commits * 2):
            on = n % 2 == 0
            events_on(on)
            (with_events if on else without).append(await _one_commit(graph, store, org))
        events_on(True)
        a, b = statistics.median(with_events), statistics.median(without)
        print(
            f"version commit (workflows.commit, {len(with_events)} each, alternating): median "
            f"{a:.1f} ms with the event write, {b:.1f} ms without: +{(a / b - 1) * 100:.1f} %"
        )
    finally:
        events_on(True)
        await graph.close()
        print(f"load after commits: {load()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--uri", default="bolt://127.0.0.1:7687")
    parser.add_argument("--webhooks", type=int, default=10)
    parser.add_argument("--subscribers", type=int, default=50)
    parser.add_argument("--commits", type=int, default=40)
    parser.add_argument("--burst", type=int, default=1000)
    parser.add_argument("--part", choices=("all", "deliveries", "commit"), default="all")
    args = parser.parse_args()
    password = os.environ.get("NEO4J_PASSWORD")
    if args.part in ("all", "deliveries"):
        asyncio.run(deliveries(args, password))
    if args.part in ("all", "commit"):
        asyncio.run(commit_overhead(args, password))


if __name__ == "__main__":
    main()
