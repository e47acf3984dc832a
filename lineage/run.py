"""Runs from the SDK: record what code consumed and produced.

    with lineage.init(project="acme/vision", job_type="train", config={"lr": 0.1}) as run:
        data = run.use_artifact("images:latest")        # records CONSUMED, returns the version
        ...
        run.log({"accuracy": 0.93})                     # merged into the run's summary
        model = lineage.Artifact("resnet", "model"); model.add_file("model.pt")
        run.log_artifact(model, aliases=["candidate"])  # records PRODUCED
    # leaving the block ends the run FINISHED, or FAILED when an exception escapes it

A process that dies without leaving the block leaves its run RUNNING; end it later with
`Run.finish("CRASHED")` (or `lineage.Run.attach(run_id).finish("CRASHED")`).
"""

from __future__ import annotations

import uuid
from types import TracebackType
from typing import TYPE_CHECKING, Any

from lineage.client import Client, default_client
from lineage.errors import LineageError
from lineage.traversal import LineageGraph, lineage, node_id

if TYPE_CHECKING:
    from lineage.artifact import Artifact
    from lineage.artifact_version import ArtifactVersion

RUN_FIELDS = "id name jobType state config summary tags projectPath startedAt finishedAt"

CREATE_RUN = f"""
mutation($input: CreateRunInput!) {{
  createRun(input: $input) {{ run {{ {RUN_FIELDS} }} errors {{ code message field }} }}
}}
"""

UPDATE_RUN = f"""
mutation($input: UpdateRunInput!) {{
  updateRun(input: $input) {{ run {{ {RUN_FIELDS} }} errors {{ code message field }} }}
}}
"""

FINISH_RUN = f"""
mutation($input: FinishRunInput!) {{
  finishRun(input: $input) {{ run {{ {RUN_FIELDS} }} errors {{ code message field }} }}
}}
"""

USE_ARTIFACT = """
mutation($input: UseArtifactInput!) {
  useArtifact(input: $input) {
    version { id name projectPath } created errors { code message field }
  }
}
"""

RUN_BY_ID = f"query($id: ID!) {{ node(id: $id) {{ ... on Run {{ {RUN_FIELDS} }} }} }}"

_active: list[Run] = []
"""Runs `init` started in this process that have not finished, newest last."""


def current_run() -> Run | None:
    """The run `init` started last in this process and not yet finished, or None; module-level
    calls such as `lineage.use_artifact` record on it."""
    return _active[-1] if _active else None


def _forget(run: Run) -> None:
    if run in _active:
        _active.remove(run)


class Run:
    """A run on the server; a context manager that ends it when the block is left."""

    def __init__(self, data: dict[str, Any], client: Client) -> None:
        self.client = client
        self._set(data)

    def _set(self, data: dict[str, Any]) -> None:
        self.id: str = data["id"]
        """The run's global id, as the API gives it: what every call about the run takes
        (`log_artifact(run_id=...)`, lineage queries, `Run.attach`)."""
        self.name: str = data["name"]
        self.job_type: str = data["jobType"]
        self.state: str = data["state"]
        self.project: str = data["projectPath"]
        self.config: dict[str, Any] = data["config"]
        self.summary: dict[str, Any] = data["summary"]
        self.tags: list[str] = data["tags"]

    def __repr__(self) -> str:
        return f"Run({self.name!r}, {self.job_type!r}, {self.state})"

    @classmethod
    def attach(cls, run_id: str, *, client: Client | None = None) -> Run:
        """A handle on an existing run (to use artifacts with it or end it), by its id as
        `Run.id` gives it."""
        client = client or default_client()
        data = client.execute(RUN_BY_ID, {"id": run_id})["node"]
        if not data:
            raise LineageError("NOT_FOUND", f"no run {run_id}")
        return cls(data, client)

    def use_artifact(self, ref: str) -> ArtifactVersion:
        """Record that this run consumed `[[org/]project/]name[:alias|:vN]` (resolved now, in
        the run's project by default), or the source version a registry path links
        (`org/registry-name/collection[:alias|:vN]`, or `org/wandb-registry-name/...` as in
        W&B), and return that exact version."""
        from lineage.artifact_version import get_artifact

        payload = self.client.mutate(
            USE_ARTIFACT, {"input": {"run": self.id, "artifact": ref}}, "useArtifact"
        )
        version = payload["version"]
        return get_artifact(f"{version['projectPath']}/{version['name']}", client=self.client)

    def use_version(self, version: object) -> None:
        """Record that this run consumed a version given by id or `ArtifactVersion`."""
        self.client.mutate(
            USE_ARTIFACT,
            {"input": {"run": self.id, "version": node_id(version, self.client)}},
            "useArtifact",
        )

    def log_artifact(
        self, artifact: Artifact, aliases: list[str] | None = None, **options: Any
    ) -> ArtifactVersion:
        """Log `artifact` to this run's project as an output of this run (PRODUCED)."""
        from lineage.artifact import log_artifact

        options.setdefault("client", self.client)
        return log_artifact(artifact, self.project, aliases, run_id=self.id, **options)

    def log(self, summary: dict[str, Any]) -> None:
        """Merge keys into the run's summary (a key set to None is removed)."""
        payload = self.client.mutate(
            UPDATE_RUN, {"input": {"id": self.id, "summary": summary}}, "updateRun"
        )
        self._set(payload["run"])

    def finish(self, state: str = "FINISHED", summary: dict[str, Any] | None = None) -> None:
        """End the run (FINISHED, FAILED or CRASHED); ending it again the same way is a no-op."""
        payload = self.client.mutate(
            FINISH_RUN,
            {"input": {"id": self.id, "state": state, "summary": summary}},
            "finishRun",
        )
        self._set(payload["run"])
        _forget(self)

    def lineage(self, direction: str = "BOTH", depth: int = 3, **options: Any) -> LineageGraph:
        """This run's lineage (see `lineage.lineage`)."""
        options.setdefault("client", self.client)
        return lineage(self.id, direction, depth, **options)

    def __enter__(self) -> Run:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self.state == "RUNNING":
            self.finish("FINISHED" if error is None else "FAILED")
        _forget(self)


def init(
    project: str,
    job_type: str,
    *,
    name: str | None = None,
    config: dict[str, Any] | None = None,
    tags: list[str] | None = None,
    client: Client | None = None,
) -> Run:
    """Start a RUNNING run in `organization/project` (created on first use)."""
    client = client or default_client()
    parts = project.split("/")
    if len(parts) != 2 or not all(parts):
        raise LineageError("INVALID_PATH", f"project must be 'organization/project': {project!r}")
    run_input = {
        "organization": parts[0],
        "project": parts[1],
        "jobType": job_type,
        "name": name,
        "config": config,
        "tags": tags,
        "id": uuid.uuid4().hex,
    }
    payload = client.mutate(CREATE_RUN, {"input": run_input}, "createRun")
    run = Run(payload["run"], client)
    _active.append(run)
    return run
