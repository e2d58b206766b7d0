"""Subcontractors through the page states and the attachment route, called directly as a
crafted browser message would (issue 13): the list and the ticket page hold only a ticket
handed to them, staff-only handlers and pages refuse them, a withdrawal empties their
open page with a clear message, and the handover panel works for each side."""

from __future__ import annotations

import dataclasses
import warnings
from datetime import timedelta

import pytest
from reflex.istate.data import RouterData
from sqlmodel import col, select
from starlette.applications import Starlette
from starlette.routing import Route
from state_support import DEMO_PASSWORD, call_handler, state_for

import helpdesk_app.helpdesk_app  # noqa: F401  (registers every @page and its roles)
from helpdesk_app.api.attachments import download_attachment
from helpdesk_app.components.page import PAGES
from helpdesk_app.db import session_scope
from helpdesk_app.demo import SUBCONTRACTOR
from helpdesk_app.domain import auth, handover, tickets
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.attachments import IncomingFile
from helpdesk_app.i18n import t
from helpdesk_app.models import (
    Attachment,
    Contract,
    Organisation,
    Ticket,
    TimelineEvent,
    User,
)
from helpdesk_app.models.base import utcnow
from helpdesk_app.state.agent_list import AgentListState
from helpdesk_app.state.checklist import ChecklistState
from helpdesk_app.state.handover import HandoverPanelState
from helpdesk_app.state.session import SessionState
from helpdesk_app.state.sla_board import SlaBoardState
from helpdesk_app.state.ticket import Header, TicketState
from helpdesk_app.state.views import SUBCONTRACTOR_ROW_FIELDS, RowView

with warnings.catch_warnings():  # starlette nags about httpx vs httpx2; either works here
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

SUB = SUBCONTRACTOR[2][0][0]  # pawel.mazur@elektroserwis.example
COORD = "koordynator@pomocnik.example"
TECH = "anna.nowak@pomocnik.example"
SECRET = "Desk only: the client is behind on payments"
SHARED = "The key is at the reception"


def _user(db, email: str) -> User:
    return db.exec(select(User).where(User.email == email)).one()


def _redirect_path(result) -> str:
    spec = result[0] if isinstance(result, list) else result
    args = {str(name._js_expr): value for name, value in spec.args}
    return str(args["path"]._var_value)


@pytest.fixture
def handed(demo_db):
    """Two active demo tickets: one handed to the demo subcontractor (with a desk-only
    note and a shared one, each with a file), one not. Withdrawn again afterwards (the
    demo database is shared by the module)."""
    with session_scope() as db:
        coord = Actor.from_user(_user(db, COORD))
        org = db.exec(select(Organisation).where(Organisation.name == SUBCONTRACTOR[0])).one()
        mine, other = db.exec(select(Ticket).where(
            col(Ticket.handed_to_org_id).is_(None), col(Ticket.status).in_(("new", "open")))
            .order_by(col(Ticket.id))).all()[:2]
        assert handover.hand_over(db, coord, [mine.id], org.id).failures == []
        tickets.add_comment(db, coord, mine.id, SECRET, public=False,
                            files=[IncomingFile("invoice.txt", b"internal-bytes")])
        tickets.add_comment(db, coord, mine.id, SHARED, public=False, share=True,
                            files=[IncomingFile("plan.txt", b"shared-bytes")])
        tickets.add_comment(db, coord, other.id, "x", public=True,
                            files=[IncomingFile("elsewhere.txt", b"other-bytes")])
        att = dict(db.exec(select(Attachment.filename, Attachment.id).where(
            col(Attachment.filename).in_(("invoice.txt", "plan.txt", "elsewhere.txt")))).all())
        data = {"mine": mine.number, "mine_id": mine.id, "other": other.number,
                "other_subject": other.subject, "org": org.id, **att}
    yield data
    with session_scope() as db:
        ticket = db.get(Ticket, data["mine_id"])
        if ticket.handed_to_org_id is not None:
            handover.withdraw(db, Actor.from_user(_user(db, COORD)), ticket.id)


