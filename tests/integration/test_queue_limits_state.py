"""Page states and the attachment route, called directly as a crafted browser message
would: a queue-limited technician gets "not found" for another queue's ticket and nothing
of it lands in their state; the admin pages for queues and roles validate and refuse
non-admins; a custom role's permission opens /admin/sla."""

from __future__ import annotations

import warnings

import pytest
from sqlmodel import col, select
from starlette.applications import Starlette
from starlette.routing import Route
from state_support import DEMO_PASSWORD, call_handler, state_for

from helpdesk_app.api.attachments import download_attachment
from helpdesk_app.db import session_scope
from helpdesk_app.domain import auth, permissions, tickets
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.attachments import IncomingFile
from helpdesk_app.models import Attachment, CustomRole, Queue, Role, Ticket, User
from helpdesk_app.state.admin_queues import AdminQueuesState
from helpdesk_app.state.admin_roles import AdminRolesState
from helpdesk_app.state.admin_sla import AdminSlaState
from helpdesk_app.state.ticket import TicketState

with warnings.catch_warnings():  # starlette nags about httpx vs httpx2; either works here
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

ADMIN = "admin@pomocnik.example"
TECH = "piotr.zielinski@pomocnik.example"
OTHER_TECH = "james.carter@pomocnik.example"


def _user(db, email: str) -> User:
    return db.exec(select(User).where(User.email == email)).one()


@pytest.fixture
def limited_tech(demo_db) -> dict:
    """Piotr limited to the first queue; a ticket of another queue (not his) with a file."""
    with session_scope() as db:
        first, second = db.exec(select(Queue).order_by(col(Queue.id))).all()[:2]
        # the demo database is shared by the module: create the role once
        role = db.exec(select(CustomRole).where(CustomRole.name == "First line")).first()
        if role is None:
            role = CustomRole(name="First line", base_role=Role.TECHNICIAN,
                              permissions=[permissions.BULK_EDIT], limit_to_queues=True,
                              queue_ids=[first.id])
            db.add(role)
            db.commit()
        piotr = _user(db, TECH)
        piotr.custom_role_id = role.id
        db.add(piotr)
        db.commit()
        hidden = db.exec(select(Ticket).where(Ticket.queue_id == second.id,
                                              col(Ticket.assignee_id) != piotr.id)).first()
        admin = Actor.from_user(_user(db, ADMIN))
        tickets.add_comment(db, admin, hidden.id, "Konfiguracja routera", public=True,
                            files=[IncomingFile("router.cfg", b"secret-config", "text/plain")])
        att = db.exec(select(Attachment).where(Attachment.ticket_id == hidden.id)
                      .order_by(col(Attachment.id).desc())).first()
        visible = db.exec(select(Ticket).where(
            Ticket.queue_id == first.id, Ticket.status.in_(("new", "open", "pending")),
            (col(Ticket.assignee_id).is_(None)) | (col(Ticket.assignee_id) != piotr.id))
        ).first()
        return {"hidden": hidden.number, "hidden_subject": hidden.subject,
                "visible": visible.number, "attachment": att.id, "second": second.id}


def _open_ticket(email: str, number: str) -> TicketState:
    from reflex.istate.data import RouterData

    page = state_for(TicketState, email)
    token = page.token  # the session rides on the handshake's cookie header: keep it
    page.router = RouterData.from_router_data({
        "pathname": "/agent/tickets/[ticket_number]", "asPath": f"/agent/tickets/{number}",
        "query": {"ticket_number": number}, "headers": {"origin": "http://localhost"}})
    page.token = token
    call_handler(TicketState, "on_load", page)
    return page


def test_ticket_page_of_another_queue_is_not_found_and_leaks_nothing(limited_tech):
    page = _open_ticket(TECH, limited_tech["hidden"])
    assert page.not_found and not page.loaded
    assert page.ticket.subject == "" and page.events == []
    assert limited_tech["hidden_subject"] not in repr(page.dict())
    shown = _open_ticket(TECH, limited_tech["visible"])
    assert shown.loaded and shown.ticket.number == limited_tech["visible"]


def test_moving_a_ticket_out_of_ones_queues_hands_it_off(limited_tech):
    page = _open_ticket(TECH, limited_tech["visible"])
    assert page.loaded
    page.f_queue = str(limited_tech["second"])
    result = call_handler(TicketState, "save_header", page)
    assert result is not None, (page.edit_message, page.conflict)  # sent to the list
    with session_scope() as db:
        moved = db.exec(select(Ticket).where(Ticket.number == limited_tech["visible"])).one()
        assert moved.queue_id == limited_tech["second"]
    assert _open_ticket(TECH, limited_tech["visible"]).not_found


def test_attachment_route_answers_404_for_another_queue(limited_tech):
    with session_scope() as db:
        token, _ = auth.login(db, TECH, DEMO_PASSWORD)
        other, _ = auth.login(db, OTHER_TECH, DEMO_PASSWORD)
    app = Starlette(routes=[Route("/api/attachments/{attachment_id}", download_attachment)])
    url = f"/api/attachments/{limited_tech['attachment']}"
    with TestClient(app) as http:
        http.cookies.set(auth.SESSION_COOKIE, token)
        refused = http.get(url)
        assert refused.status_code == 404 and b"secret-config" not in refused.content
        http.cookies.set(auth.SESSION_COOKIE, other)  # unrestricted technician
        assert http.get(url).content == b"secret-config"


