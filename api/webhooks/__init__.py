"""Webhooks: admins register URLs that receive signed POSTs for the organisation's events."""
