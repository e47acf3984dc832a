"""The HTTP and GraphQL edge of Lineage: app factory, settings, context, loaders, errors, types."""
