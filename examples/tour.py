"""A tour of Lineage through the Python SDK, against a running server.

    lineage serve                                   # in one terminal
    LINEAGE_API_KEY=$(cat .lineage/admin_api_key) python examples/tour.py my-team

It logs a dataset from a "prepare" run, trains on it in a "train" run that logs a model, walks the
model's lineage upstream, promotes the model into the organisation's model registry, and fetches
it back by its registry path. Run it twice: the second time nothing is uploaded again.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import lineage


def tour(org: str, workdir: Path) -> dict[str, object]:
    project = f"{org}/vision"
    data_dir = workdir / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    for split in ("train", "test"):
        (data_dir / f"{split}.csv").write_text(f"{split},label\n1,cat\n2,dog\n")

    with lineage.init(project, job_type="prepare", name="prepare-data") as prepare:
        dataset = lineage.Artifact("pets", type="dataset", description="cats and dogs")
        dataset.add_dir(data_dir)
        dataset_version = prepare.log_artifact(dataset, aliases=["best"])
    print(f"dataset {dataset_version.path} created={dataset_version.created}")

    with lineage.init(project, job_type="train", name="train-resnet", config={"lr": 0.1}) as train:
        used = train.use_artifact("pets:best")
        local = used.download(workdir / "download")
        weights = workdir / "model.bin"
        seen = sorted(path.name for path in local.iterdir())
        weights.write_bytes(("weights trained on " + ",".join(seen)).encode())
        model = lineage.Artifact("resnet", type="model", metadata={"accuracy": 0.93})
        model.add_file(weights)
        model_version = train.log_artifact(model)
    print(f"model {model_version.path} created={model_version.created}")

    upstream = lineage.upstream(model_version, depth=3)
    names = [node.name for level in upstream.levels for node in level.nodes]
    print("upstream of the model:", " -> ".join(names))

    linked = lineage.link_artifact(
        model_version, f"{org}/registry-model/pet-classifier", aliases=["staging"]
    )
    fetched = lineage.registry_version(f"{org}/registry-model/pet-classifier:staging")
    files = [file.path for file in fetched.files()]
    print(f"registry {linked.path} -> files {files}")
    return {
        "dataset": dataset_version.path,
        "model": model_version.path,
        "upstream": names,
        "registry": linked.path,
        "registry_files": files,
        "dataset_created": dataset_version.created,
        "downloaded": seen,
    }


if __name__ == "__main__":
    organization = sys.argv[1] if len(sys.argv) > 1 else "my-team"
    with tempfile.TemporaryDirectory() as tmp:
        tour(organization, Path(tmp))
