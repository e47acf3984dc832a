"""The registry part of the GraphQL schema."""
