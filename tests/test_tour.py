"""The README's tour, run as a new user would: the SDK against a real server over HTTP, with the
zero-configuration local blob store (signed URLs served by the API itself)."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import lineage
from tests.conftest import LiveServer

TOUR = Path(__file__).resolve().parent.parent / "examples" / "tour.py"


def _load_tour() -> ModuleType:
    spec = importlib.util.spec_from_file_location("tour", TOUR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_tour_runs_end_to_end_and_is_idempotent(
    live_local_server: LiveServer, unique: Callable[[str], str], tmp_path: Path
) -> None:
    lineage.configure(live_local_server.url, api_key=live_local_server.api_key)
    tour = _load_tour()
    org = unique("tour")
    first = tour.tour(org, tmp_path / "first")
    assert first["dataset"] == f"{org}/vision/pets:v0"
    assert first["model"] == f"{org}/vision/resnet:v0"
    assert first["downloaded"] == ["test.csv", "train.csv"]
    assert first["upstream"] == ["prepare-data", "pets:v0", "train-resnet"]  # farthest first
    assert first["registry"] == f"{org}/registry-model/pet-classifier:v0"
    assert first["registry_files"] == ["model.bin"]
    assert first["dataset_created"] is True

    again = tour.tour(org, tmp_path / "second")
    assert again["dataset"] == first["dataset"]  # same content: no new version
    assert again["dataset_created"] is False
    assert again["model"] == first["model"]
