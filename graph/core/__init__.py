"""The ground every wing stands on: the driver and transaction helpers, the domain errors (each
defined once), name validation, schema bootstrap, the audit trail, and retrying lost races.

Imports nothing else from `graph`.
"""
