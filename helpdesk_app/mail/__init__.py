"""The e-mail channel: inbound (SMTP listener, IMAP poller, filter pipeline) and outbound
(outbox, templates, sender). Callers of the domain like the UI, never a second rule set."""
