"""Every GraphQL document the SDK sends is valid against `schema.graphql`, without a server.

A document is any module-level string of a `lineage` module that starts like an operation
(`query`, `mutation`, `subscription`, `fragment` or `{`), so a new one is covered by defining it;
documents written inline in a function would escape this, and a test refuses them. A renamed or
removed field, argument, input type or enum value in the schema fails here, naming the document.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from functools import cache
from pathlib import Path

import pytest
from graphql import GraphQLSchema, build_schema, parse, validate
from graphql.language import OperationDefinitionNode

import lineage

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_FILE = ROOT / "schema.graphql"
SDK_DIR = Path(lineage.__file__).resolve().parent

# How a GraphQL executable document starts; field lists shared between documents, JSON and the
# word "query" alone do not.
DOCUMENT_START = re.compile(
    r"\s*(?:(?:query|mutation|subscription)\s*[({A-Za-z_]|fragment\s+[A-Za-z_]|\{\s*[A-Za-z_])"
)


def documents() -> dict[str, str]:
    """`module.NAME` -> text, for every module-level document of the SDK (each text once)."""
    found: dict[str, str] = {}
    for info in sorted(pkgutil.walk_packages(lineage.__path__, "lineage."), key=lambda i: i.name):
        module = importlib.import_module(info.name)
        for name, value in sorted(vars(module).items()):
            if name.startswith("__") or not isinstance(value, str):
                continue
            if DOCUMENT_START.match(value) and value not in found.values():
                found[f"{info.name}.{name}"] = value
    return found


DOCUMENTS = documents()


@cache
def schema() -> GraphQLSchema:
    return build_schema(SCHEMA_FILE.read_text())


def test_documents_are_found() -> None:
    assert {
        "lineage.artifact_queries.COMMIT",
        "lineage.registry_queries.LINK",
        "lineage.run.CREATE_RUN",
        "lineage.traversal.LINEAGE",
    } <= DOCUMENTS.keys()


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_document_is_valid_against_the_schema(name: str) -> None:
    document = parse(DOCUMENTS[name])
    assert any(isinstance(d, OperationDefinitionNode) for d in document.definitions), name
    errors = validate(schema(), document)
    assert not errors, f"{name} no longer matches schema.graphql: " + "; ".join(
        e.message for e in errors
    )


def _leading_text(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr) and node.values:
        return _leading_text(node.values[0])
    return None


def test_no_document_is_written_inside_a_function() -> None:
    inline: set[str] = set()
    for path in sorted(SDK_DIR.rglob("*.py")):
        for function in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if not isinstance(node, ast.expr):
                    continue
                text = _leading_text(node)
                if text is not None and DOCUMENT_START.match(text):
                    inline.add(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not inline, f"make these module-level constants so they are validated: {sorted(inline)}"
