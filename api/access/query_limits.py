"""Limits on what one GraphQL request may ask for, checked before anything runs.

Depth, aliases and tokens are bounded by Strawberry's limiters (`api/schema.py`); they do not stop
a shallow query from multiplying pages: `projects(first: 100) { edges { node { organization {
projects(first: 100) ... } } } }` asks for 10,000 objects in a few tokens, and 30 aliases of
`artifactFiles(versionIds: [20 ids], first: 1000)` for 600,000 files. This extension estimates
the number of fields a query resolves and refuses the request above `max_cost`:

- a list field returns as many items as its longest list argument holds (`versionIds`), else as
  many as the page of the field above it asks for (`edges` under `projects(first: 100)`), else 1;
- a page size is the field's `first` (a literal, a supplied variable, or the variable's declared
  default), else the field's default page size; a connection passes it on to its `edges`. It
  counts at most as the field's maximum page size: a larger `first` is refused by the field
  (INVALID_INPUT, `api.pagination.page_of`) before it reads anything.

The estimate merges fields as execution does (same response key, fragments expanded once per
selection set) and stops counting at the limit, so checking costs at most `max_cost` steps. It
also bounds every list passed in variables, so no input list is larger than any feature accepts,
and refuses number literals longer than any argument accepts before validation sees them (Python
cannot even convert an integer of more than 4,300 digits, which surfaced as an internal error).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    ExecutionResult,
    FieldNode,
    FloatValueNode,
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
    ListValueNode,
    Node,
    NullValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_list_type,
    value_from_ast_untyped,
)
from strawberry.extensions import SchemaExtension

from api.artifacts.files import DEFAULT_FILES_PAGE, MAX_FILES_PAGE
from api.errors import ErrorCode

MAX_QUERY_COST = 200_000
"""Enough for the largest request a feature documents: one `artifactFiles` at its bound (20,000
files) with every file field, as the SDK's `download_artifacts` sends it, estimates 181,600."""
MAX_LIST_LENGTH = 20_000
MAX_NUMBER_LITERAL = 100
"""Characters of a number literal in the document; no argument takes more than 16 digits."""
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
PAGE_ARGUMENT = "first"
FIELD_PAGES = {
    ("Query", "artifactFiles"): (DEFAULT_FILES_PAGE, MAX_FILES_PAGE),
    ("ArtifactVersion", "files"): (DEFAULT_FILES_PAGE, MAX_FILES_PAGE),
}
"""(default, maximum) page sizes of the fields that do not use the server's (Settings)."""

# A number literal longer than MAX_NUMBER_LITERAL has at most four characters that are no digit
# (sign, point, exponent and its sign), so one of its at most three digit runs is this long.
_LONG_DIGIT_RUN = re.compile(f"[0-9]{{{(MAX_NUMBER_LITERAL - 4) // 3}}}")

Collected = dict[str, list[tuple[FieldNode, GraphQLNamedType]]]


