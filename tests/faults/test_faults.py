"""The fault suite's short form: a few writers on two API processes while Neo4j is killed,
versitygw stopped and an API process killed mid-commit (tests/faults/scenario.py). Everything
runs on services this test starts in its temporary folder; `bench/faults.py` is the long form
(50 writers, longer load).

What it holds: no version a writer saw committed is lost or renumbered, indexes stay distinct
and contiguous, every committed version's blobs download with their sha256, no alias or link
reaches a missing version, every failure a writer saw carries a stable code (none INTERNAL,
none unexplained), and both API processes serve a log and a download afterwards without being
restarted for it.
"""

from __future__ import annotations

from pathlib import Path

from tests.faults.scenario import Plan, run

CI_PLAN = Plan(writers=6, warmup=5.0, neo4j_outage=2.0, s3_outage=3.0, settle=2.0, cooldown=3.0)


def test_writers_survive_neo4j_s3_and_api_crashes(tmp_path: Path) -> None:
    report = run(CI_PLAN, tmp_path)
    text = "\n".join(report.lines())
    print(text)
    operations = report.operations
    assert operations["tried"] >= 12, text
    assert operations["succeeded"] >= 6, text
    assert report.versions_seen >= 3, text
    assert report.commits_in_flight_at_kill >= 1, text
    assert set(report.killed_commits) <= {"COMMITTED", "PENDING", "gone"}, text
    assert report.not_ready == [], text
    assert report.after_faults == {"api1": "ok", "api2": "ok", "alternating": "ok"}, text
    assert report.uncoded == [], text
    assert report.checks.violations == [], text
    counts = report.checks.counts
    assert counts["no version lost"] == report.versions_seen, text
    assert counts["blobs download with their sha256"] >= 2 * report.versions_seen, text
    assert counts["indexes distinct and contiguous"] >= 1, text
    assert counts["failures coded"] == operations["tried"] - operations["succeeded"], text
    assert report.store_versions.get("COMMITTED", 0) >= report.versions_seen, text
