"""The agent list's remembered search: the note shows the search the rows were found
with, and "clear" drops only the search."""

from __future__ import annotations

from state_support import call_handler, state_for

from helpdesk_app.state.agent_list import AgentListState

AGENT = "anna.nowak@pomocnik.example"


def test_note_follows_the_applied_search_and_clear_keeps_other_filters(demo_db):
    state = state_for(AgentListState, AGENT)
    call_handler(AgentListState, "on_load", state)
    everything = state.total
    assert state.shown_search == ""

    call_handler(AgentListState, "set_filter", state, "f_assignee", "mine")
    mine = state.total
    state.search = "  no-such-ticket-xyz "
    assert state.shown_search == ""  # typed, not applied yet: no note
    call_handler(AgentListState, "apply_search", state)
    assert state.shown_search == "no-such-ticket-xyz"
    assert state.rows == [] and state.total == 0

    call_handler(AgentListState, "on_load", state)  # coming back to the page
    assert state.shown_search == "no-such-ticket-xyz"

    call_handler(AgentListState, "clear_search", state)
    assert state.search == "" and state.shown_search == ""
    assert state.f_assignee == "mine" and state.total == mine
    assert everything >= mine
