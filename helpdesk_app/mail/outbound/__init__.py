"""Outbound mail: templates, composing, the outbox table and the sender worker."""
