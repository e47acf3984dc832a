"""Artifacts and their versions: drafts, manifests, commit, aliases, edits, deletion, TTL,
retention and blob garbage collection.
"""
