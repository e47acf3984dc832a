"""The event log and what reads it: the log paged and followed from a cursor (`log`), the filter a
subscriber or webhook applies (`filters`), webhooks with their signing secrets (`webhooks`), their
delivery queue with leases so several API replicas deliver each event once (`deliveries`), and the
sweep that keeps the log to its retention.

Events are written by `graph.core.events.record_event_tx` inside each wing's own transactions.
"""
