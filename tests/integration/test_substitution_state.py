"""The pages of substitutions (issue 13), driven as a crafted browser message would: the
settings page (form errors next to fields, someone else's absence refused, change and
cancel), the agent list of a queue-limited substitute (the "Substituting for …" view, away
marks, live loss of the tickets when it ends), the ticket page and the attachment route."""

from __future__ import annotations

import warnings
from datetime import timedelta

import pytest
from sqlmodel import col, select
from starlette.applications import Starlette
from starlette.routing import Route
from state_support import DEMO_PASSWORD, call_handler, state_for

from helpdesk_app.api.attachments import download_attachment
from helpdesk_app.db import session_scope
from helpdesk_app.domain import auth, substitutions, tickets
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.attachments import IncomingFile
from helpdesk_app.models import (
    Attachment,
    CustomRole,
    Queue,
    Role,
    Substitution,
    SubstitutionState,
    Ticket,
    User,
)
from helpdesk_app.models.base import utcnow
from helpdesk_app.state.admin_users import AdminUsersState as U
from helpdesk_app.state.agent_list import AgentListState
from helpdesk_app.state.substitutions import SubstitutionsState
from helpdesk_app.state.ticket import TicketState

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

ADMIN = "admin@pomocnik.example"
PIOTR = "piotr.zielinski@pomocnik.example"  # the substitute, limited to the first queue
JAMES = "james.carter@pomocnik.example"  # away, limited to the second queue
ANNA = "anna.nowak@pomocnik.example"


def _user(db, email: str) -> User:
    return db.exec(select(User).where(User.email == email)).one()


@pytest.fixture
def desk(demo_db):
    """Piotr sees only the first queue, James only the second; a second-queue ticket with
    a file, assigned to James. Open substitutions are cancelled afterwards (the demo
    database is shared by the module)."""
    with session_scope() as db:
        first, second = db.exec(select(Queue).order_by(col(Queue.id))).all()[:2]
        for email, queue in ((PIOTR, first), (JAMES, second)):
            name = f"Only {queue.name}"
            role = db.exec(select(CustomRole).where(CustomRole.name == name)).first()
            if role is None:
                role = CustomRole(name=name, base_role=Role.TECHNICIAN, permissions=[],
                                  limit_to_queues=True, queue_ids=[queue.id])
                db.add(role)
                db.commit()
            user = _user(db, email)
            user.custom_role_id = role.id
            db.add(user)
            db.commit()
        james, admin = _user(db, JAMES), Actor.from_user(_user(db, ADMIN))
        ticket = db.exec(select(Ticket).where(Ticket.queue_id == second.id,
                                              col(Ticket.status).in_(("open", "pending")))
                         .order_by(col(Ticket.id))).first()
        tickets.update_ticket(db, admin, ticket.id, ticket.version, {"assignee_id": james.id})
        tickets.add_comment(db, admin, ticket.id, "config", public=True,
                            files=[IncomingFile("switch.cfg", b"secret-switch", "text/plain")])
        att = db.exec(select(Attachment).where(Attachment.ticket_id == ticket.id)
                      .order_by(col(Attachment.id).desc())).first()
        data = {"number": ticket.number, "subject": ticket.subject, "attachment": att.id,
                "james": james.id, "piotr": _user(db, PIOTR).id, "second": second.id}
    yield data
    with session_scope() as db:
        for sub in db.exec(select(Substitution).where(
                col(Substitution.state).in_(SubstitutionState.OPEN))).all():
            sub.state = SubstitutionState.CANCELLED
            db.add(sub)
        db.commit()


def _james_away(by: str = ADMIN) -> int:
    now = utcnow()
    with session_scope() as db:
        return substitutions.create(db, Actor.from_user(_user(db, by)), substitutions.
                                    SubstitutionForm(absent_id=_user(db, JAMES).id,
                                                     substitute_id=_user(db, PIOTR).id,
                                                     starts=now - timedelta(minutes=5),
                                                     ends=now + timedelta(hours=2)))


def _cancel(sid: int) -> None:
    with session_scope() as db:
        substitutions.cancel(db, Actor.from_user(_user(db, ADMIN)), sid)


# --------------------------------------------------------------------------- settings page


def test_the_form_reports_errors_next_to_fields_and_keeps_input(desk):
    page = state_for(SubstitutionsState, PIOTR)
    call_handler(SubstitutionsState, "on_load", page)
    assert page.absent_opts and [o.value for o in page.absent_opts] == [str(desk["piotr"])]
    assert not page.is_manager and page.f_absent == str(desk["piotr"])
    page.f_substitute, page.f_starts, page.f_ends = "", "jutro", "01.01.2020 10:00"
    call_handler(SubstitutionsState, "save", page)
    assert set(page.form_errors) == {"substitute", "starts", "ends"}
    assert page.f_starts == "jutro" and page.rows == []


def test_a_technician_cannot_plan_someone_elses_absence_by_a_crafted_event(desk):
    page = state_for(SubstitutionsState, PIOTR)
    call_handler(SubstitutionsState, "on_load", page)
    page.f_absent, page.f_substitute = str(desk["james"]), str(desk["piotr"])
    page.f_starts, page.f_ends = "01.07.2031 10:00", "02.07.2031 10:00"
    call_handler(SubstitutionsState, "save", page)
    assert page.error and page.rows == []
    with session_scope() as db:
        assert db.exec(select(Substitution).where(
            col(Substitution.state).in_(SubstitutionState.OPEN))).all() == []


