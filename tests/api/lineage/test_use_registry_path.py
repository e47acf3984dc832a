"""useArtifact takes a registry path (`org/registry-r/c:alias`, or `wandb-registry-r` as W&B
users write it): the run CONSUMED the linked source version. Only callers who may read that
registry resolve it; to others a hidden registry answers like a missing one. Real Neo4j and S3,
over GraphQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graph.access.users import create_user
from graph.core.driver import Graph
from tests.conftest import ApiClient
from tests.sdk.support import log_files, unique_bytes

CREATE_RUN = """
mutation($o: String!) {
  createRun(input: {organization: $o, project: "eval", jobType: "eval"}) {
    run { id } errors { code message }
  }
}
"""

USE = """
mutation($run: ID!, $artifact: String!) {
  useArtifact(input: {run: $run, artifact: $artifact}) {
    version { name projectPath } created errors { code message field }
  }
}
"""

INPUTS = """
query($id: ID!) {
  node(id: $id) { ... on Run { inputs { edges { node { name projectPath } } } } }
}
"""


async def _ok(api: ApiClient, query: str, variables: dict[str, Any], **kw: Any) -> Any:
    payload = next(iter((await api.data(query, variables, **kw)).values()))
    assert payload["errors"] == [], payload["errors"]
    return payload


async def _registry_with_links(api: ApiClient, org: str) -> None:
    """`model` (open) and `vault` (RESTRICTED) registries, each linking model:v0 as `prod`,
    and `model` linking model:v1 as its latest."""
    for content in ("v0", "v1"):
        logged = await log_files(
            api, org, "model", {"w.bin": unique_bytes(content)}, project="train", type="model"
        )
        assert logged["errors"] == []
    await _ok(
        api,
        'mutation($o: String!) { createRegistry(input: {organization: $o, name: "vault", '
        'acceptedTypes: ["model"], visibility: RESTRICTED}) { errors { code message } } }',
        {"o": org},
    )
    link = (
        "mutation($t: String!, $p: String!, $a: [String!]) { linkArtifact(input: {targetPath: "
        "$t, artifactPath: $p, aliases: $a}) { errors { code message } } }"
    )
    await _ok(api, link, {"t": f"{org}/registry-vault/clf", "p": f"{org}/train/model:v0"})
    await _ok(
        api, link, {"t": f"{org}/registry-model/clf", "p": f"{org}/train/model:v0", "a": ["prod"]}
    )
    await _ok(api, link, {"t": f"{org}/registry-model/clf", "p": f"{org}/train/model:v1"})


async def test_a_run_uses_a_registry_version_by_its_path(
    api: ApiClient, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    await _registry_with_links(api, org)
    run = (await _ok(api, CREATE_RUN, {"o": org}))["run"]["id"]
    used = await _ok(api, USE, {"run": run, "artifact": f"{org}/wandb-registry-model/clf:prod"})
    assert (used["version"], used["created"]) == (
        {"name": "model:v0", "projectPath": f"{org}/train"},
        True,
    )
    again = await _ok(api, USE, {"run": run, "artifact": f"{org}/registry-model/clf:v0"})
    assert again["created"] is False  # the same source version, recorded once
    latest = await _ok(api, USE, {"run": run, "artifact": f"{org}/registry-model/clf"})
    assert latest["version"]["name"] == "model:v1"
    inputs = (await api.data(INPUTS, {"id": run}))["node"]["inputs"]["edges"]
    assert [edge["node"]["name"] for edge in inputs] == ["model:v0", "model:v1"]
    # A project path still resolves as before, and a project-relative name may look like one.
    plain = await _ok(api, USE, {"run": run, "artifact": "train/model:v1"})
    assert plain["created"] is False


async def test_a_registry_the_caller_may_not_read_answers_like_a_missing_one(
    api: ApiClient, unique: Callable[[str], str], graph: Graph
) -> None:
    org = unique("org")
    await _registry_with_links(api, org)
    user, key = await create_user(graph, unique("member"), with_key=True)
    _, server_admin = await create_user(
        graph, unique("server-admin"), is_server_admin=True, with_key=True
    )
    assert key is not None and server_admin is not None
    await _ok(
        api,
        "mutation($o: String!, $u: String!) { addOrganizationMember(input: {organization: $o, "
        "user: $u, role: MEMBER}) { errors { code message } } }",
        {"o": org, "u": user.name},
        headers={"authorization": f"Bearer {server_admin.secret}"},
    )
    member = {"authorization": f"Bearer {key.secret}"}
    run = (await _ok(api, CREATE_RUN, {"o": org}, headers=member))["run"]["id"]
    answers = []
    for path in (
        f"{org}/registry-vault/clf:v0",  # exists, RESTRICTED, no role
        f"{org}/registry-nothing/clf:v0",  # no such registry
        f"{org}/registry-model/clf:nope",  # no such alias
        f"{org}/registry-model/none:v0",  # no such collection
    ):
        data = await api.data(USE, {"run": run, "artifact": path}, headers=member)
        [error] = data["useArtifact"]["errors"]
        answers.append((error["code"], error["field"], error["message"].replace(path, "P")))
    assert len(set(answers)) == 1 and answers[0][:2] == ("NOT_FOUND", "artifact"), answers
    inputs = (await api.data(INPUTS, {"id": run}, headers=member))["node"]["inputs"]["edges"]
    assert inputs == []
    # The same path works for the organisation's admin, who may read the registry.
    admins = (await _ok(api, CREATE_RUN, {"o": org}))["run"]["id"]
    used = await _ok(api, USE, {"run": admins, "artifact": f"{org}/registry-vault/clf:v0"})
    assert used["version"]["name"] == "model:v0"
