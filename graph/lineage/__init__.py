"""Runs and the lineage DAG they make: CONSUMED/PRODUCED edges, bulk ingest, and the bounded
level-by-level walk with its clusters, paths and impact counts.
"""
