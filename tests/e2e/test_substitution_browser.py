"""Substitutions in the browser (issue 13): James plans his absence on
/settings/substitutions with Piotr as substitute; Piotr's open list (queue-limited, so the
difference shows) gains James's ticket at once, with the "Substituting for" chip and the
away mark; when the scheduler ends the substitution the ticket disappears from Piotr's
list without a reload."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from e2e_support import login
from playwright.sync_api import expect
from sqlmodel import Session, col, select

from helpdesk_app.db import make_engine
from helpdesk_app.models import (
    CustomRole,
    Queue,
    Role,
    Substitution,
    SubstitutionState,
    Ticket,
    User,
)

PIOTR = "piotr.zielinski@pomocnik.example"  # the substitute: sees only the first queue
JAMES = "james.carter@pomocnik.example"  # away: sees only the second queue
WARSAW = ZoneInfo("Europe/Warsaw")  # the demo users' time zone


def _wall(value: datetime) -> str:
    """What a person types: their local time, with seconds (accepted, like ISO)."""
    return value.astimezone(WARSAW).strftime("%d.%m.%Y %H:%M:%S")


def test_substitute_gains_and_loses_the_tickets_live(new_page, app_server):
    engine = make_engine(f"sqlite:///{app_server.data_dir / 'pomocnik.db'}")
    roles: list[int] = []
    with Session(engine, expire_on_commit=False) as db:
        first, second = db.exec(select(Queue).order_by(col(Queue.position),
                                                       col(Queue.id))).all()[:2]
        piotr = db.exec(select(User).where(User.email == PIOTR)).one()
        james = db.exec(select(User).where(User.email == JAMES)).one()
        for user, queue in ((piotr, first), (james, second)):
            role = CustomRole(name=f"E2E subst {user.id}", base_role=Role.TECHNICIAN,
                              permissions=[], limit_to_queues=True, queue_ids=[queue.id])
            db.add(role)
            db.commit()
            roles.append(role.id)
            user.custom_role_id = role.id
            db.add(user)
        ticket = db.exec(select(Ticket).where(Ticket.queue_id == second.id,
                                              col(Ticket.status).in_(("open", "pending")))
                         .order_by(col(Ticket.id))).first()
        before = ticket.assignee_id
        ticket.assignee_id = james.id
        db.add(ticket)
        db.commit()
    row = f'.pm-row[data-number="{ticket.number}"]'
    try:
        tech = new_page()
        login(tech, PIOTR)
        tech.goto("/agent")
        tech.fill("#search", ticket.number)
        tech.click("#search-go")
        expect(tech.locator("#list-empty")).to_be_visible()  # not his queue, not his ticket
        expect(tech.locator("#quick-covering")).to_have_count(0)

        away = new_page()
        login(away, JAMES)
        away.goto("/settings/substitutions")
        away.select_option("#sub-substitute", str(piotr.id))
        now = datetime.now(WARSAW)
        away.fill("#sub-starts", _wall(now - timedelta(minutes=1)))  # from now
        away.fill("#sub-ends", _wall(now + timedelta(seconds=40)))
        away.fill("#sub-note", "Szkolenie")
        away.click("#sub-save")
        expect(away.locator("#sub-message")).to_be_visible()
        expect(away.locator(".pm-sub-row").first).to_have_attribute("data-state", "active")
        expect(away.locator("#sub-status")).to_contain_text("Piotr Zieliński")

        # Piotr's open list gains James's ticket, no reload: chip and away mark included
        expect(tech.locator(row)).to_be_visible(timeout=15_000)
        expect(tech.locator("#quick-covering")).to_contain_text("James Carter")
        expect(tech.locator(f"{row} .pm-away")).to_have_count(1)
        refreshes = tech.locator("#live-refreshed").inner_text()

        # the scheduler ends it at its end: the ticket leaves the open list by itself
        expect(tech.locator(row)).to_have_count(0, timeout=60_000)
        expect(tech.locator("#quick-covering")).to_have_count(0)
        expect(tech.locator("#list-empty")).to_be_visible()
        assert tech.locator("#live-refreshed").inner_text() != refreshes
        with Session(engine) as db:
            [sub] = db.exec(select(Substitution).where(Substitution.absent_id == james.id)
                            .order_by(col(Substitution.id).desc()).limit(1)).all()
            assert sub.state == SubstitutionState.ENDED
    finally:  # the app is shared by the session's browser tests: put everything back
        with Session(engine) as db:
            for sub in db.exec(select(Substitution).where(
                    col(Substitution.state).in_(SubstitutionState.OPEN))).all():
                sub.state = SubstitutionState.CANCELLED
                db.add(sub)
            for email in (PIOTR, JAMES):
                user = db.exec(select(User).where(User.email == email)).one()
                user.custom_role_id = None
                db.add(user)
            t = db.get(Ticket, ticket.id)
            t.assignee_id = before
            db.add(t)
            db.commit()
            for role_id in roles:
                role = db.get(CustomRole, role_id)
                if role is not None:
                    db.delete(role)
            db.commit()
        engine.dispose()
