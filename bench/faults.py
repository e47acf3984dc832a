"""The fault suite's long form: 50 SDK writers on two API processes while Neo4j is killed,
versitygw stopped and an API process killed mid-commit (tests/faults/scenario.py).

Everything runs on services started here, in a temporary folder (kept with `--keep`, with every
process's log): its own Neo4j on a free port (the second API process reaches it through a
`neo4j://` routing URI), its own versitygw, two `lineage serve` processes. The shared
development services are not touched. Prints the start-up times, each fault and how long the
API processes took to report ready again, operations tried, succeeded and failed by code (and
per 5 s of load), what became of the commits cut off by the kill, and every invariant checked
with any violation. Exits 1 on a violation, an uncoded failure, or an API process that did not
serve a log and a download afterwards.

    python -m bench.faults [--writers 50] [--warmup 10] [--neo4j-outage 5] [--s3-outage 5]
                           [--settle 10] [--cooldown 15] [--seed 7] [--keep]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from tests.faults.scenario import Plan, run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--writers", type=int, default=50)
    parser.add_argument("--warmup", type=float, default=10.0)
    parser.add_argument("--neo4j-outage", type=float, default=5.0)
    parser.add_argument("--s3-outage", type=float, default=5.0)
    parser.add_argument("--settle", type=float, default=10.0)
    parser.add_argument("--cooldown", type=float, default=15.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the folder and its logs")
    args = parser.parse_args()
    plan = Plan(
        writers=args.writers,
        warmup=args.warmup,
        neo4j_outage=args.neo4j_outage,
        s3_outage=args.s3_outage,
        settle=args.settle,
        cooldown=args.cooldown,
        seed=args.seed,
    )
    folder = Path(tempfile.mkdtemp(prefix="lineage-faults-"))
    try:
        report = run(plan, folder)
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    print("\n".join(report.lines()))
    print("operations per 5 s of load:")
    print("\n".join(report.timeline))
    if args.keep:
        print(f"logs in {folder}")
    healthy = all(state == "ok" for state in report.after_faults.values())
    failed = report.checks.violations or report.uncoded or report.not_ready or not healthy
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
