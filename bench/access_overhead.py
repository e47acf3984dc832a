"""What access control costs a request: the key lookup, and decisions memoised per request.

`python -m bench.access_overhead --uri bolt://127.0.0.1:7687` creates one user, one key and one
organisation (a few nodes, harmless on a shared server) and prints milliseconds per request for
`authenticate` alone and for `authenticate` plus 100 decisions on the same organisation (what a
page of 100 items costs: one lookup, then the per-request memo). Credentials come from
NEO4J_USER / NEO4J_PASSWORD (a local server's are user neo4j and `<data dir>/neo4j/password`).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
import uuid

from api.authz import Action, authenticate, decide
from graph.access import orgs
from graph.access.users import create_user
from graph.core.bootstrap import bootstrap
from graph.core.driver import connect


async def run(uri: str, requests: int) -> None:
    graph = connect(uri, os.environ.get("NEO4J_USER"), os.environ.get("NEO4J_PASSWORD"))
    try:
        await bootstrap(graph)
        _, key = await create_user(graph, f"bench-{uuid.uuid4().hex[:10]}", with_key=True)
        assert key is not None
        header = f"Bearer {key.secret}"
        org = f"bench-{uuid.uuid4().hex[:10]}"
        await decide(await authenticate(header, graph), Action.WRITE, org=org)
        await orgs.ensure_organization(graph, org)
        await decide(await authenticate(header, graph), Action.READ, org=org)  # settles

        started = time.perf_counter()
        for _ in range(requests):
            await authenticate(header, graph)
        alone = (time.perf_counter() - started) / requests * 1000

        started = time.perf_counter()
        for _ in range(requests):
            caller = await authenticate(header, graph)
            for _ in range(100):
                await decide(caller, Action.READ, org=org)
        with_decisions = (time.perf_counter() - started) / requests * 1000
        print(f"authenticate: {alone:.2f} ms per request ({requests} requests)")
        print(f"authenticate + 100 decisions on one organisation: {with_decisions:.2f} ms")
    finally:
        await graph.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--uri", default="bolt://127.0.0.1:7687")
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    asyncio.run(run(args.uri, args.requests))


if __name__ == "__main__":
    main()