def _route(state, path: str, number: str | None = None) -> None:
    token = state.token  # the session rides on the handshake's cookie header: keep it
    state.router = RouterData.from_router_data({
        "pathname": "/agent/tickets/[ticket_number]" if number else path, "asPath": path,
        "query": {"ticket_number": number} if number else {},
        "headers": {"origin": "http://localhost"}})
    state.token = token


def _open(cls, email: str, number: str, handler: str = "on_load"):
    page = state_for(cls, email)
    _route(page, f"/agent/tickets/{number}", number)
    call_handler(cls, handler, page)
    return page


# --------------------------------------------------------------------------- the list


def test_the_list_holds_only_tickets_handed_to_them(handed) -> None:
    page = state_for(AgentListState, SUB)
    call_handler(AgentListState, "on_load", page)
    with session_scope() as db:
        expected = set(db.exec(select(Ticket.number).where(
            Ticket.handed_to_org_id == handed["org"])).all())
    page.f_status = ""
    call_handler(AgentListState, "set_filter", page, "f_status", "all")
    assert {r.number for r in page.rows} == expected and handed["mine"] in expected
    assert page.total == len(expected)
    assert page.queue_counts == [] and page.agent_opts == [] and page.org_opts == []
    assert all(r.queue == "" and r.assignee == "" and r.channel == "" for r in page.rows)
    # search for a ticket not handed to them finds nothing
    page.search = handed["other"]
    call_handler(AgentListState, "apply_search", page)
    assert page.rows == [] and page.total == 0


def _row(email: str, number: str) -> tuple[AgentListState, RowView]:
    page = state_for(AgentListState, email)
    call_handler(AgentListState, "on_load", page)
    page.search = number
    call_handler(AgentListState, "apply_search", page)
    return page, next(r for r in page.rows if r.number == number)


def test_their_rows_count_down_to_the_deadline_and_hold_nothing_else_of_the_desk(
        handed) -> None:
    page, mine = _row(SUB, handed["mine"])
    _desk_page, desk = _row(COORD, handed["mine"])
    assert mine.sla_state != "none"
    assert (mine.sla_state, mine.sla_label, mine.sla_due) == (
        desk.sla_state, desk.sla_label, desk.sla_due)
    # every field the browser receives beyond the allowed ones is empty
    blank = RowView()
    filled = {name for name, value in dataclasses.asdict(mine).items()
              if value != getattr(blank, name)}
    assert filled <= set(SUBCONTRACTOR_ROW_FIELDS)
    assert desk.queue and desk.channel and desk.status  # what the desk's row has
    assert (mine.queue, mine.channel, mine.channel_label, mine.status) == ("", "", "", "")
    assert (mine.assignee, mine.assignee_away, mine.is_key) == ("", "", False)
    assert desk.queue not in repr(page.rows)
    # their list sorts by the deadline too (soonest first); the SLA filter stays the desk's
    call_handler(AgentListState, "sort_by", page, "due")
    assert (page.sort, page.descending, page.error) == ("due", False, "")
    assert page.sla_opts == []
    call_handler(AgentListState, "set_filter", page, "f_sla", "breached")
    assert page.f_sla == ""


def test_staff_only_list_handlers_refuse_them(handed) -> None:
    page = state_for(AgentListState, SUB)
    call_handler(AgentListState, "on_load", page)
    call_handler(AgentListState, "set_filter", page, "f_queue", "1")
    assert page.f_queue == ""  # subcontractors filter by status only
    for name, args in (("pick_queue", ("1",)), ("select_all_matching", ()),
                       ("apply_bulk", ()), ("open_handover", ()), ("apply_handover", ())):
        result = call_handler(AgentListState, name, page, *args)
        assert "/agent" in _redirect_path(result), name
    assert page.f_queue == "" and page.selected_count == 0 and page.sub_opts == []


# --------------------------------------------------------------------------- the ticket page


def test_the_ticket_page_holds_public_and_shared_content_only(handed) -> None:
    page = _open(TicketState, SUB, handed["mine"])
    assert page.loaded and page.ticket.number == handed["mine"]
    bodies = [e.body for e in page.events]
    assert SHARED in bodies and SECRET not in bodies and SECRET not in repr(page.dict())
    assert page.ticket.queue == "" and page.ticket.assignee == "" and page.status_opts == []
    assert page.client_status_opts  # the statuses they may set, as buttons
    other = _open(TicketState, SUB, handed["other"])
    assert other.not_found and not other.loaded and other.events == []
    assert handed["other_subject"] not in repr(other.dict())


