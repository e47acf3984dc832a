"""Limits on what one GraphQL request may ask for, checked after validation and before execution.

Depth, aliases and tokens are bounded by Strawberry's limiters (`api/schema.py`); they do not stop
a shallow query from multiplying pages: `projects(first: 100) { edges { node { organization {
projects(first: 100) ... } } } }` asks for 10,000 objects in a few tokens. This extension
estimates the number of fields a query resolves, multiplying every list under a paged field by
its `first` (the default page size when absent), and refuses the request above `max_cost`. It
also bounds every list passed in variables, so no input list is larger than any feature accepts.

The estimate merges fields as execution does (same response key, fragments expanded once per
selection set) and stops counting at the limit, so checking costs at most `max_cost` steps.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
)
from strawberry.extensions import SchemaExtension

from api.errors import ErrorCode

MAX_QUERY_COST = 25_000
MAX_LIST_LENGTH = 20_000
DEFAULT_PAGE_SIZE = 20
PAGE_ARGUMENT = "first"

Collected = dict[str, list[tuple[FieldNode, GraphQLNamedType]]]


def _refusal(message: str) -> ExecutionResult:
    return ExecutionResult(
        data=None,
        errors=[GraphQLError(message, extensions={"code": ErrorCode.LIMIT_EXCEEDED.value})],
    )


def longest_list(value: Any) -> int:
    """The length of the longest list anywhere inside a JSON-like value (iterative)."""
    longest, stack = 0, [value]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            longest = max(longest, len(item))
            stack.extend(item)
        elif isinstance(item, Mapping):
            stack.extend(item.values())
    return longest


class QueryCost:
    """The estimated field count of one operation (see the module docstring)."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
        budget: int,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.budget = budget
        self.total = 0

    def of(self, operation: OperationDefinitionNode) -> int:
        root = self.schema.get_root_type(operation.operation)
        if root is not None:
            self._walk(self._collect([operation.selection_set], root), 1, 1)
        return self.total

    def _collect(
        self, selection_sets: list[SelectionSetNode], parent: GraphQLNamedType
    ) -> Collected:
        fields: Collected = {}
        visited: set[str] = set()
        pending = [(selection_set, parent) for selection_set in selection_sets]
        while pending:
            selection_set, on_type = pending.pop()
            for selection in selection_set.selections:
                if isinstance(selection, FieldNode):
                    key = (selection.alias or selection.name).value
                    fields.setdefault(key, []).append((selection, on_type))
                elif isinstance(selection, InlineFragmentNode):
                    pending.append((selection.selection_set, self._type(selection, on_type)))
                elif isinstance(selection, FragmentSpreadNode):
                    name = selection.name.value
                    fragment = self.fragments.get(name)
                    if fragment is not None and name not in visited:
                        visited.add(name)
                        pending.append((fragment.selection_set, self._type(fragment, on_type)))
        return fields

    def _type(
        self, fragment: InlineFragmentNode | FragmentDefinitionNode, default: GraphQLNamedType
    ) -> GraphQLNamedType:
        condition = fragment.type_condition
        found = None if condition is None else self.schema.get_type(condition.name.value)
        return found or default

    def _walk(self, fields: Collected, multiplier: int, page: int) -> None:
        for entries in fields.values():
            node, parent = entries[0]
            definition = _field(parent, node.name.value)
            if definition is None:  # __typename and introspection: bounded by the schema
                self._add(multiplier)
                continue
            here = multiplier * page if _is_list(definition) else multiplier
            self._add(here)
            if self.total > self.budget:
                return
            children = [n.selection_set for n, _ in entries if n.selection_set is not None]
            if children:
                child_type = get_named_type(definition.type)
                below = self._collect(children, child_type)
                self._walk(below, here, self._page_size(node, definition))

    def _add(self, amount: int) -> None:
        self.total += amount

    def _page_size(self, node: FieldNode, definition: GraphQLField) -> int:
        if PAGE_ARGUMENT not in definition.args:
            return 1
        for argument in node.arguments or ():
            if argument.name.value != PAGE_ARGUMENT:
                continue
            value: Any = None
            if isinstance(argument.value, IntValueNode):
                value = int(argument.value.value)
            elif isinstance(argument.value, VariableNode):
                value = self.variables.get(argument.value.name.value)
            return max(value, 1) if isinstance(value, int) else DEFAULT_PAGE_SIZE
        return DEFAULT_PAGE_SIZE


def _field(parent: GraphQLNamedType, name: str) -> GraphQLField | None:
    if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
        found: GraphQLField | None = parent.fields.get(name)
        return found
    return None


def _is_list(definition: GraphQLField) -> bool:
    kind = definition.type
    if isinstance(kind, GraphQLNonNull):
        kind = kind.of_type
    return isinstance(kind, GraphQLList)


class QueryCostLimiter(SchemaExtension):
    """Refuse over-wide queries and over-long input lists before any resolver runs."""

    def __init__(
        self, *, max_cost: int = MAX_QUERY_COST, max_list_length: int = MAX_LIST_LENGTH
    ) -> None:
        self.max_cost = max_cost
        self.max_list_length = max_list_length

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.result is None:
            refusal = self._check(document.definitions, context.variables or {})
            if refusal is not None:
                context.result = refusal
        yield

    def _check(self, definitions: Any, variables: Mapping[str, Any]) -> ExecutionResult | None:
        if longest_list(dict(variables)) > self.max_list_length:
            return _refusal(f"Lists in variables are limited to {self.max_list_length} items")
        fragments = {d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)}
        operations = [d for d in definitions if isinstance(d, OperationDefinitionNode)]
        name = self.execution_context.operation_name
        chosen = [op for op in operations if name is None or (op.name and op.name.value == name)]
        if not chosen:
            return None
        schema = self.execution_context.schema._schema
        cost = QueryCost(schema, fragments, variables, self.max_cost).of(chosen[0])
        if cost > self.max_cost:
            return _refusal(
                f"Query too expensive: it may resolve more than {self.max_cost} fields; "
                "ask for smaller pages or fewer nested lists"
            )
        return None
