"""Use cases and rules in plain Python. Functions take a session and an actor."""

from helpdesk_app.domain import user_search  # noqa: F401  (keeps user_account.search_text)
