"""The GraphQL root fields of the OpenLineage feature (merged by `api.schema`)."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from api.artifacts.types import Artifact
from api.authz import Action
from api.context import Context
from graph.artifacts.datasets import dataset_by_openlineage


@strawberry.type
class OpenLineageQuery:
    @strawberry.field(
        description="The artifact holding an OpenLineage dataset, found by the dataset's "
        "original namespace and name (names longer or other than ours are mapped, see "
        "docs/openlineage.md); null when no event named it."
    )
    async def open_lineage_dataset(
        self,
        info: Info[Context, None],
        organization: Annotated[str, strawberry.argument(description="The organisation's name.")],
        namespace: Annotated[
            str, strawberry.argument(description="The dataset's namespace, as sent.")
        ],
        name: Annotated[str, strawberry.argument(description="The dataset's name, as sent.")],
    ) -> Artifact | None:
        await info.context.authorize(Action.READ, org=organization)
        record = await dataset_by_openlineage(info.context.graph, organization, namespace, name)
        return None if record is None else Artifact.from_record(record)


QUERIES: list[type] = [OpenLineageQuery]
MUTATIONS: list[type] = []
TYPES: list[type] = []