def _refusal(message: str, code: ErrorCode = ErrorCode.LIMIT_EXCEEDED) -> ExecutionResult:
    return ExecutionResult(
        data=None, errors=[GraphQLError(message, extensions={"code": code.value})]
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


def effective_variables(
    operation: OperationDefinitionNode, supplied: Mapping[str, Any]
) -> dict[str, Any]:
    """The variables execution will see: those supplied, else their declared defaults."""
    values = dict(supplied)
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        if name not in values and definition.default_value is not None:
            values[name] = value_from_ast_untyped(definition.default_value)
    return values


def long_number_literal(document: Node) -> str | None:
    """The first number literal in `document` longer than MAX_NUMBER_LITERAL, if any."""
    stack: list[Any] = [document]
    while stack:
        item = stack.pop()
        if isinstance(item, IntValueNode | FloatValueNode):
            if len(item.value) > MAX_NUMBER_LITERAL:
                return item.value
        elif isinstance(item, Node):
            stack.extend(getattr(item, key) for key in item.keys if key != "loc")
        elif isinstance(item, tuple | list):
            stack.extend(item)
    return None


class QueryCost:
    """The estimated field count of one operation (see the module docstring)."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
        budget: int,
        pages: tuple[int, int] = (DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.budget = budget
        self.pages = pages  # (default, maximum) page size of a connection
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
        """Count `fields`, each resolved `multiplier` times; `page` is the page size asked for
        by the paged field above them, which their first list consumes."""
        for entries in fields.values():
            node, parent = entries[0]
            definition = _field(parent, node.name.value)
            if definition is None:  # __typename and introspection: bounded by the schema
                self._add(multiplier)
                continue
            inputs = self._longest_list_argument(node, definition)
            if _is_list(definition):
                here = multiplier * (page if inputs is None else inputs)
            else:
                here = multiplier
            self._add(here)
            if self.total > self.budget:
                return
            children = [n.selection_set for n, _ in entries if n.selection_set is not None]
            if not children:
                continue
            child_type = get_named_type(definition.type)
            if PAGE_ARGUMENT in definition.args:
                below = self._page_size(node, (parent.name, node.name.value))
            elif not _is_list(definition) and _is_connection(child_type):
                below = page  # `files` of artifactFiles: the page asked for above
            else:
                below = 1
            self._walk(self._collect(children, child_type), here, below)

    def _add(self, amount: int) -> None:
        self.total += amount

    def _page_size(self, node: FieldNode, field: tuple[str, str]) -> int:
        default, maximum = FIELD_PAGES.get(field, self.pages)
        for argument in node.arguments or ():
            if argument.name.value == PAGE_ARGUMENT:
                value = _whole_number(self._value(argument.value))
                return default if value is None else min(max(value, 1), maximum)
        return default

    def _longest_list_argument(self, node: FieldNode, definition: GraphQLField) -> int | None:
        """The length of the longest list passed to a list-typed argument (a single value
        counts as a list of one), None when no such argument has a value."""
        longest: int | None = None
        for argument in node.arguments or ():
            declared = definition.args.get(argument.name.value)
            if declared is None or not is_list_type(get_nullable_type(declared.type)):
                continue
            value = self._value(argument.value)
            if value is not None:
                length = len(value) if isinstance(value, list) else 1
                longest = length if longest is None else max(longest, length)
        return longest

    def _value(self, node: ValueNode) -> Any:
        if isinstance(node, VariableNode):
            return self.variables.get(node.name.value)
        if isinstance(node, ListValueNode):
            return list(node.values)  # only its length is used
        if isinstance(node, IntValueNode | FloatValueNode):
            return value_from_ast_untyped(node)
        if isinstance(node, NullValueNode):
            return None
        return node  # a single value where a list is declared


def _whole_number(value: Any) -> int | None:
    """An Int argument's value as execution coerces it (GraphQL's Int accepts 100.0)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return None


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


def _is_connection(kind: GraphQLNamedType) -> bool:
    return isinstance(kind, GraphQLObjectType) and {"edges", "pageInfo"} <= kind.fields.keys()


class QueryCostLimiter(SchemaExtension):
    """Refuse over-long number literals, over-wide queries and over-long input lists before any
    resolver runs."""

    def __init__(
        self, *, max_cost: int = MAX_QUERY_COST, max_list_length: int = MAX_LIST_LENGTH
    ) -> None:
        self.max_cost = max_cost
        self.max_list_length = max_list_length

    def on_parse(self) -> Iterator[None]:
        yield
        context = self.execution_context
        document, query = context.graphql_document, context.query
        if document is None or not query or not _LONG_DIGIT_RUN.search(query):
            return
        found = long_number_literal(document)
        if found is not None:  # raised here, the request ends before validation
            raise GraphQLError(
                f"Number literals are limited to {MAX_NUMBER_LITERAL} characters; no argument "
                f"accepts one of {len(found)}",
                extensions={"code": ErrorCode.INVALID_INPUT.value},
            )

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
        name = self.execution_context.operation_name  # Strawberry's: the first when none sent
        # the spec's rule, which Strawberry does not keep (it runs the first operation)
        provided = getattr(self.execution_context, "_provided_operation_name", name)
        if provided is None and len(operations) > 1:
            return _refusal(
                f"The document holds {len(operations)} operations: name the one to run with "
                "operationName",
                ErrorCode.INVALID_INPUT,
            )
        chosen = [op for op in operations if name is None or (op.name and op.name.value == name)]
        if not chosen:
            return None
        schema = self.execution_context.schema._schema
        values = effective_variables(chosen[0], variables)
        settings = getattr(self.execution_context.context, "settings", None)
        pages = (
            getattr(settings, "default_page_size", DEFAULT_PAGE_SIZE),
            getattr(settings, "max_page_size", MAX_PAGE_SIZE),
        )
        cost = QueryCost(schema, fragments, values, self.max_cost, pages).of(chosen[0])
        if cost > self.max_cost:
            return _refusal(
                f"Query too expensive: it may resolve more than {self.max_cost} fields; "
                "ask for smaller pages, fewer nested lists or fewer ids per field"
            )
        return None
