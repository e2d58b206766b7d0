"""The invoicing report (issue 14): logged work per client × contract × month, its
drill-downs, the entry export, and who may see it.

The books (amounts in grosze, billable hours from the rated billable minutes; tB is in
queue2, the rest in the default queue; the first entry is billed "FV 5/2026", the second
of tA2 not billable, the last one outside May–June):

| ticket | client / contract | date       | who  | seconds | bill. min | amount |
|--------|-------------------|------------|------|---------|-----------|--------|
| tA1    | Org A / A1        | 2026-05-10 | Tom  | 3600    | 60        | 18000  |
| tA1    | Org A / A1        | 2026-05-31 | Tina | 1800    | 30        | 9000   |
| tA1    | Org A / A1        | 2026-06-01 | Tom  | 5400    | 90        | 27000  |
| tA2    | Org A / A2        | 2026-06-15 | Tom  | 2700    | 45        | 9000   |
| tA2    | Org A / A2        | 2026-06-16 | Tina | 600     | 0         | 0      |
| tA0    | Org A / —         | 2026-06-05 | Tom  | 900     | 15        | 0      |
| tB     | Org B / B         | 2026-06-20 | Tina | 7200    | 120       | 30000  |
| tB     | Org B / B         | 2026-07-01 | Tina | 3600    | 60        | 15000  |
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from helpdesk_app.domain import permissions, reports_invoicing
from helpdesk_app.domain.errors import Forbidden, NotFound
from helpdesk_app.domain.reports_common import ReportFilter
from helpdesk_app.domain.reports_invoicing import (
    ENTRY_COLUMNS,
    invoicing,
    invoicing_entries,
    invoicing_tickets,
    iter_entries,
)
from helpdesk_app.models import Channel, Contract, Priority, Ticket
from tests.reports_support import local, work

MAY_JUNE = ReportFilter(date(2026, 5, 1), date(2026, 6, 30))
MAY, JUNE = date(2026, 5, 1), date(2026, 6, 1)


@dataclass
class Books:
    a1: Contract
    a2: Contract
    b: Contract
    tA1: Ticket
    tA2: Ticket
    tA0: Ticket
    tB: Ticket


@pytest.fixture
def books(db, world, make) -> Books:
    coord = world.actor("coordinator")
    a1 = make.contract_24x7(world.org_a.id, "A1")
    a2 = make.contract_24x7(world.org_a.id, "A2")
    b = make.contract_24x7(world.org_b.id, "B")
    t_a1 = make.ticket(coord, "Serwer", requester=world.users["client"], contract_id=a1.id,
                       channel=Channel.PHONE)
    t_a2 = make.ticket(coord, "Drukarka", requester=world.users["client"], contract_id=a2.id,
                       priority=Priority.HIGH)
    t_a0 = make.ticket(world.actor("client"), "Pytanie")  # two contracts: starts with none
    t_b = make.ticket(coord, "Sieć", requester=world.users["other-client"],
                      queue_id=world.queue2.id)
    assert t_a0.contract_id is None and t_b.contract_id == b.id
    tom, tina = world.users["technician"], world.users["technician2"]
    work(db, t_a1, tom, date(2026, 5, 10), 3600, 60, 18000, locked_at=local(2026, 6, 2),
         lock_ref="FV 5/2026")
    work(db, t_a1, tina, date(2026, 5, 31), 1800, 30, 9000)
    work(db, t_a1, tom, date(2026, 6, 1), 5400, 90, 27000)
    work(db, t_a2, tom, date(2026, 6, 15), 2700, 45, 9000)
    work(db, t_a2, tina, date(2026, 6, 16), 600, 0, 0, billable=False)
    work(db, t_a0, tom, date(2026, 6, 5), 900, 15, 0)
    work(db, t_b, tina, date(2026, 6, 20), 7200, 120, 30000)
    work(db, t_b, tina, date(2026, 7, 1), 3600, 60, 15000)
    return Books(a1, a2, b, t_a1, t_a2, t_a0, t_b)


def _cells(table, *keys: str) -> list[tuple]:
    index = [[c.key for c in table.columns].index(k) for k in keys]
    return [tuple(row[i] for i in index) for row in table.rows]


FIGURES = ("period", "organisation", "contract", "entries", "hours", "billable", "amount",
           "currency")


def test_invoicing_sums_each_client_contract_and_month(db, world, books):
    table = invoicing(db, world.actor("coordinator"), MAY_JUNE)
    assert _cells(table, *FIGURES) == [
        (MAY, "Org A", "A1", 2, 5400, 5400, 27000, "PLN"),
        (JUNE, "Org A", "", 1, 900, 900, 0, "PLN"),  # no contract sorts first
        (JUNE, "Org A", "A1", 1, 5400, 5400, 27000, "PLN"),
        (JUNE, "Org A", "A2", 2, 3300, 2700, 9000, "PLN"),
        (JUNE, "Org B", "B", 1, 7200, 7200, 30000, "PLN"),
    ]
    assert table.totals == (None, None, None, None, None, 7, 22200, 21600, 93000, "PLN")
    assert [c.kind for c in table.columns][:6] == ["month", "id", "text", "id", "text", "int"]
    assert _cells(table, "organisation_id", "contract_id")[0] == (world.org_a.id, books.a1.id)


def test_a_day_grain_splits_the_same_work_by_date(db, world, books):
    flt = ReportFilter(date(2026, 5, 31), date(2026, 6, 1), organisation_id=world.org_a.id,
                       grain="day")
    assert _cells(invoicing(db, world.actor("admin"), flt), "period", "contract", "hours") == [
        (date(2026, 5, 31), "A1", 1800), (date(2026, 6, 1), "A1", 5400)]


def test_several_currencies_leave_the_amount_total_empty(db, world, books):
    work(db, books.tB, world.users["technician"], date(2026, 6, 21), 600, 10, 500,
         currency="EUR")
    table = invoicing(db, world.actor("coordinator"), MAY_JUNE)
    assert (JUNE, "Org B", "B", 1, 600, 600, 500, "EUR") in _cells(table, *FIGURES)
    assert table.totals[-2:] == (None, "")


@pytest.mark.parametrize(("name", "expected"), [
    ("organisation", [(MAY, "A1"), (JUNE, ""), (JUNE, "A1"), (JUNE, "A2")]),
    ("contract", [(JUNE, "A2")]),
    ("person", [(MAY, "A1"), (JUNE, "A2"), (JUNE, "B")]),  # Tina's work
    ("queue", [(JUNE, "B")]),
    ("priority", [(JUNE, "A2")]),
    ("channel", [(MAY, "A1"), (JUNE, "A1")]),
    ("ticket_type", [(MAY, "A1"), (JUNE, "A1")]),
])
def test_each_filter_narrows_the_invoice(db, world, books, name, expected):
    tA1 = db.get(Ticket, books.tA1.id)
    value = {"organisation": world.org_a.id, "contract": books.a2.id,
             "person": world.users["technician2"].id, "queue": world.queue2.id,
             "priority": Priority.HIGH, "channel": Channel.PHONE,
             "ticket_type": tA1.ticket_type_id}[name]
    field = {"organisation": "organisation_id", "contract": "contract_id",
             "person": "person_id", "queue": "queue_id", "ticket_type": "ticket_type_id"
             }.get(name, name)
    flt = ReportFilter(MAY_JUNE.day_from, MAY_JUNE.day_to, **{field: value})
    assert _cells(invoicing(db, world.actor("coordinator"), flt), "period", "contract") \
        == expected


def test_the_drill_down_lists_a_rows_tickets_then_their_entries(db, world, books):
    coord = world.actor("coordinator")
    tickets = invoicing_tickets(db, coord, MAY_JUNE, books.a1.id, world.org_a.id)
    assert _cells(tickets, "number", "entries", "hours", "billable", "amount") == [
        (books.tA1.number, 3, 10800, 10800, 54000)]
    assert tickets.totals == (None, None, None, 3, 10800, 10800, 54000, "PLN")
    no_contract = invoicing_tickets(db, coord, MAY_JUNE, None, world.org_a.id)
    assert _cells(no_contract, "ticket_id", "subject", "hours") == [
        (books.tA0.id, "Pytanie", 900)]

    entries = invoicing_entries(db, coord, MAY_JUNE, books.tA1.id)
    assert _cells(entries, "date", "person", "hours", "billable", "amount", "flags",
                  "lock_ref") == [
        (date(2026, 5, 10), "Tom Technician", 3600, 3600, 18000,
         "reports.flag.billable reports.flag.locked", "FV 5/2026"),
        (date(2026, 5, 31), "Tina Technician", 1800, 1800, 9000, "reports.flag.billable", ""),
        (date(2026, 6, 1), "Tom Technician", 5400, 5400, 27000, "reports.flag.billable", ""),
    ]
    assert entries.totals[4:8] == (10800, 10800, 54000, "PLN")
    not_billable = invoicing_entries(db, coord, MAY_JUNE, books.tA2.id)
    assert _cells(not_billable, "flags") == [("reports.flag.billable",), ("",)]


def test_the_export_streams_every_entry_in_date_order_batch_by_batch(db, world, books):
    batches = list(iter_entries(db, world.actor("coordinator"), MAY_JUNE, batch=2))
    assert [len(b) for b in batches] == [2, 2, 2, 1]
    rows = [r for b in batches for r in b]
    assert all(len(r) == len(ENTRY_COLUMNS) for r in rows)
    keys = [c.key for c in ENTRY_COLUMNS]
    shown = [(r[keys.index("date")], r[keys.index("organisation")], r[keys.index("hours")])
             for r in rows]
    assert shown == [(date(2026, 5, 10), "Org A", 3600), (date(2026, 5, 31), "Org A", 1800),
                     (date(2026, 6, 1), "Org A", 5400), (date(2026, 6, 5), "Org A", 900),
                     (date(2026, 6, 15), "Org A", 2700), (date(2026, 6, 16), "Org A", 600),
                     (date(2026, 6, 20), "Org B", 7200)]
    assert rows[0][keys.index("lock_ref")] == "FV 5/2026"
    assert rows[0][keys.index("number")] == books.tA1.number
    # a single batch when it is large enough; nothing at all for an empty range
    assert len(next(iter_entries(db, world.actor("admin"), MAY_JUNE))) == 7
    assert list(iter_entries(db, world.actor("admin"),
                             ReportFilter(date(2026, 1, 1), date(2026, 1, 31)))) == []


def test_a_technician_without_the_reports_permission_sees_none_of_it(db, world, books):
    tech = world.actor("technician")
    for call in (lambda: invoicing(db, tech, MAY_JUNE),
                 lambda: invoicing_tickets(db, tech, MAY_JUNE, books.a1.id, world.org_a.id),
                 lambda: invoicing_entries(db, tech, MAY_JUNE, books.tA1.id),
                 lambda: next(iter_entries(db, tech, MAY_JUNE))):
        with pytest.raises(Forbidden):
            call()
    for client in ("client", "client-manager"):
        with pytest.raises(Forbidden):
            invoicing(db, world.actor(client), MAY_JUNE)


def test_a_queue_limited_role_invoices_only_its_queues_tickets(db, world, make, books):
    role = make.custom_role(base="coordinator", queues=(world.queue2,),
                            perms=(permissions.REPORTS_VIEW,))
    limited = make.give_role(world.users["technician"], role)
    table = invoicing(db, limited, MAY_JUNE)
    assert _cells(table, "organisation", "contract", "hours") == [("Org B", "B", 7200)]
    assert [len(b) for b in iter_entries(db, limited, MAY_JUNE)] == [1]
    with pytest.raises(NotFound):  # a ticket outside their queues does not exist for them
        invoicing_entries(db, limited, MAY_JUNE, books.tA1.id)
    # the permission is what counts: the same limited role without it sees nothing
    bare = make.give_role(world.users["technician2"], make.custom_role(
        base="coordinator", queues=(world.queue2,), perms=()))
    with pytest.raises(Forbidden):
        reports_invoicing.invoicing(db, bare, MAY_JUNE)
