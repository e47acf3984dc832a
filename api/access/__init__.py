"""The access part of the GraphQL schema."""
