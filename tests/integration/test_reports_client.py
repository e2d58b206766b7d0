"""The client manager's summary (issue 14): their organisation's hours and billable hours
per month and per ticket - nobody else's, and nothing internal (no amounts, no people, no
descriptions of the work)."""

from __future__ import annotations

from datetime import date

import pytest

from helpdesk_app.domain.errors import Forbidden, Invalid
from helpdesk_app.domain.reports_client import client_summary
from helpdesk_app.models import Role
from tests.reports_support import set_ticket, work

TODAY = date(2026, 7, 15)


@pytest.fixture
def logged(db, world, make):
    make.contract_24x7(world.org_a.id, "A")
    make.contract_24x7(world.org_b.id, "B")
    tom = world.users["technician"]
    t_a = make.ticket(world.actor("client"), "Serwer")
    t_a2 = make.ticket(world.actor("colleague"), "Drukarka")
    t_b = make.ticket(world.actor("other-client"), "Sieć")
    moved = make.ticket(world.actor("client"), "Przeniesione")
    work(db, t_a, tom, date(2026, 4, 30), 9999, 100, 30000)  # before the three months
    work(db, t_a, tom, date(2026, 5, 10), 3600, 60, 18000, description="hasło: tajne123")
    work(db, t_a, tom, date(2026, 6, 1), 1800, 0, 0, billable=False)
    work(db, t_a, tom, date(2026, 7, 2), 600, 10, 3000)
    work(db, t_a2, tom, date(2026, 6, 15), 7200, 120, 36000)
    work(db, t_b, tom, date(2026, 6, 20), 5000, 84, 25000)
    # billed to A, then the ticket moved to B: its subject is B's now, so A never sees it
    work(db, moved, tom, date(2026, 6, 21), 1200, 20, 6000)
    set_ticket(db, moved, organisation_id=world.org_b.id)
    return t_a, t_a2, t_b


def test_a_client_manager_sees_their_organisations_work_per_month_and_ticket(
        db, world, logged):
    t_a, t_a2, _t_b = logged
    months, tickets = client_summary(db, world.actor("client-manager"), 3, today=TODAY)
    assert months.rows == [(date(2026, 5, 1), 3600, 3600), (date(2026, 6, 1), 9000, 7200),
                           (date(2026, 7, 1), 600, 600)]
    assert months.totals == (None, 13200, 11400)
    assert tickets.rows == [(t_a.id, t_a.number, "Serwer", 6000, 4200),
                            (t_a2.id, t_a2.number, "Drukarka", 7200, 7200)]
    assert tickets.totals == (None, None, None, 13200, 11400)
    shown = {c.key for c in months.columns} | {c.key for c in tickets.columns}
    assert shown == {"period", "hours", "billable", "ticket_id", "number", "subject"}
    assert "tajne123" not in repr((months, tickets))


def test_a_month_without_work_is_a_zero_row(db, world, logged):
    months, _ = client_summary(db, world.actor("client-manager"), 5, today=TODAY)
    assert [r[0] for r in months.rows] == [date(2026, m, 1) for m in (3, 4, 5, 6, 7)]
    assert months.rows[0] == (date(2026, 3, 1), 0, 0)
    assert months.rows[1] == (date(2026, 4, 1), 9999, 6000)


def test_another_organisations_manager_sees_only_their_own(db, world, make, logged):
    _t_a, _t_a2, t_b = logged
    other = make.actor(make.user(world.org_b, Role.CLIENT, manager=True))
    months, tickets = client_summary(db, other, 3, today=TODAY)
    # the moved ticket's work is invoiced to A: it is in neither summary
    assert months.totals == (None, 5000, 5040)
    assert tickets.rows == [(t_b.id, t_b.number, "Sieć", 5000, 5040)]


@pytest.mark.parametrize("who", ["client", "colleague", "coordinator", "admin", "technician"])
def test_nobody_but_a_client_manager_gets_the_summary(db, world, logged, who):
    with pytest.raises(Forbidden):
        client_summary(db, world.actor(who), today=TODAY)


def test_the_number_of_months_is_bounded(db, world, logged):
    for months in (0, 37):
        with pytest.raises(Invalid) as e:
            client_summary(db, world.actor("client-manager"), months, today=TODAY)
        assert e.value.key == "reports.months_invalid"
