"""Pomocnik — a self-hosted, SLA-true helpdesk."""
