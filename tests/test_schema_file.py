from __future__ import annotations

from pathlib import Path

from api.schema import export_schema

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schema.graphql"


def test_schema_graphql_matches_the_code() -> None:
    assert SCHEMA_FILE.exists(), (
        "schema.graphql is missing; run: lineage export-schema > schema.graphql"
    )
    assert SCHEMA_FILE.read_text() == export_schema(), (
        "schema.graphql differs from the code; if the change is deliberate, run: "
        "lineage export-schema > schema.graphql"
    )