def test_their_ticket_page_counts_down_without_the_contract_behind_it(handed) -> None:
    page = _open(TicketState, SUB, handed["mine"])
    desk = _open(TicketState, COORD, handed["mine"])
    assert page.sla_state == desk.sla_state != "none"
    assert (page.sla_label, page.sla_due) == (desk.sla_label, desk.sla_due)
    lang = page.ui_lang
    clocks = {t("sla.clock.reaction", lang), t("sla.clock.resolution", lang)}
    theirs = [o.label for o in page.sla_lines]
    assert theirs and set(theirs) <= clocks  # the clocks with their deadlines, nothing else
    assert t("sla.contract", lang) in [o.label for o in desk.sla_lines]
    with session_scope() as db:
        contract = db.get(Contract, db.get(Ticket, handed["mine_id"]).contract_id).name
    assert contract in repr(desk.dict()) and contract not in repr(page.dict())


def test_their_note_is_shared_and_the_header_edit_is_refused(handed) -> None:
    page = _open(TicketState, SUB, handed["mine"])
    page.reply_public, page.reply_text = False, "On my way"
    call_handler(TicketState, "send_reply", page, [])
    assert page.reply_error == ""
    with session_scope() as db:
        note = db.exec(select(TimelineEvent).where(TimelineEvent.body == "On my way")).one()
        assert not note.is_public and note.shared_with_org_id == handed["org"]
        before = db.get(Ticket, handed["mine_id"]).priority
    page.f_priority = "4" if before != 4 else "1"
    call_handler(TicketState, "save_header", page)
    assert page.edit_message != "" and page.edit_message != t("ticket.saved", "pl")
    with session_scope() as db:
        assert db.get(Ticket, handed["mine_id"]).priority == before


def test_a_withdrawal_empties_their_open_page_with_a_message(handed) -> None:
    page = _open(TicketState, SUB, handed["mine"])
    panel = _open(HandoverPanelState, SUB, handed["mine"], "start")
    checklist = _open(ChecklistState, SUB, handed["mine"], "start")
    assert page.loaded and panel.mine and panel.visible
    with session_scope() as db:
        handover.withdraw(db, Actor.from_user(_user(db, COORD)), handed["mine_id"])
    page._live_refresh([])
    panel._live_refresh([])
    checklist._live_refresh([])
    assert not page.loaded
    assert page.not_found == t("handover.no_longer_handed", page.ui_lang)
    assert page.events == [] and page.ticket == Header() and page.client_status_opts == []
    assert SHARED not in repr(page.dict())
    assert not panel.visible and panel.org_name == "" and not checklist.visible


# --------------------------------------------------------------------------- the SLA board


def test_their_sla_board_holds_the_handed_tickets_and_no_desk_names(handed) -> None:
    with session_scope() as db:  # their ticket at risk: due in 30 minutes
        ticket = db.get(Ticket, handed["mine_id"])
        before = (ticket.sla_state, ticket.resolution_due_at)
        ticket.sla_state, ticket.resolution_due_at = "warning", utcnow() + timedelta(minutes=30)
        db.add(ticket)
        db.commit()
        handed_now = set(db.exec(select(Ticket.number).where(
            Ticket.handed_to_org_id == handed["org"])).all())
    try:
        board = state_for(SlaBoardState, SUB)
        call_handler(SlaBoardState, "on_load", board)
        assert board.error == ""
        numbers = {r.number for r in board.at_risk}
        assert handed["mine"] in numbers and numbers <= handed_now
        assert all(r.assignee == "" for r in board.at_risk)
        assert board.by_contract == [] and board.by_type == []
        desk = state_for(SlaBoardState, COORD)
        call_handler(SlaBoardState, "on_load", desk)
        assert desk.by_contract and desk.active_total > board.active_total
        assert desk.by_contract[0].name not in repr(board.dict())
        call_handler(SlaBoardState, "set_period", board, "7")
        assert board.period_days == 7 and board.error == ""
    finally:
        with session_scope() as db:
            ticket = db.get(Ticket, handed["mine_id"])
            ticket.sla_state, ticket.resolution_due_at = before
            db.add(ticket)
            db.commit()


