"""The allowed import arrows between the project's packages and `graph`'s wings, checked.

DEVELOPERS.md draws the same arrows. A new arrow is a design decision: add it there and here
together, never by accident. Imports are read with `ast` from every module, including those
inside functions and `TYPE_CHECKING` blocks, since a deferred import is still a dependency.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

WINGS = ("core", "artifacts", "lineage", "registry", "access", "events")

# unit -> the units it may import. A unit is a top-level package or one wing of `graph`.
ALLOWED: dict[str, frozenset[str]] = {
    "graph.core": frozenset(),
    "graph.artifacts": frozenset({"graph.core"}),
    "graph.lineage": frozenset({"graph.core", "graph.artifacts"}),
    "graph.registry": frozenset({"graph.core", "graph.artifacts"}),
    "graph.access": frozenset({"graph.core"}),
    "graph.events": frozenset({"graph.core"}),
    "graph": frozenset(),
    "storage": frozenset(),
    "workflows": frozenset({"graph.*", "storage"}),
    "services": frozenset(),
    "api": frozenset({"graph.*", "storage", "workflows", "services"}),
    "lineage": frozenset(),
}

# Third-party packages that only the server may use; the SDK (`lineage`) stays installable alone.
SERVER_ONLY_THIRD_PARTY = frozenset(
    {"strawberry", "starlette", "uvicorn", "neo4j", "aiofiles", "graphql"}
)


def unit_of(module: str) -> str | None:
    """The unit a dotted module name belongs to, or None when it is not the project's."""
    parts = module.split(".")
    if parts[0] == "graph":
        if len(parts) > 1 and parts[1] in WINGS:
            return f"graph.{parts[1]}"
        return "graph"
    return parts[0] if parts[0] in ALLOWED else None


def may_import(source: str, target: str) -> bool:
    if source == target:
        return True
    allowed = ALLOWED[source]
    return target in allowed or ("graph.*" in allowed and target.startswith("graph"))


def modules() -> Iterator[tuple[str, Path]]:
    for top in ("graph", "storage", "workflows", "services", "api", "lineage"):
        for path in sorted((ROOT / top).rglob("*.py")):
            relative = path.relative_to(ROOT).with_suffix("")
            parts = list(relative.parts)
            if parts[-1] == "__init__":
                parts.pop()
            yield ".".join(parts), path


def imports_of(module: str, path: Path) -> Iterator[tuple[str, list[str], int]]:
    """(imported module, names taken from it, line) for every import statement of a file."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, [], node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            yield target, [alias.name for alias in node.names], node.lineno


def wing_surface(wing: str) -> set[str]:
    """The names a wing offers to other wings: its `__init__`'s `__all__`."""
    init = ROOT / "graph" / wing / "__init__.py"
    for node in ast.walk(ast.parse(init.read_text())):
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            return {ast.literal_eval(element) for element in node.value.elts}  # type: ignore[attr-defined]
    return set()


def test_every_import_follows_an_allowed_arrow() -> None:
    wrong = []
    for module, path in modules():
        source = unit_of(module)
        assert source is not None
        for target_module, _, line in imports_of(module, path):
            target = unit_of(target_module)
            if target is not None and not may_import(source, target):
                wrong.append(f"{path.relative_to(ROOT)}:{line}: {source} -> {target_module}")
    assert not wrong, "imports outside the arrows of DEVELOPERS.md:\n" + "\n".join(wrong)


def test_wings_meet_only_through_their_named_surface() -> None:
    """Another wing stays its own: import `from graph.<wing> import <a name in its __all__>`."""
    wrong = []
    for module, path in modules():
        source = unit_of(module)
        if source is None or not source.startswith("graph."):
            continue
        for target_module, names, line in imports_of(module, path):
            target = unit_of(target_module)
            if target is None or target == source or not target.startswith("graph."):
                continue  # arrows out of graph/ are the other test's concern
            if target == "graph.core":
                continue
            wing = target.split(".")[1]
            if target_module != target or not set(names) <= wing_surface(wing):
                wrong.append(f"{path.relative_to(ROOT)}:{line}: {target_module} {names}")
    assert not wrong, "cross-wing imports must use the wing's __all__:\n" + "\n".join(wrong)


def test_graph_has_no_module_outside_a_wing() -> None:
    loose = sorted(p.name for p in (ROOT / "graph").glob("*.py") if p.name != "__init__.py")
    assert loose == []
    assert sorted(
        p.name for p in (ROOT / "graph").iterdir() if p.is_dir() and p.name != "__pycache__"
    ) == sorted(WINGS)


def test_the_sdk_needs_no_server_package() -> None:
    wrong = []
    for module, path in modules():
        if unit_of(module) != "lineage":
            continue
        for target_module, _, line in imports_of(module, path):
            if target_module.split(".")[0] in SERVER_ONLY_THIRD_PARTY:
                wrong.append(f"{path.relative_to(ROOT)}:{line}: {target_module}")
    assert not wrong, "the SDK imports server-only packages:\n" + "\n".join(wrong)


@pytest.mark.parametrize(
    ("source", "target", "allowed"),
    [
        ("graph.core", "graph.artifacts", False),
        ("graph.artifacts", "graph.registry", False),
        ("graph.registry", "graph.artifacts", True),
        ("storage", "graph.core", False),
        ("graph.access", "api", False),
        ("api", "graph.lineage", True),
        ("lineage", "api", False),
    ],
)
def test_the_rule_itself(source: str, target: str, allowed: bool) -> None:
    assert may_import(source, target) is allowed
