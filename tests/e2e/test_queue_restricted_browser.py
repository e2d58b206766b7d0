"""An admin limits a technician to one queue on /admin/roles; that technician's list shows
only that queue, and another queue's ticket URL answers "not found"."""

from __future__ import annotations

import uuid

from e2e_support import login
from playwright.sync_api import expect
from sqlmodel import Session, col, select

from helpdesk_app.db import make_engine
from helpdesk_app.models import CustomRole, Queue, Ticket, User

ADMIN = "admin@pomocnik.example"
JAMES = "james.carter@pomocnik.example"


def test_restricted_technician_sees_only_their_queue(new_page, app_server):
    engine = make_engine(f"sqlite:///{app_server.data_dir / 'pomocnik.db'}")
    with Session(engine, expire_on_commit=False) as db:
        first, other = db.exec(select(Queue).order_by(col(Queue.position),
                                                      col(Queue.id))).all()[:2]
        james = db.exec(select(User).where(User.email == JAMES)).one()
        hidden = db.exec(select(Ticket).where(
            Ticket.queue_id == other.id,
            (col(Ticket.assignee_id).is_(None)) | (col(Ticket.assignee_id) != james.id))
        ).first()
    name = f"Pierwsza linia {uuid.uuid4().hex[:4]}"
    try:
        admin = new_page()
        login(admin, ADMIN)
        admin.goto("/admin/roles")
        admin.click("#r-new")
        admin.fill("#r-name", name)
        admin.select_option("#r-base", "technician")
        admin.click("#r-limit")
        admin.click(f"#r-queue-{first.id}")
        admin.click("#r-save")
        expect(admin.locator("#admin-message")).to_be_visible()
        expect(admin.locator("#r-rows")).to_contain_text(name)
        admin.fill("#rm-find", "carter")
        admin.click(f"#rm-add-{james.id}")
        expect(admin.locator("#rm-members")).to_contain_text("James Carter")

        tech = new_page()
        login(tech, JAMES)
        tech.goto("/agent")
        expect(tech.locator(f"#queue-{first.id}")).to_be_visible()
        expect(tech.locator(f"#queue-{other.id}")).to_have_count(0)
        tech.fill("#search", hidden.number)
        tech.click("#search-go")
        expect(tech.locator("#list-empty")).to_be_visible()

        tech.goto(f"/agent/tickets/{hidden.number}")
        expect(tech.locator("#not-found")).to_be_visible()
        expect(tech.locator("body")).not_to_contain_text(hidden.subject)
    finally:  # the app is shared by the session's browser tests: give James his rights back
        with Session(engine) as db:
            james = db.exec(select(User).where(User.email == JAMES)).one()
            james.custom_role_id = None
            db.add(james)
            db.commit()
            role = db.exec(select(CustomRole).where(CustomRole.name == name)).first()
            if role is not None:
                db.delete(role)
                db.commit()
        engine.dispose()
