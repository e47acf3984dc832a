"""Root fields this feature contributes; `api/schema.py` merges them into Query and Mutation."""

from __future__ import annotations

from api.registry.admin_mutations import RegistryAdminMutation
from api.registry.collection_delete_mutations import CollectionDeleteMutation
from api.registry.link_mutations import RegistryLinkMutation
from api.registry.queries import RegistryQuery
from api.registry.registry_delete_mutations import RegistryDeleteMutation
from api.registry.types import Collection, Registry
from api.registry.version_type import RegistryVersion

QUERIES: list[type] = [RegistryQuery]
MUTATIONS: list[type] = [
    RegistryAdminMutation,
    RegistryLinkMutation,
    CollectionDeleteMutation,
    RegistryDeleteMutation,
]
TYPES: list[type] = [Registry, Collection, RegistryVersion]
