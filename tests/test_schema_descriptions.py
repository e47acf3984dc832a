"""Every element of the published schema carries a description.

`schema.graphql` is what dashboard authors read; a type, field, argument, enum value or input
field without a description leaves them guessing at units, bounds, what `null` means and which
errors to expect. Descriptions live in the Python code and reach the SDL through
`lineage export-schema`, so this test reads the file the code printed.
"""

from __future__ import annotations

from pathlib import Path

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    build_schema,
)

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schema.graphql"


def undescribed(schema: GraphQLSchema) -> list[str]:
    """Dotted paths (`Type`, `Type.field`, `Type.field(arg)`, `Enum.VALUE`) that lack a
    description, for every type the schema defines (introspection types excluded)."""
    missing: list[str] = []

    def blank(text: str | None) -> bool:
        return text is None or not text.strip()

    for name, kind in sorted(schema.type_map.items()):
        if name.startswith("__"):
            continue
        if kind.ast_node is None and name in {"String", "Int", "Float", "Boolean", "ID"}:
            continue  # built-in scalars are described by the GraphQL spec
        if blank(kind.description):
            missing.append(name)
        if isinstance(kind, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in kind.fields.items():
                if blank(field.description):
                    missing.append(f"{name}.{field_name}")
                for arg_name, arg in field.args.items():
                    if blank(arg.description):
                        missing.append(f"{name}.{field_name}({arg_name})")
        elif isinstance(kind, GraphQLInputObjectType):
            for field_name, input_field in kind.fields.items():
                if blank(input_field.description):
                    missing.append(f"{name}.{field_name}")
        elif isinstance(kind, GraphQLEnumType):
            for value_name, value in kind.values.items():
                if blank(value.description):
                    missing.append(f"{name}.{value_name}")
    return missing


def test_every_schema_element_has_a_description() -> None:
    missing = undescribed(build_schema(SCHEMA_FILE.read_text()))
    assert not missing, (
        f"{len(missing)} schema elements lack a description; add one in the Python code "
        "(description=..., strawberry.argument(description=...), strawberry.enum_value(...)) "
        "and run: lineage export-schema > schema.graphql\n  " + "\n  ".join(missing)
    )


def test_the_check_sees_missing_descriptions() -> None:
    sdl = """
    "A described type."
    type Query {
      "Described."
      a(x: Int): Int
      b: E
    }
    enum E { ONE }
    input I { f: Int }
    """
    missing = undescribed(build_schema(sdl))
    assert missing == ["E", "E.ONE", "I", "I.f", "Query.a(x)", "Query.b"]