# --------------------------------------------------------------------------- /admin/queues


def test_queue_form_reports_errors_next_to_fields_and_keeps_input(demo_db):
    page = state_for(AdminQueuesState, ADMIN)
    call_handler(AdminQueuesState, "on_load", page)
    before = len(page.rows)
    page.f_name, page.f_description = "  ", "x" * 600
    call_handler(AdminQueuesState, "save", page)
    assert set(page.form_errors) == {"name", "description"}
    assert page.f_description == "x" * 600 and len(page.rows) == before
    page.f_name, page.f_description = "service desk", ""
    call_handler(AdminQueuesState, "save", page)
    assert "name" in page.form_errors  # names are unique, whatever the case


def test_queue_create_order_deactivate_and_members(demo_db):
    page = state_for(AdminQueuesState, ADMIN)
    call_handler(AdminQueuesState, "on_load", page)
    page.f_name, page.f_description = "Bezpieczeństwo", "Incydenty"
    call_handler(AdminQueuesState, "save", page)
    assert page.form_errors == {} and page.rows[-1].name == "Bezpieczeństwo"
    new_id = page.f_id
    call_handler(AdminQueuesState, "move", page, new_id, -1)
    assert page.rows[-2].id == new_id
    call_handler(AdminQueuesState, "ask_deactivate", page, new_id)
    assert page.confirm_name == "Bezpieczeństwo"
    call_handler(AdminQueuesState, "confirm_deactivate", page)
    assert not next(r for r in page.rows if r.id == new_id).active
    call_handler(AdminQueuesState, "find_people", page, "piotr")
    assert [p.label for p in page.people_found] == [
        "Piotr Zieliński <piotr.zielinski@pomocnik.example>"]
    call_handler(AdminQueuesState, "find_people", page, "ewa")  # clients are never offered
    assert page.people_found == []
    call_handler(AdminQueuesState, "find_people", page, "piotr")
    call_handler(AdminQueuesState, "add_member", page, page.people_found[0].value)
    assert [m.label.split(" <")[0] for m in page.members] == ["Piotr Zieliński"]
    call_handler(AdminQueuesState, "remove_member", page, page.members[0].value)
    assert page.members == []


def test_a_technician_cannot_drive_the_queues_page(demo_db):
    page = state_for(AdminQueuesState, TECH)
    page.f_name = "Sneaky"
    call_handler(AdminQueuesState, "save", page)
    with session_scope() as db:
        assert db.exec(select(Queue).where(Queue.name == "Sneaky")).first() is None


# --------------------------------------------------------------------------- /admin/roles


def test_role_form_validates_and_assigns_members(demo_db):
    page = state_for(AdminRolesState, ADMIN)
    call_handler(AdminRolesState, "on_load", page)
    page.f_name, page.f_base = "", "admin"
    call_handler(AdminRolesState, "save", page)
    assert set(page.form_errors) == {"name", "base_role"}
    page.f_name, page.f_base, page.f_limit = "Raporty sieci", "technician", True
    call_handler(AdminRolesState, "toggle_perm", page, permissions.REPORTS_VIEW, True)
    call_handler(AdminRolesState, "toggle_perm", page, permissions.BULK_EDIT, False)
    call_handler(AdminRolesState, "toggle_queue", page, page.queue_checks[1].value, True)
    call_handler(AdminRolesState, "save", page)
    assert page.form_errors == {} and page.f_id
    call_handler(AdminRolesState, "find_people", page, "zieliński")
    call_handler(AdminRolesState, "add_member", page, page.people_found[0].value)
    with session_scope() as db:
        piotr = _user(db, TECH)
        role = db.get(CustomRole, int(page.f_id))
        assert piotr.custom_role_id == role.id
        assert role.permissions == [permissions.REPORTS_VIEW]
        assert role.queue_ids == [int(page.queue_checks[1].value)]
    call_handler(AdminRolesState, "remove_member", page, page.members[0].value)
    with session_scope() as db:
        assert _user(db, TECH).custom_role_id is None


def test_a_technician_cannot_create_roles_or_grant_themselves_rights(demo_db):
    page = state_for(AdminRolesState, TECH)
    page.f_name, page.f_base = "Root", "coordinator"
    call_handler(AdminRolesState, "save", page)
    with session_scope() as db:
        assert db.exec(select(CustomRole).where(CustomRole.name == "Root")).first() is None
        assert _user(db, TECH).role == Role.TECHNICIAN


def test_config_sla_permission_opens_admin_sla_for_a_technician(demo_db):
    plain = state_for(AdminSlaState, OTHER_TECH)
    refused = call_handler(AdminSlaState, "on_load", plain)
    assert refused is not None and plain.calendars == []  # redirected, nothing loaded
    with session_scope() as db:
        role = CustomRole(name="SLA editor", base_role=Role.TECHNICIAN,
                          permissions=[permissions.CONFIG_SLA], limit_to_queues=False,
                          queue_ids=[])
        db.add(role)
        db.commit()
        james = _user(db, OTHER_TECH)
        james.custom_role_id = role.id
        db.add(james)
        db.commit()
    page = state_for(AdminSlaState, OTHER_TECH)
    assert call_handler(AdminSlaState, "on_load", page) is None
    assert page.calendars != [] and page.error == ""
    assert "config.sla" in page.user_perms
