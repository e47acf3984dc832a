"""The event log through GraphQL: the paged `events` query and the `events` subscription."""
