"""The ticket list: pagination, sorting, filters, search, queue counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlmodel import Session

from helpdesk_app.domain import tickets, tickets_queries
from helpdesk_app.domain.errors import Invalid
from helpdesk_app.domain.tickets import ListQuery
from helpdesk_app.models import Channel, Priority, Status, Ticket
from helpdesk_app.models.base import utcnow


@dataclass
class Spec:
    subject: str
    status: str
    priority: int
    channel: str
    org: str  # "a" or "b"
    queue: int  # 1 or 2
    assignee: str | None  # world.users key
    age_minutes: int  # updated_at = now - age


SPECS = [
    Spec("Printer jam on floor 2", Status.NEW, Priority.LOW, Channel.WEB, "a", 1, None, 50),
    Spec("VPN drops every hour", Status.OPEN, Priority.URGENT, Channel.PHONE, "a", 2,
         "technician", 40),
    Spec("100% CPU on the file server", Status.PENDING, Priority.HIGH, Channel.EMAIL, "b", 2,
         "technician2", 30),
    Spec("Rename user_name field", Status.RESOLVED, Priority.NORMAL, Channel.CHAT, "b", 1,
         "technician", 20),
    Spec("Outlook crash", Status.CLOSED, Priority.NORMAL, Channel.WEB, "a", 1, "coordinator",
         10),
    Spec("printer toner EMPTY", Status.OPEN, Priority.HIGH, Channel.EMAIL, "a", 1, None, 5),
]


@pytest.fixture
def catalogue(db: Session, world, make) -> dict[str, Ticket]:
    """Six tickets spread over every filter dimension, with distinct updated_at."""
    admin = world.actor("admin")
    now = utcnow()
    made = {}
    for spec in SPECS:
        requester = world.users["client" if spec.org == "a" else "other-client"]
        queue = world.queue if spec.queue == 1 else world.queue2
        t = make.ticket(admin, spec.subject, requester=requester, channel=spec.channel,
                        priority=spec.priority, queue_id=queue.id)
        t.status = spec.status
        t.assignee_id = world.users[spec.assignee].id if spec.assignee else None
        t.updated_at = now - timedelta(minutes=spec.age_minutes)
        db.add(t)
        made[spec.subject] = t
    db.commit()
    return made


def _subjects(db: Session, actor, **kw) -> list[str]:
    return [r.subject for r in tickets.list_tickets(db, actor, ListQuery(page_size=100, **kw)).rows]


def _ids_sorted(catalogue: dict[str, Ticket], key, reverse: bool) -> list[str]:
    return [t.subject for t in sorted(catalogue.values(), key=key, reverse=reverse)]


# --------------------------------------------------------------------------- pagination


@pytest.mark.parametrize(("page_size", "pages"), [(1, 6), (2, 3), (4, 2), (6, 1), (25, 1)])
def test_pagination(db: Session, world, catalogue, page_size: int, pages: int) -> None:
    admin = world.actor("admin")
    seen: list[int] = []
    for page in range(1, pages + 2):
        result = tickets.list_tickets(db, admin, ListQuery(page=page, page_size=page_size,
                                                           sort="number", descending=False))
        assert result.total == 6 and result.total_capped is False
        assert result.page == page and result.page_size == page_size
        assert len(result.rows) == (min(page_size, 6 - (page - 1) * page_size)
                                    if page <= pages else 0)
        seen += [r.id for r in result.rows]
    assert seen == sorted(t.id for t in catalogue.values())


def test_page_size_and_page_are_clamped(db: Session, world, catalogue) -> None:
    admin = world.actor("admin")
    result = tickets.list_tickets(db, admin, ListQuery(page=0, page_size=0))
    assert (result.page, result.page_size, len(result.rows)) == (1, 1, 1)
    result = tickets.list_tickets(db, admin, ListQuery(page=-3, page_size=10_000))
    assert (result.page, result.page_size, len(result.rows)) == (1, 100, 6)


def test_total_counts_all_matches_not_the_page(db: Session, world, catalogue) -> None:
    result = tickets.list_tickets(db, world.actor("admin"), ListQuery(page_size=2,
                                                                      status="active"))
    assert result.total == 4 and len(result.rows) == 2


def test_empty_list(db: Session, world) -> None:
    result = tickets.list_tickets(db, world.actor("admin"), ListQuery())
    assert (result.rows, result.total, result.total_capped) == ([], 0, False)


def test_row_labels(db: Session, world, catalogue) -> None:
    rows = tickets.list_tickets(db, world.actor("admin"), ListQuery(search="VPN")).rows
    [row] = rows
    assert (row.queue, row.organisation, row.requester, row.assignee) == (
        "Network", "Org A", "Carl Client", "Tom Technician")
    assert row.number == catalogue["VPN drops every hour"].number


# --------------------------------------------------------------------------- sorting


@pytest.mark.parametrize("descending", [True, False])
def test_sort_priority(db: Session, world, catalogue, descending: bool) -> None:
    # Priority, then most recently updated first within a priority (when descending).
    expected = _ids_sorted(catalogue, lambda t: (t.priority, t.updated_at), descending)
    assert _subjects(db, world.actor("admin"), sort="priority", descending=descending) == expected


@pytest.mark.parametrize("descending", [True, False])
def test_sort_updated(db: Session, world, catalogue, descending: bool) -> None:
    expected = _ids_sorted(catalogue, lambda t: t.updated_at, descending)
    assert _subjects(db, world.actor("admin"), sort="updated", descending=descending) == expected


@pytest.mark.parametrize("descending", [True, False])
def test_sort_number(db: Session, world, catalogue, descending: bool) -> None:
    expected = _ids_sorted(catalogue, lambda t: t.number, descending)
    assert _subjects(db, world.actor("admin"), sort="number", descending=descending) == expected


@pytest.mark.parametrize("descending", [True, False])
def test_sort_status(db: Session, world, catalogue, descending: bool) -> None:
    got = tickets.list_tickets(db, world.actor("admin"),
                               ListQuery(sort="status", descending=descending)).rows
    statuses = [r.status for r in got]
    assert statuses == sorted(statuses, reverse=descending)
    # Ties (two "open") are broken by priority, highest first.
    opens = [r.subject for r in got if r.status == Status.OPEN]
    assert opens == ["VPN drops every hour", "printer toner EMPTY"]


def test_bad_sort_rejected(db: Session, world) -> None:
    with pytest.raises(Invalid) as exc:
        tickets.list_tickets(db, world.actor("admin"), ListQuery(sort="subject; drop table"))
    assert exc.value.key == "list.bad_sort"


# --------------------------------------------------------------------------- filters


@pytest.mark.parametrize("status", Status.ALL)
def test_filter_status(db: Session, world, catalogue, status: str) -> None:
    expected = {s.subject for s in SPECS if s.status == status}
    assert set(_subjects(db, world.actor("admin"), status=status)) == expected


def test_filter_status_active(db: Session, world, catalogue) -> None:
    got = _subjects(db, world.actor("admin"), status="active")
    assert set(got) == {s.subject for s in SPECS if s.status in Status.ACTIVE}
    assert len(got) == 4


def test_filter_unknown_status_matches_nothing(db: Session, world, catalogue) -> None:
    assert _subjects(db, world.actor("admin"), status="archived") == []


def test_filter_queue(db: Session, world, catalogue) -> None:
    admin = world.actor("admin")
    assert set(_subjects(db, admin, queue_id=world.queue2.id)) == {
        s.subject for s in SPECS if s.queue == 2}
    assert set(_subjects(db, admin, queue_id=world.queue.id)) == {
        s.subject for s in SPECS if s.queue == 1}


def test_filter_assignee(db: Session, world, catalogue) -> None:
    tech = world.actor("technician")
    assert set(_subjects(db, tech, assignee="mine")) == {
        s.subject for s in SPECS if s.assignee == "technician"}
    assert set(_subjects(db, world.actor("admin"), assignee="mine")) == set()
    assert set(_subjects(db, tech, assignee="unassigned")) == {
        s.subject for s in SPECS if s.assignee is None}
    tina = world.users["technician2"].id
    assert _subjects(db, tech, assignee=str(tina)) == ["100% CPU on the file server"]
    # Anything else is ignored rather than turned into SQL.
    assert len(_subjects(db, tech, assignee="1 OR 1=1")) == 6


@pytest.mark.parametrize("priority", Priority.ALL)
def test_filter_priority(db: Session, world, catalogue, priority: int) -> None:
    assert set(_subjects(db, world.actor("admin"), priority=priority)) == {
        s.subject for s in SPECS if s.priority == priority}


def test_filter_organisation(db: Session, world, catalogue) -> None:
    admin = world.actor("admin")
    assert set(_subjects(db, admin, organisation_id=world.org_b.id)) == {
        s.subject for s in SPECS if s.org == "b"}
    # A client manager filtering by another organisation still sees nothing of it.
    assert _subjects(db, world.actor("client-manager"), organisation_id=world.org_b.id) == []


@pytest.mark.parametrize("channel", Channel.ALL)
def test_filter_channel(db: Session, world, catalogue, channel: str) -> None:
    assert set(_subjects(db, world.actor("admin"), channel=channel)) == {
        s.subject for s in SPECS if s.channel == channel}


def test_filters_combine(db: Session, world, catalogue) -> None:
    got = _subjects(db, world.actor("admin"), status="active", queue_id=world.queue.id,
                    priority=Priority.HIGH, channel=Channel.EMAIL,
                    organisation_id=world.org_a.id, assignee="unassigned", search="toner")
    assert got == ["printer toner EMPTY"]


# --------------------------------------------------------------------------- search


def test_search_by_number_forms(db: Session, world, catalogue) -> None:
    admin = world.actor("admin")
    t = catalogue["Outlook crash"]
    year, seq = t.number[:4], int(t.number[5:])
    for text in (t.number, f"{year}-{seq}", f"#{year}-{seq}", f"  #{t.number} "):
        assert _subjects(db, admin, search=text) == ["Outlook crash"]
    # Digits alone find the number in any year.
    assert "Outlook crash" in _subjects(db, admin, search=str(seq))


def test_search_digits_also_match_subjects(db: Session, world, catalogue) -> None:
    assert _subjects(db, world.actor("admin"), search="100") == ["100% CPU on the file server"]


@pytest.mark.parametrize("text", ["printer", "PRINTER", "PrInTeR", "  printer  "])
def test_search_subject_case_insensitive(db: Session, world, catalogue, text: str) -> None:
    assert set(_subjects(db, world.actor("admin"), search=text)) == {
        "Printer jam on floor 2", "printer toner EMPTY"}


def test_search_substring(db: Session, world, catalogue) -> None:
    assert _subjects(db, world.actor("admin"), search="toner emp") == ["printer toner EMPTY"]
    assert _subjects(db, world.actor("admin"), search="no such thing") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("%", ["100% CPU on the file server"]),
        ("100%", ["100% CPU on the file server"]),
        ("_", ["Rename user_name field"]),
        ("user_name", ["Rename user_name field"]),
        ("t_r", []),  # would match "printer" if _ were a wildcard
        ("P%r", []),  # would match "Printer jam" if % were a wildcard
        ("\\", []),
    ],
)
def test_search_wildcards_are_literal(db: Session, world, catalogue, text, expected) -> None:
    assert _subjects(db, world.actor("admin"), search=text) == expected


def test_search_respects_scope(db: Session, world, catalogue) -> None:
    # "printer" matches two org-A tickets of Carl; Olga (org B) sees none.
    assert _subjects(db, world.actor("other-client"), search="printer") == []
    assert len(_subjects(db, world.actor("client"), search="printer")) == 2
    assert _subjects(db, world.actor("colleague"), search="printer") == []


# --------------------------------------------------------------------------- queue counts


def test_queue_counts(db: Session, world, catalogue, make) -> None:
    make.queue("Zeta empty queue")
    make.queue("Inactive queue", active=False)
    counts = tickets.queue_counts(db, world.actor("admin"))
    # Active queues by name, counting only new/open/pending tickets.
    assert counts == [
        (world.queue2.id, "Network", 2),
        (world.queue.id, "Service Desk", 2),
        (counts[2][0], "Zeta empty queue", 0),
    ]


def test_queue_counts_respect_scope(db: Session, world, catalogue) -> None:
    counts = {name: n for _id, name, n in tickets.queue_counts(db, world.actor("other-client"))}
    assert counts == {"Network": 1, "Service Desk": 0}
    counts = {name: n for _id, name, n in tickets.queue_counts(db, world.actor("client"))}
    assert counts == {"Network": 1, "Service Desk": 2}


def test_search_polish_letters_case_insensitive(db: Session, world, make) -> None:
    # SQLite's built-in lower() folds ASCII only; helpdesk_app/db.py registers a Unicode one.
    make.ticket(world.actor("client"), "Awaria wodociągu w ŁODZI")
    for text in ("łodzi", "ŁODZI", "Łodzi", "WODOCIĄGU"):
        assert len(_subjects(db, world.actor("admin"), search=text)) == 1, text


def test_total_is_capped(db: Session, world, catalogue, monkeypatch) -> None:
    monkeypatch.setattr(tickets_queries, "COUNT_CAP", 4)  # where list_tickets reads it
    result = tickets.list_tickets(db, world.actor("admin"), ListQuery(page_size=2))
    assert (result.total, result.total_capped, len(result.rows)) == (4, True, 2)
    result = tickets.list_tickets(db, world.actor("admin"), ListQuery(status="active"))
    assert (result.total, result.total_capped) == (4, False)
