"""Delivering the event log to webhooks: fan-out into the delivery queue, signed POSTs with
retries, and the SSRF guard every webhook URL passes at creation and at each delivery."""
