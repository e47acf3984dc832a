"""The lineage part of the GraphQL schema."""
