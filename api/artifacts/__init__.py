"""The artifacts part of the GraphQL schema."""
