"""Tenancy and who may act: organisations and projects, users, memberships, API keys, and the
access facts the API decides with.
"""