# --------------------------------------------------------------------------- the handover panel


def test_the_panel_for_coordinator_technician_and_subcontractor(handed) -> None:
    with session_scope() as db:
        coord = Actor.from_user(_user(db, COORD))
        handover.withdraw(db, coord, handed["mine_id"])
    panel = _open(HandoverPanelState, COORD, handed["mine"], "start")
    assert panel.visible and panel.can_hand and not panel.handed
    assert str(handed["org"]) in {o.value for o in panel.org_opts}
    call_handler(HandoverPanelState, "pick_org", panel, str(handed["org"]))
    assert [o.label for o in panel.person_opts] == [SUBCONTRACTOR[2][0][1]]
    panel.h_person, panel.h_note = panel.person_opts[0].value, "Pump station 7"
    call_handler(HandoverPanelState, "hand_over", panel)
    assert panel.error == "" and panel.handed and panel.org_name == SUBCONTRACTOR[0]
    # a technician sees to whom it is handed, and cannot withdraw it
    tech = _open(HandoverPanelState, TECH, handed["mine"], "start")
    assert tech.visible and tech.handed and not tech.can_hand
    assert "/agent" in _redirect_path(call_handler(HandoverPanelState, "withdraw", tech))
    # the subcontractor accepts it; a coordinator's handler is not theirs
    mine = _open(HandoverPanelState, SUB, handed["mine"], "start")
    assert mine.mine and mine.note == "Pump station 7"
    call_handler(HandoverPanelState, "accept", mine)
    assert mine.h_state == "accepted" and mine.error == ""
    assert "/agent" in _redirect_path(call_handler(HandoverPanelState, "withdraw", mine))
    with session_scope() as db:
        assert db.get(Ticket, handed["mine_id"]).handed_to_org_id == handed["org"]


def test_returning_sends_them_back_to_their_list(handed) -> None:
    mine = _open(HandoverPanelState, SUB, handed["mine"], "start")
    mine.r_note = "Wrong trade"
    result = call_handler(HandoverPanelState, "give_back", mine)
    assert _redirect_path(result) == "/agent" and not mine.visible
    with session_scope() as db:
        assert db.get(Ticket, handed["mine_id"]).handed_to_org_id is None


# --------------------------------------------------------------------------- URLs and files


def test_the_attachment_route_follows_the_events(handed) -> None:
    with session_scope() as db:
        token, _ = auth.login(db, SUB, DEMO_PASSWORD)
    app = Starlette(routes=[Route("/api/attachments/{attachment_id}", download_attachment)])
    with TestClient(app) as http:
        http.cookies.set(auth.SESSION_COOKIE, token)
        assert http.get(f"/api/attachments/{handed['plan.txt']}").content == b"shared-bytes"
        for refused in ("invoice.txt", "elsewhere.txt"):
            got = http.get(f"/api/attachments/{handed[refused]}")
            assert got.status_code == 404 and b"bytes" not in got.content
        with session_scope() as db:
            handover.withdraw(db, Actor.from_user(_user(db, COORD)), handed["mine_id"])
        assert http.get(f"/api/attachments/{handed['plan.txt']}").status_code == 404


def test_every_other_staff_page_sends_them_to_their_list(demo_db) -> None:
    state = state_for(TicketState, SUB)
    admitted = []
    for spec in PAGES:
        path = spec.route.replace("[ticket_number]", "2026-000001").replace("[token]", "x")
        _route(state, path)
        result = call_handler(SessionState, "enter_page", state)
        try:
            redirected = _redirect_path(result) == "/agent"
        except (AttributeError, KeyError, TypeError):  # the page's own on_load: admitted
            redirected = False
        if not redirected:
            admitted.append(spec.route)
    public = {"/", "/login", "/setup", "/invite/[token]", "/reset", "/reset/[token]"}
    assert sorted(set(admitted) - public) == sorted([
        "/agent", "/agent/tickets/[ticket_number]", "/portal/tickets/[ticket_number]",
        "/agent/notifications", "/portal/notifications", "/settings/notifications",
        "/settings/security", "/agent/sla"])
