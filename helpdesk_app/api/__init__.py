"""HTTP routes beside the Reflex websocket (attachments now; REST and webhooks later)."""
