"""Schema fuzzing, long form: the generator of tests/api/test_fuzz_schema.py run for longer.

Starts `lineage serve` as its own process on a Neo4j (`--uri`, default the shared dev server:
the run adds two users and two small organisations, nothing else is touched), seeds both
organisations through the API, then sends `--examples` generated queries and as many mutations
as the organisation's admin, as an admin of the other organisation and anonymously. A fresh
random seed each run unless `--seed` is given (printed, so a run can be repeated). Prints, per
caller and kind, the requests sent, the answers by HTTP status and by error code, how many
mutations were refused and how many fingerprints of the organisation were compared, the
slowest answer, and every problem (5xx, INTERNAL, an error without a code, an answer slower
than 10 s, a refused or foreign mutation that changed the organisation) with its document.
Exits 1 when there is any problem. Credentials come from NEO4J_USER / NEO4J_PASSWORD.

    python -m bench.fuzz_api [--uri bolt://127.0.0.1:7687] [--examples 1000] [--seed N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from pathlib import Path

from neo4j import GraphDatabase

from graph.core.driver import connect
from tests.api.test_fuzz_schema import (
    Caller,
    Tally,
    create_callers,
    fuzz,
    seed_world,
    start_fuzz_api,
)


async def _callers(uri: str, auth: tuple[str, str] | None) -> tuple[Caller, Caller, Caller]:
    graph = connect(uri, *(auth or (None, None)))
    try:
        return await create_callers(graph)
    finally:
        await graph.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--uri", default="bolt://127.0.0.1:7687")
    parser.add_argument("--examples", type=int, default=1000, help="per caller and kind")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(2**32)
    password = os.environ.get("NEO4J_PASSWORD")
    auth = (os.environ.get("NEO4J_USER", "neo4j"), password) if password else None
    folder = Path(tempfile.mkdtemp(prefix="lineage-fuzz-"))
    os.environ["LINEAGE_CACHE_DIR"] = str(folder / "sdk-cache")
    os.environ["LINEAGE_PROGRESS"] = "0"
    print(f"seed {seed}; server log in {folder / 'api' / 'api.log'}")
    api = start_fuzz_api(args.uri, auth, folder / "api")
    problems = 0
    try:
        admin, outsider, anonymous = asyncio.run(_callers(args.uri, auth))
        world = seed_world(api.url, admin, outsider, anonymous, folder)
        total = Tally()
        with GraphDatabase.driver(args.uri, auth=auth) as driver:
            for number, (caller, kind) in enumerate(
                (c, k) for c in ("anonymous", "outsider", "admin") for k in ("query", "mutation")
            ):
                tally = Tally()
                began = time.monotonic()
                fuzz(world, world.caller(caller), kind, args.examples, driver, tally, seed + number)
                print(f"\n== {caller} {kind}: {time.monotonic() - began:.0f}s")
                print(tally.report())
                problems += len(tally.problems)
                total.requests += tally.requests
                total.statuses.update(tally.statuses)
                total.codes.update(tally.codes)
                total.refused_mutations += tally.refused_mutations
                total.fingerprints += tally.fingerprints
                total.slowest = max(total.slowest, tally.slowest)
        print("\n== all callers")
        print(total.report())
        print(f"problems {problems}")
    finally:
        api.stop()
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
