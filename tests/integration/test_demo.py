"""Demo data: realistic, idempotent, and usable with the domain afterwards."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func
from sqlmodel import Session, SQLModel, select

from helpdesk_app.demo import DEMO_PASSWORD, PROVIDER, demo_logins, seed_demo
from helpdesk_app.domain import auth, tickets
from helpdesk_app.models import (
    ContractRate,
    EventKind,
    Organisation,
    OrgKind,
    Role,
    Status,
    Ticket,
    TimelineEvent,
    User,
    WorkEntry,
)


def _counts(db: Session) -> dict[str, int]:
    return {t.name: db.exec(select(func.count()).select_from(t)).one()
            for t in SQLModel.metadata.sorted_tables}


def test_seed_demo(db: Session) -> None:
    assert seed_demo(db) is True
    counts = _counts(db)

    # Idempotent: the second run adds nothing.
    assert seed_demo(db) is False
    assert _counts(db) == counts

    orgs = db.exec(select(Organisation)).all()
    assert sum(o.kind == OrgKind.CLIENT for o in orgs) == 3
    assert [o.name for o in orgs if o.kind == OrgKind.PROVIDER] == [PROVIDER]

    all_tickets = db.exec(select(Ticket)).all()
    assert 180 <= len(all_tickets) <= 220
    statuses = Counter(t.status for t in all_tickets)
    assert set(statuses) == set(Status.ALL)
    assert all(n >= 5 for n in statuses.values()), statuses
    assert len({t.number for t in all_tickets}) == len(all_tickets)
    assert len({t.organisation_id for t in all_tickets}) == 3
    assert len({t.channel for t in all_tickets}) >= 3
    assert len({t.priority for t in all_tickets}) >= 3
    assert all(t.assignee_id is None for t in all_tickets if t.status == Status.NEW)

    roles = Counter(u.role for u in db.exec(select(User)).all())
    assert {Role.ADMIN, Role.COORDINATOR, Role.TECHNICIAN, Role.CLIENT} <= set(roles)

    created = db.exec(select(TimelineEvent).where(TimelineEvent.kind == EventKind.CREATED)).all()
    assert len(created) == len(all_tickets)
    assert db.exec(select(TimelineEvent).where(TimelineEvent.kind == EventKind.NOTE)).first()

    # work time on the tickets someone works on, rated under each contract's rate
    work = db.exec(select(WorkEntry)).all()
    priced = set(db.exec(select(ContractRate.contract_id)).all())
    assert len(priced) == 2  # the third client's contract is not priced yet
    worked_on = {t.id for t in all_tickets
                 if t.assignee_id is not None and t.contract_id in priced}
    assert {e.ticket_id for e in work} == worked_on
    assert all(e.user_id == db.get(Ticket, e.ticket_id).assignee_id for e in work)
    assert all(e.amount_minor > 0 and e.billable_minutes * 60 >= e.seconds
               for e in work if e.billable)


def test_demo_is_usable(db: Session) -> None:
    seed_demo(db, tickets=30)
    # Every demo login printed in the banner works.
    role, email, password = demo_logins()[-1]
    assert password == DEMO_PASSWORD and role == "client"
    _token, client = auth.login(db, email, password)
    # Clients see only what the policy allows, and never internal notes.
    page = tickets.list_tickets(db, client, tickets.ListQuery(page_size=100))
    assert all(r.requester == client.full_name for r in page.rows)
    for row in page.rows:
        assert all(e.is_public for e in tickets.get_ticket(db, client, row.id).events)
    # New tickets continue the numbering without colliding with demo numbers.
    admin = next(u for u in db.exec(select(User).where(User.role == Role.ADMIN)))
    from helpdesk_app.domain.actor import Actor

    new = tickets.create_ticket(db, Actor.from_user(admin), tickets.NewTicket(
        subject="After the demo", requester_id=client.user_id))
    numbers = [t.number for t in db.exec(select(Ticket)).all()]
    assert len(numbers) == len(set(numbers)) == 31
    assert int(new.number[5:]) == 31
