"""Registries of an organisation, their collections, links of versions into them, collection
aliases, roles on a registry, and collection search.
"""
