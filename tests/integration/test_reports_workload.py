"""Workload reports (issue 14): per person and per queue, for June 2026.

| ticket | queue        | assignee | created | resolved | entries (seconds / billable min)  |
|--------|--------------|----------|---------|----------|-----------------------------------|
| t1     | Service Desk | Tom      | 1 June  | 10 June  | Tom 3600/60, Tina 1800/30         |
| t2     | Network      | Tina     | 2 June  | open     | Tom 1200/20 + 600/0, Sam 2400/40  |
| t3     | Service Desk | Tom      | 20 June | open     | —                                 |
| t4     | Network      | Tom      | 19 May  | 20 May   | Tom 900/15 on 20 May              |

Sam is a subcontractor.
"""

from __future__ import annotations

from datetime import date

import pytest

from helpdesk_app.domain import permissions
from helpdesk_app.domain.errors import Forbidden
from helpdesk_app.domain.reports_common import ReportFilter
from helpdesk_app.domain.reports_workload import workload, workload_by_queue
from helpdesk_app.models import OrgKind, Role
from tests.reports_support import local, set_ticket, work

JUNE = ReportFilter(date(2026, 6, 1), date(2026, 6, 30))
PEOPLE = ("person", "role", "hours", "billable", "worked_on", "resolved", "open_now")


def _cells(table, *keys: str) -> list[tuple]:
    index = [[c.key for c in table.columns].index(k) for k in keys]
    return [tuple(row[i] for i in index) for row in table.rows]


@pytest.fixture
def team(db, world, make):
    make.contract_24x7(world.org_a.id, "X")
    firm = make.org("Sub Firma", OrgKind.SUBCONTRACTOR)
    sam = make.user(firm, Role.SUBCONTRACTOR, name="Sam Sub")
    tom, tina = world.users["technician"], world.users["technician2"]
    coord = world.actor("coordinator")

    def ticket(queue, assignee, created, **columns):
        t = make.ticket(coord, "Zgłoszenie", requester=world.users["client"],
                        queue_id=queue.id)
        return set_ticket(db, t, assignee_id=assignee.id, created_at=created, **columns)

    t1 = ticket(world.queue, tom, local(2026, 6, 1), status="resolved",
                resolved_at=local(2026, 6, 10))
    t2 = ticket(world.queue2, tina, local(2026, 6, 2), status="open")
    ticket(world.queue, tom, local(2026, 6, 20), status="open")
    t4 = ticket(world.queue2, tom, local(2026, 5, 19), status="closed",
                resolved_at=local(2026, 5, 20))
    work(db, t1, tom, date(2026, 6, 2), 3600, 60)
    work(db, t1, tina, date(2026, 6, 3), 1800, 30)
    work(db, t2, tom, date(2026, 6, 4), 1200, 20)
    work(db, t2, tom, date(2026, 6, 5), 600, 0, billable=False)
    work(db, t2, sam, date(2026, 6, 6), 2400, 40)
    work(db, t4, tom, date(2026, 5, 20), 900, 15)
    return sam


def test_workload_per_person(db, world, team):
    table = workload(db, world.actor("coordinator"), JUNE)
    assert _cells(table, *PEOPLE) == [
        ("Sam Sub", "useradmin.role.subcontractor", 2400, 2400, 1, 0, 0),
        ("Tina Technician", "useradmin.role.technician", 1800, 1800, 1, 0, 1),
        ("Tom Technician", "useradmin.role.technician", 5400, 4800, 2, 1, 1),
    ]
    assert table.totals == (None, None, None, 9600, 9000, 4, 1, 2)
    tom = ReportFilter(JUNE.day_from, JUNE.day_to, person_id=world.users["technician"].id)
    assert _cells(workload(db, world.actor("admin"), tom), "person", "hours", "open_now") == [
        ("Tom Technician", 5400, 1)]


def test_workload_per_queue(db, world, team):
    table = workload_by_queue(db, world.actor("coordinator"), JUNE)
    assert _cells(table, "queue", "hours", "billable", "created", "resolved", "open_now") == [
        ("Network", 4200, 3600, 1, 0, 1),
        ("Service Desk", 5400, 5400, 2, 1, 1),
    ]
    assert table.totals == (None, None, 9600, 9000, 3, 1, 2)


def test_a_queue_limited_role_sees_the_work_and_tickets_of_its_queues(db, world, make, team):
    role = make.custom_role(base="coordinator", queues=(world.queue2,),
                            perms=(permissions.REPORTS_VIEW,))
    limited = make.give_role(make.user(world.provider, Role.TECHNICIAN, name="Lena"), role)
    assert _cells(workload(db, limited, JUNE), *PEOPLE) == [
        ("Sam Sub", "useradmin.role.subcontractor", 2400, 2400, 1, 0, 0),
        ("Tina Technician", "useradmin.role.technician", 0, 0, 0, 0, 1),
        ("Tom Technician", "useradmin.role.technician", 1800, 1200, 1, 0, 0),
    ]
    assert _cells(workload_by_queue(db, limited, JUNE), "queue", "hours") == [
        ("Network", 4200)]
    with pytest.raises(Forbidden):
        workload(db, world.actor("technician"), JUNE)
    with pytest.raises(Forbidden):
        workload_by_queue(db, world.actor("client-manager"), JUNE)
