"""The one path grammar (`graph.core.refs`): every accepted form, and what it refuses."""

from __future__ import annotations

import pytest

from graph.core.errors import InvalidPath
from graph.core.refs import (
    ArtifactKey,
    RegistryPath,
    Selector,
    SelectorKind,
    VersionRef,
    collection_path,
    is_registry_path,
    parse_artifact_path,
    parse_path,
    parse_registry_path,
    parse_version_path,
    registry_version_path,
    version_path,
)

DIGEST = "ab" * 32
KEY = ArtifactKey("o", "p", "n")


@pytest.mark.parametrize(
    ("path", "kind", "value", "index"),
    [
        ("o/p/n", SelectorKind.ALIAS, "latest", None),
        ("o/p/n:latest", SelectorKind.ALIAS, "latest", None),
        ("o/p/n:best-1.0_x", SelectorKind.ALIAS, "best-1.0_x", None),
        ("o/p/n:v0", SelectorKind.INDEX, "v0", 0),
        ("o/p/n:v12", SelectorKind.INDEX, "v12", 12),
        ("o/p/n:v" + "9" * 18, SelectorKind.INDEX, "v" + "9" * 18, 10**18 - 1),
        (f"o/p/n:{DIGEST}", SelectorKind.DIGEST, DIGEST, None),
    ],
)
def test_version_paths_parse_every_selector(
    path: str, kind: SelectorKind, value: str, index: int | None
) -> None:
    ref = parse_version_path(path)
    assert ref == VersionRef(KEY, kind, value)
    assert ref.index == index
    assert ref.alias == (value if kind is SelectorKind.ALIAS else None)
    assert ref.digest == (value if kind is SelectorKind.DIGEST else None)
    assert str(ref) == (path if ":" in path else f"{path}:latest")


def test_relative_version_paths_take_the_given_organisation_and_project() -> None:
    assert parse_version_path("n", org="o", project="p") == VersionRef(
        KEY, SelectorKind.ALIAS, "latest"
    )
    assert parse_version_path("q/n:v3", org="o", project="p") == VersionRef(
        ArtifactKey("o", "q", "n"), SelectorKind.INDEX, "v3"
    )
    assert parse_version_path("x/q/n:best", org="o", project="p") == VersionRef(
        ArtifactKey("x", "q", "n"), SelectorKind.ALIAS, "best"
    )
    assert parse_version_path("q/n", org="o").artifact == ArtifactKey("o", "q", "n")
    # without defaults a path is always complete
    for relative in ("n", "p/n:v1"):
        with pytest.raises(InvalidPath, match="expected '<org>/<project>/<name>'"):
            parse_version_path(relative)
    with pytest.raises(InvalidPath):
        parse_version_path("n", org="o")


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("o/p/n:v01", "not a version index"),
        ("o/p/n:v00", "not a version index"),
        ("o/p/n:v-1", "not a version index"),
        ("o/p/n:v" + "1" * 19, "not a version index"),
        ("o/p/n:", "nothing after ':'"),
        ("o/p/n:a:b", "after ':'"),
        ("o/p/n:a b", "after ':'"),
        ("o//n", "Invalid project"),
        ("/p/n", "Invalid organization"),
        ("o/p/", "Invalid artifact"),
        ("o/p/..", "Invalid artifact"),
        ("o/p/n/x", "expected"),
        ("o/p", "expected"),
        ("", "expected"),
        ("o/p/" + "n" * 129, "Invalid artifact"),
        ("o/p/n:" + "a" * 600, "longer than 512"),
    ],
)
def test_malformed_version_paths_are_invalid_path(path: str, reason: str) -> None:
    with pytest.raises(InvalidPath, match=reason) as refused:
        parse_version_path(path, field="where")
    assert (refused.value.code, refused.value.field) == ("INVALID_PATH", "where")


def test_not_a_string_is_invalid_path() -> None:
    with pytest.raises(InvalidPath):
        parse_version_path(None)  # type: ignore[arg-type]
    with pytest.raises(InvalidPath):
        parse_registry_path(3)  # type: ignore[arg-type]


