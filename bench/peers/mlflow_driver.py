"""The MLflow side of bench/peers/mlflow_registry.py, run by the python of MLflow's own venv.

MLflow is never imported into our interpreter (its dependency tree would fight ours), so this
script imports nothing of ours: bench/peers/mlflow_registry.py writes a plan as JSON and runs

    <venv>/bin/python bench/peers/mlflow_driver.py populate PLAN DB_URI
    <venv>/bin/python bench/peers/mlflow_driver.py measure PLAN URL SCENARIO

and reads one JSON object from stdout. `populate` fills an empty SQLite registry in bulk through
MLflow's own SQLAlchemy tables (the peer of our raw-Cypher build; 30,000 client calls would take
longer than the measurements), before the server starts. `measure` drives the running server
with `mlflow.MlflowClient` only, as a user does, and times each call.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import mlflow  # type: ignore[import-not-found]

SOURCE = "s3://bench-models/{name}/{version}"
"""Model version sources: a non-local URI, which the server takes without a run (it refuses a
local path that is not inside a run's artifacts)."""


def populate(plan: dict[str, Any], db_uri: str) -> dict[str, Any]:
    """Registered models, their versions, tags and `production` aliases, in one transaction."""
    from mlflow.store.model_registry.dbmodels.models import (  # type: ignore[import-not-found]
        SqlModelVersion,
        SqlRegisteredModel,
        SqlRegisteredModelAlias,
        SqlRegisteredModelTag,
    )
    from mlflow.store.model_registry.sqlalchemy_store import (  # type: ignore[import-not-found]
        SqlAlchemyStore,
    )
    from sqlalchemy import insert  # type: ignore[import-not-found]

    began = time.perf_counter()
    store = SqlAlchemyStore(db_uri)  # creates the schema (MLflow's migrations)
    migrated = time.perf_counter() - began
    per_model = int(plan["versions_per_model"])
    base = 1_700_000_000_000
    models, versions, tags, aliases = [], [], [], []
    for i, model in enumerate(plan["models"]):
        created = base + i * 60_000
        models.append(
            {
                "name": model["name"],
                "creation_time": created,
                "last_updated_time": created + per_model * 1000,
                "description": model["description"],
            }
        )
        for key, value in model["tags"].items():
            tags.append({"name": model["name"], "key": key, "value": value})
        for v in range(1, per_model + 1):
            versions.append(
                {
                    "name": model["name"],
                    "version": v,
                    "creation_time": created + v * 1000,
                    "last_updated_time": created + v * 1000,
                    "description": "",
                    "user_id": "bench",
                    "current_stage": "None",
                    "source": SOURCE.format(name=model["name"], version=v),
                    "status": "READY",
                }
            )
        aliases.append(
            {"name": model["name"], "alias": "production", "version": model["production"]}
        )
    with store.engine.begin() as connection:
        for table, rows in (
            (SqlRegisteredModel, models),
            (SqlRegisteredModelTag, tags),
            (SqlModelVersion, versions),
            (SqlRegisteredModelAlias, aliases),
        ):
            connection.execute(insert(table.__table__), rows)
    return {
        "seconds": time.perf_counter() - began,
        "migrate_seconds": migrated,
        "models": len(models),
        "versions": len(versions),
    }


def _timed(call: Any, samples: list[Any], warmup: int) -> tuple[list[float], list[Any]]:
    """Milliseconds per call (after `warmup` untimed calls) and each call's answer."""
    for sample in samples[:warmup]:
        call(sample)
    timings: list[float] = []
    answers: list[Any] = []
    for sample in samples[warmup:]:
        began = time.perf_counter()
        answer = call(sample)
        timings.append((time.perf_counter() - began) * 1000)
        answers.append(answer)
    return timings, answers


def measure(plan: dict[str, Any], url: str, scenario: str) -> dict[str, Any]:
    """Time one scenario of the plan against the server at `url`; answers are checked here."""
    client = mlflow.MlflowClient(tracking_uri=url, registry_uri=url)
    samples = plan["scenarios"][scenario]
    warmup = int(plan["warmup"])
    if scenario == "alias":

        def resolve(sample: dict[str, Any]) -> int:
            version = client.get_model_version_by_alias(sample["name"], "production")
            if int(version.version) != sample["production"]:
                raise SystemExit(f"{sample['name']}@production is v{version.version}")
            return int(version.version)

        timings, _ = _timed(resolve, samples, warmup)
        return {"timings": timings}
    if scenario in ("prefix", "tag"):

        def search(sample: dict[str, Any]) -> list[str]:
            if scenario == "prefix":
                where = f"name LIKE '{sample['prefix']}%'"
            else:
                where = f"tags.{sample['key']} = '{sample['value']}'"
            found = client.search_registered_models(filter_string=where, max_results=20)
            return [model.name for model in found]

        timings, answers = _timed(search, samples, warmup)
        return {"timings": timings, "first_page": answers[0], "answers": answers}
    if scenario == "link":

        def link(sample: dict[str, Any]) -> int:
            name = sample["name"]
            version = client.create_model_version(
                name, SOURCE.format(name=name, version="new"), description="linked by the bench"
            )
            client.set_registered_model_alias(name, "production", version.version)
            return int(version.version)

        for sample in samples[:warmup]:
            link(sample)
        began = time.perf_counter()
        timings, answers = _timed(link, samples[warmup:], 0)
        wall = time.perf_counter() - began
        expected = plan["versions_per_model"] + 1
        if any(answer != expected for answer in answers):
            raise SystemExit(f"links made versions {sorted(set(answers))}, expected {expected}")
        return {"timings": timings, "seconds": wall, "count": len(timings)}
    raise SystemExit(f"unknown scenario {scenario!r}")


def main(argv: list[str]) -> int:
    command, plan_path, *rest = argv
    with open(plan_path, encoding="utf-8") as file:
        plan = json.load(file)
    if command == "populate":
        result = populate(plan, rest[0])
    elif command == "measure":
        result = measure(plan, rest[0], rest[1])
    else:
        raise SystemExit(f"unknown command {command!r}")
    result["mlflow_version"] = mlflow.__version__
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
