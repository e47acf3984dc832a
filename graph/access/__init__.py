"""Tenancy and who may act: organisations and projects, users, memberships, API keys, browser
sessions opened with a key (`sessions`), and the access facts the API decides with.
"""