def test_selectors_can_be_required_or_forbidden() -> None:
    with pytest.raises(InvalidPath, match="add ':vN'"):
        parse_version_path("o/p/n", selector=Selector.REQUIRED)
    assert parse_version_path("o/p/n:v1", selector=Selector.REQUIRED).index == 1
    with pytest.raises(InvalidPath, match="without ':v1'"):
        parse_version_path("o/p/n:v1", selector=Selector.FORBIDDEN)
    assert parse_artifact_path("o/p/n") == KEY
    with pytest.raises(InvalidPath, match="without ':best'"):
        parse_artifact_path("o/p/n:best")
    with pytest.raises(InvalidPath):
        parse_artifact_path("p/n")


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("o/registry-model/c", RegistryPath("o", "model", "c")),
        ("o/wandb-registry-model/c", RegistryPath("o", "model", "c")),
        ("o/registry-model/c:v4", RegistryPath("o", "model", "c", "v4")),
        ("o/wandb-registry-model/c:prod", RegistryPath("o", "model", "c", "prod")),
        ("o/registry-registry-x/c", RegistryPath("o", "registry-x", "c")),
    ],
)
def test_registry_paths_parse_with_either_prefix(path: str, expected: RegistryPath) -> None:
    parsed = parse_registry_path(path)
    assert parsed == expected
    assert str(parsed) == path.replace("wandb-registry-", "registry-")
    assert parsed.collection_path == "o/registry-" + expected.registry + "/c"


def test_registry_selectors_are_an_index_or_an_alias() -> None:
    parsed = parse_registry_path("o/registry-m/c:v12")
    assert (parsed.index, parsed.alias) == (12, None)
    parsed = parse_registry_path("o/registry-m/c:prod")
    assert (parsed.index, parsed.alias) == (None, "prod")
    assert parse_registry_path("o/registry-m/c").selector is None
    with pytest.raises(InvalidPath, match="not by a digest"):
        parse_registry_path(f"o/registry-m/c:{DIGEST}")
    with pytest.raises(InvalidPath, match="without ':v1'"):
        parse_registry_path("o/registry-m/c:v1", selector=Selector.FORBIDDEN)
    with pytest.raises(InvalidPath, match="add ':vN'"):
        parse_registry_path("o/registry-m/c", selector=Selector.REQUIRED)


@pytest.mark.parametrize(
    "path",
    [
        "o/model/c",
        "o/registry-/c",
        "o/wandb-registry-/c",
        "o/registry-model",
        "o/registry-model/c/d",
        "o/registry-model/c:",
        "o/registry-model/c:a:b",
        "o/registry-model/c:v01",
        "o/registry-model/c:v-1",
        "../registry-model/c",
        "o/registry-a b/c",
        "",
    ],
)
def test_malformed_registry_paths_are_invalid_path(path: str) -> None:
    with pytest.raises(InvalidPath):
        parse_registry_path(path)


def test_the_second_part_tells_a_registry_path_from_a_version_path() -> None:
    assert is_registry_path("o/registry-m/c:v1")
    assert is_registry_path("o/wandb-registry-m/c")
    assert is_registry_path("o/registry-/c")
    assert not is_registry_path("o/p/registry-m")
    assert not is_registry_path("registry-m")
    assert parse_path("o/registry-m/c:v1") == RegistryPath("o", "m", "c", "v1")
    assert parse_path("o/wandb-registry-m/c") == RegistryPath("o", "m", "c")
    assert parse_path("o/p/n:v1") == VersionRef(KEY, SelectorKind.INDEX, "v1")
    assert parse_path(f"o/p/n:{DIGEST}") == VersionRef(KEY, SelectorKind.DIGEST, DIGEST)
    with pytest.raises(InvalidPath, match="registry-<name>"):
        parse_path("o/registry-/c")
    with pytest.raises(InvalidPath, match="add ':vN'"):
        parse_path("o/registry-m/c", selector=Selector.REQUIRED)


def test_printers_give_the_canonical_paths() -> None:
    assert version_path("o", "p", "n", 3) == "o/p/n:v3"
    assert collection_path("o", "m", "c") == "o/registry-m/c"
    assert registry_version_path("o", "m", "c", 0) == "o/registry-m/c:v0"
    assert str(KEY) == "o/p/n"


def test_latest_in_any_case_is_latest_and_an_upper_case_index_is_refused() -> None:
    """No alias may be called `Latest` or `V1` (each feature refuses them), so a path naming
    one means `latest`, or is a mistyped index: never an alias lookup that can only miss."""
    assert parse_version_path("o/p/a:Latest").value == "latest"
    assert parse_registry_path("o/registry-r/c:LATEST").selector == "latest"
    assert parse_registry_path("o/registry-r/c:latest-ish").selector == "latest-ish"
    with pytest.raises(InvalidPath, match="lowercase v"):
        parse_registry_path("o/registry-r/c:V1")
