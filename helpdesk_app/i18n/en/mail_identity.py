"""Mail identity (issue 12): why the mail log shows a message where it is."""

CATALOG: dict[str, str] = {
    "mail.reason.staff_unverified":
        "Staff address in From, but not verified (no reply token of ours for that address, "
        "no trusted relay's pass): not accepted as staff",
    "mail.reason.foreign_ticket":
        "New ticket: the sender may not write to the ticket the mail referred to",
    "mail_identity.trusted_relays":
        "Staff mail is also trusted when one of these relays confirms it (DKIM/DMARC):",
    "mail_identity.no_trusted_relay": "none (only replies to our own mail count)",
}
