"""What every admin page state shares: the start of the page load."""

from __future__ import annotations

from helpdesk_app.state import live


def start_admin_page(state) -> None:
    """The start of an admin page's on_load (the toolkit has checked the role)."""
    live.unwatch(state)
    state.message, state.error = "", ""