def test_plan_change_and_cancel_from_the_page(desk):
    page = state_for(SubstitutionsState, JAMES)
    call_handler(SubstitutionsState, "on_load", page)
    page.f_substitute, page.f_note = str(desk["piotr"]), "Urlop"
    page.f_starts, page.f_ends = "01/07/2031 10:00", "02.07.2031 10:00"  # either format
    call_handler(SubstitutionsState, "save", page)
    assert page.form_errors == {} and page.message
    [row] = page.rows
    assert (row.absent, row.substitute, row.state) == ("James Carter", "Piotr Zieliński",
                                                       "scheduled")
    assert page.status_line.startswith("Zaplanowana nieobecność od 1.07.2031, 10:00")
    call_handler(SubstitutionsState, "edit_row", page, row.id)
    assert (page.f_id, page.f_starts) == (row.id, "01.07.2031 10:00")  # the page's language
    page.f_ends = "03.07.2031 10:00"
    call_handler(SubstitutionsState, "save", page)
    assert page.rows[0].period.endswith("3.07.2031, 10:00")
    # the substitute sees it on their page, without the buttons
    other = state_for(SubstitutionsState, PIOTR)
    call_handler(SubstitutionsState, "on_load", other)
    assert [r.id for r in other.rows] == [row.id] and not other.rows[0].can_change
    call_handler(SubstitutionsState, "edit_row", other, row.id)  # crafted: refused
    assert other.f_id == "" and other.error
    call_handler(SubstitutionsState, "cancel_row", page, row.id)
    assert page.rows[0].state == "cancelled" and page.status_line == ""


# --------------------------------------------------------------------------- agent list


def test_the_substitutes_list_gains_and_loses_the_tickets_live(desk):
    page = state_for(AgentListState, PIOTR)
    call_handler(AgentListState, "on_load", page)
    call_handler(AgentListState, "set_filter", page, "f_queue", str(desk["second"]))
    # only what is assigned to Piotr himself in James's queue
    assert desk["number"] not in {r.number for r in page.rows}
    assert page.covering_label == "" and "covering" not in {o.value for o in page.agent_opts}
    sid = _james_away()
    page._live_refresh([])  # the scheduler's access change reaches the open tab
    assert desk["number"] in {r.number for r in page.rows}
    assert page.covering_label == "James Carter"
    assert "covering" in {o.value for o in page.agent_opts}
    row = next(r for r in page.rows if r.number == desk["number"])
    assert "Piotr Zieliński" in row.assignee_away  # James is away: who stands in
    call_handler(AgentListState, "set_filter", page, "f_assignee", "covering")
    call_handler(AgentListState, "set_filter", page, "f_queue", "all")
    assert desk["number"] in {r.number for r in page.rows}
    assert {r.assignee for r in page.rows} == {"James Carter"}
    _cancel(sid)
    page._live_refresh([])
    assert desk["number"] not in {r.number for r in page.rows}
    assert page.f_assignee == "" and page.covering_label == ""


def test_the_ticket_page_and_the_attachment_link_follow_the_substitution(desk):
    from reflex.istate.data import RouterData

    def open_page() -> TicketState:
        page = state_for(TicketState, PIOTR)
        token = page.token
        page.router = RouterData.from_router_data({
            "pathname": "/agent/tickets/[ticket_number]",
            "asPath": f"/agent/tickets/{desk['number']}",
            "query": {"ticket_number": desk["number"]},
            "headers": {"origin": "http://localhost"}})
        page.token = token
        call_handler(TicketState, "on_load", page)
        return page

    assert open_page().not_found
    with session_scope() as db:
        token, _ = auth.login(db, PIOTR, DEMO_PASSWORD)
    app = Starlette(routes=[Route("/api/attachments/{attachment_id}", download_attachment)])
    url = f"/api/attachments/{desk['attachment']}"
    with TestClient(app) as http:
        http.cookies.set(auth.SESSION_COOKIE, token)
        assert http.get(url).status_code == 404
        sid = _james_away()
        assert http.get(url).content == b"secret-switch"
        page = open_page()
        assert page.loaded and page.ticket.subject == desk["subject"]
        page.reply_text = "Zajmuję się tym w zastępstwie"
        call_handler(TicketState, "send_reply", page, [])
        assert page.reply_error == ""
        _cancel(sid)
        page._live_refresh([])  # the open tab loses the ticket at once
        assert page.not_found and not page.loaded
        assert http.get(url).status_code == 404
    with session_scope() as db:
        ticket = db.exec(select(Ticket).where(Ticket.number == desk["number"])).one()
        kinds = [e.kind for e in tickets.get_ticket(
            db, Actor.from_user(_user(db, ADMIN)), ticket.id).events]
    assert kinds.count("substitution") == 2  # started (his reply), ended (the cancel)


def test_the_user_panel_says_who_is_away_and_who_stands_in(desk):
    page = state_for(U, ADMIN)
    call_handler(U, "on_load", page)
    call_handler(U, "edit_user", page, str(desk["james"]))
    assert page.u_away == ""
    sid = _james_away()
    call_handler(U, "edit_user", page, str(desk["james"]))
    assert page.u_away.startswith("Nieobecność od") and "Piotr Zieliński" in page.u_away
    _cancel(sid)
    call_handler(U, "edit_user", page, str(desk["james"]))
    assert page.u_away == ""
