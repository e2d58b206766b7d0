"""Realistic demo data: a service company, three client organisations, ~200 tickets.

Idempotent: a second run finds the service company and adds nothing.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from sqlmodel import Session, col, select

from helpdesk_app.domain import sla, worktime, worktime_parsing
from helpdesk_app.domain.auth import hash_password
from helpdesk_app.domain.numbering import format_number
from helpdesk_app.models import (
    ActivityType,
    BusinessCalendar,
    CalendarWindow,
    Channel,
    Contract,
    ContractRate,
    ContractSubcontractor,
    EventKind,
    MailChannel,
    Organisation,
    OrganisationDomain,
    OrgKind,
    Priority,
    Queue,
    Role,
    Status,
    Ticket,
    TicketCounter,
    TicketType,
    TicketTypeTarget,
    TimelineEvent,
    User,
    WorkEntry,
)
from helpdesk_app.models.base import utcnow

DEMO_PASSWORD = "pomocnik-demo"
PROVIDER = "Pomocnik Serwis IT sp. z o.o."

STAFF = [
    ("admin@pomocnik.example", "Agnieszka Wiśniewska", Role.ADMIN, "pl"),
    ("koordynator@pomocnik.example", "Tomasz Kowalczyk", Role.COORDINATOR, "pl"),
    ("anna.nowak@pomocnik.example", "Anna Nowak", Role.TECHNICIAN, "pl"),
    ("piotr.zielinski@pomocnik.example", "Piotr Zieliński", Role.TECHNICIAN, "pl"),
    ("james.carter@pomocnik.example", "James Carter", Role.TECHNICIAN, "en"),
]

CLIENTS = {
    "Miejskie Wodociągi Łódź S.A.": ("wodociagi-lodz.example", [
        ("jan.kowalski@wodociagi-lodz.example", "Jan Kowalski", True, "pl"),
        ("ewa.lewandowska@wodociagi-lodz.example", "Ewa Lewandowska", False, "pl"),
        ("marek.wojcik@wodociagi-lodz.example", "Marek Wójcik", False, "pl"),
    ]),
    "Kancelaria Prawna Dąbrowski i Wspólnicy": ("dabrowski-law.example", [
        ("katarzyna.dabrowska@dabrowski-law.example", "Katarzyna Dąbrowska", True, "pl"),
        ("michal.kaminski@dabrowski-law.example", "Michał Kamiński", False, "pl"),
    ]),
    "Northwind Logistics Ltd": ("northwind.example", [
        ("olivia.smith@northwind.example", "Olivia Smith", True, "en"),
        ("george.brown@northwind.example", "George Brown", False, "en"),
        ("zofia.krawczyk@northwind.example", "Zofia Krawczyk", False, "pl"),
    ]),
}

# A subcontractor (issue 13): sees only the tickets a coordinator hands over to it. It
# serves the water utility's contract, so the handover form suggests it there first.
SUBCONTRACTOR = ("ElektroSerwis Kraków sp.j.", "elektroserwis.example", [
    ("pawel.mazur@elektroserwis.example", "Paweł Mazur", "pl"),
])

QUEUES = [
    ("Service Desk", "First line: everything new lands here"),
    ("Sieć i infrastruktura", "Network, servers, VPN"),
    ("Stanowiska pracy", "Laptops, printers, peripherals"),
    ("Aplikacje", "ERP, e-mail, Office 365"),
]

SUBJECTS_PL = [
    "Drukarka na 2. piętrze nie drukuje", "Brak dostępu do VPN z domu",
    "Outlook nie synchronizuje poczty", "Nowy pracownik — konto i laptop",
    "Wolne działanie systemu ERP", "Nie działa skaner w recepcji",
    "Prośba o zwiększenie skrzynki pocztowej", "Awaria Wi-Fi w sali konferencyjnej",
    "Błąd przy logowaniu do Teams", "Wymiana tonera w drukarce HP",
    "Zablokowane konto użytkownika", "Monitor miga po aktualizacji sterowników",
    "Instalacja oprogramowania księgowego", "Kopia zapasowa nie wykonała się w nocy",
    "Telefon VoIP nie dzwoni",
]
SUBJECTS_EN = [
    "Cannot connect to the shared drive", "Laptop battery drains in an hour",
    "Request: access to the finance folder", "Email bouncing from a supplier",
    "Printer jams on every second page", "Password reset for a new starter",
    "Excel crashes when opening macros", "Conference room display not detected",
]
BODIES_PL = [
    "Dzień dobry, problem występuje od rana. Proszę o pilny kontakt.",
    "Od wczoraj po restarcie komputera pojawia się komunikat o błędzie.",
    "Prośba o pomoc — dotyczy kilku osób w dziale.",
]
BODIES_EN = [
    "Hello, this started this morning and affects the whole team.",
    "Since yesterday's update we see an error message on start-up.",
]
REPLIES = [
    "Dziękujemy za zgłoszenie, sprawdzamy.", "Proszę o zrestartowanie urządzenia i informację.",
    "Thanks, we are looking into it.", "Technik będzie na miejscu jutro o 9:00.",
]
NOTES = [
    "Prawdopodobnie wina sterownika — sprawdzić wersję.", "Klient kluczowy, priorytet.",
    "Checked logs: disk almost full on the file server.",
]
WORK_DONE = [
    "Diagnoza zdalna, restart usługi.", "Wymiana tonera i test wydruku.",
    "Konfiguracja VPN na laptopie.", "Checked backups and cleaned up the disk.",
    "Dojazd do klienta.", "Rozmowa z klientem, ustalenie zakresu.",
]


DEMO_MAIL_ADDRESS = "pomoc@pomocnik.example"


def seed_demo(db: Session, tickets: int = 200, seed: int = 42) -> bool:
    """Fill an empty database with demo data. Returns False when it was already there."""
    if db.exec(select(Organisation).where(Organisation.name == PROVIDER)).first():
        return False
    rng = random.Random(seed)
    pw = hash_password(DEMO_PASSWORD)
    provider = Organisation(name=PROVIDER, kind=OrgKind.PROVIDER)
    db.add(provider)
    db.flush()
    db.add(OrganisationDomain(organisation_id=provider.id, domain="pomocnik.example"))
    staff = []
    for email, name, role, lang in STAFF:
        u = User(email=email, full_name=name, password_hash=pw, role=role,
                 organisation_id=provider.id, language=lang)
        db.add(u)
        staff.append(u)
    clients: list[User] = []
    for org_name, (domain, people) in CLIENTS.items():
        org = Organisation(name=org_name, kind=OrgKind.CLIENT)
        db.add(org)
        db.flush()
        db.add(OrganisationDomain(organisation_id=org.id, domain=domain))
        for email, name, manager, lang in people:
            u = User(email=email, full_name=name, password_hash=pw, role=Role.CLIENT,
                     organisation_id=org.id, is_client_manager=manager, language=lang)
            db.add(u)
            clients.append(u)
    queues = [Queue(name=n, description=d, position=i) for i, (n, d) in enumerate(QUEUES)]
    db.add_all(queues)
    db.flush()
    # Mail to this address (built-in SMTP listener) becomes tickets in the first queue.
    db.add(MailChannel(address=DEMO_MAIL_ADDRESS, name="Pomoc / Help", queue_id=queues[0].id))
    org_terms = _sla_configuration(db)
    _subcontractor(db, pw, org_terms)
    technicians = [u for u in staff if u.role in (Role.TECHNICIAN, Role.COORDINATOR)]

    now = utcnow()
    statuses = [Status.NEW] * 3 + [Status.OPEN] * 5 + [Status.PENDING] * 2 + \
        [Status.RESOLVED] * 3 + [Status.CLOSED] * 4
    for seq in range(1, tickets + 1):
        requester = rng.choice(clients)
        english = requester.language == "en"
        created = now - timedelta(minutes=rng.randint(30, 60 * 24 * 60))
        status = rng.choice(statuses)
        t = Ticket(
            number=format_number(created.year, seq), subject=rng.choice(
                SUBJECTS_EN if english else SUBJECTS_PL),
            requester_id=requester.id, organisation_id=requester.organisation_id,
            queue_id=rng.choice(queues).id,
            assignee_id=None if status == Status.NEW else rng.choice(technicians).id,
            priority=rng.choices(Priority.ALL, weights=(2, 6, 3, 1))[0], status=status,
            channel=rng.choice(Channel.ALL), created_by_id=requester.id,
            created_at=created, updated_at=created,
        )
        contract_id, type_ids = org_terms[requester.organisation_id]
        t.contract_id, t.ticket_type_id = contract_id, rng.choice(type_ids)
        db.add(t)
        db.flush()
        events = [TimelineEvent(
            ticket_id=t.id, kind=EventKind.CREATED, author_id=requester.id, is_public=True,
            body=rng.choice(BODIES_EN if english else BODIES_PL),
            data={"channel": t.channel}, created_at=created)]
        at = created
        if status != Status.NEW:
            at += timedelta(minutes=rng.randint(5, 240))
            events.append(TimelineEvent(
                ticket_id=t.id, kind=EventKind.ASSIGNMENT, author_id=t.assignee_id,
                data={"old": None, "new": t.assignee_id}, created_at=at))
            at += timedelta(minutes=rng.randint(1, 120))
            events.append(TimelineEvent(
                ticket_id=t.id, kind=EventKind.REPLY, author_id=t.assignee_id, is_public=True,
                body=rng.choice(REPLIES), created_at=at))
            if rng.random() < 0.4:
                at += timedelta(minutes=rng.randint(1, 60))
                events.append(TimelineEvent(
                    ticket_id=t.id, kind=EventKind.NOTE, author_id=t.assignee_id,
                    body=rng.choice(NOTES), created_at=at))
            if status != Status.OPEN:
                at += timedelta(minutes=rng.randint(10, 600))
                events.append(TimelineEvent(
                    ticket_id=t.id, kind=EventKind.STATUS, author_id=t.assignee_id,
                    is_public=True, data={"old": Status.OPEN, "new": status}, created_at=at))
        at = min(at, now)
        t.updated_at = at
        db.add_all(events)
    year_counts: dict[int, int] = {}
    for t in db.exec(select(Ticket)):
        year_counts[int(t.number[:4])] = max(year_counts.get(int(t.number[:4]), 0),
                                             int(t.number[5:]))
    # One sequence across years in demo data keeps numbers unique; continue after the max.
    top = max(year_counts.values(), default=0)
    for year in set(year_counts) | {now.year}:
        db.add(TicketCounter(year=year, last_value=top))
    db.flush()
    for ticket_id in db.exec(select(Ticket.id)).all():
        sla.recompute_ticket(db, ticket_id, now)
    _work_time(db, rng, now)
    db.commit()
    return True


def _work_time(db: Session, rng: random.Random, now: datetime) -> None:
    """Contract rates and a few work entries on each ticket someone works on (so the
    work panel and the invoicing report have something to show). The last client's
    contract is left unpriced and without work: what a new contract looks like."""
    contracts = db.exec(select(Contract).order_by(col(Contract.id))).all()
    priced = [c.id for c in contracts[:-1]]
    for contract_id in priced:
        db.add(ContractRate(contract_id=contract_id, hourly_rate_minor=18000,
                            rounding="up", rounding_minutes=15, minimum_visit_minutes=60,
                            after_hours_pct=150, weekend_pct=200))
    kinds = db.exec(select(ActivityType).order_by(ActivityType.sort_order)).all()
    db.flush()
    for t in db.exec(select(Ticket).where(col(Ticket.assignee_id).is_not(None),
                                          col(Ticket.contract_id).in_(priced))).all():
        for _ in range(rng.randint(1, 3)):
            minutes = rng.choice((15, 20, 30, 45, 60, 90, 120, 180))
            start = t.created_at + timedelta(minutes=rng.randint(10, 60 * 24 * 3))
            start = min(start, now - timedelta(minutes=minutes)).replace(second=0,
                                                                           microsecond=0)
            kind = rng.choice(kinds)
            entry = WorkEntry(
                ticket_id=t.id, user_id=t.assignee_id, organisation_id=t.organisation_id,
                contract_id=t.contract_id, activity_type_id=kind.id,
                work_date=worktime_parsing.local_date(start, "Europe/Warsaw"),
                started_at=start, ended_at=start + timedelta(minutes=minutes),
                seconds=minutes * 60, description=rng.choice(WORK_DONE),
                billable=kind.billable, on_site=kind.on_site, created_by_id=t.assignee_id,
                created_at=start + timedelta(minutes=minutes),
                updated_at=start + timedelta(minutes=minutes))
            worktime.rate_entry(db, entry)
            db.add(entry)


def _subcontractor(db: Session, pw: str, org_terms: dict[int, tuple[int, list[int]]]) -> None:
    """The subcontractor organisation, its people, and the first client's contract it
    serves (the key contract of the water utility)."""
    name, domain, people = SUBCONTRACTOR
    org = Organisation(name=name, kind=OrgKind.SUBCONTRACTOR)
    db.add(org)
    db.flush()
    db.add(OrganisationDomain(organisation_id=org.id, domain=domain))
    for email, full_name, lang in people:
        db.add(User(email=email, full_name=full_name, password_hash=pw,
                    role=Role.SUBCONTRACTOR, organisation_id=org.id, language=lang))
    first_client = min(org_terms)
    db.add(ContractSubcontractor(contract_id=org_terms[first_client][0],
                                 organisation_id=org.id))
    db.flush()


def _sla_configuration(db: Session) -> dict[int, tuple[int, list[int]]]:
    """Calendars, one contract per client organisation and three ticket types each.
    Returns organisation id -> (contract id, ticket type ids)."""
    office = BusinessCalendar(name="Biuro Pn–Pt 8–16 (cut-off 15:00)", cutoff=time(15))
    round_clock = BusinessCalendar(name="24/7", always_open=True, holiday_country=None)
    db.add_all([office, round_clock])
    db.flush()
    db.add_all(CalendarWindow(calendar_id=office.id, weekday=d, start=time(8), end=time(16))
               for d in range(5))
    terms: dict[int, tuple[int, list[int]]] = {}
    orgs = db.exec(select(Organisation).where(Organisation.kind == OrgKind.CLIENT)
                   .order_by(Organisation.id)).all()
    for n, org in enumerate(orgs):
        key = n == 0  # the water utility runs 24/7 and is a key contract
        contract = Contract(organisation_id=org.id, name=f"Umowa serwisowa — {org.name}",
                            valid_from=date(2025, 1, 1), is_key=key,
                            calendar_id=(round_clock if key else office).id)
        db.add(contract)
        db.flush()
        types = [
            TicketType(contract_id=contract.id, name_pl="Awaria", name_en="Failure",
                       reaction_minutes=60, resolution_minutes=480),
            TicketType(contract_id=contract.id, name_pl="Przegląd", name_en="Inspection",
                       resolution_minutes=2400),
            TicketType(contract_id=contract.id, name_pl="Konsultacja", name_en="Consultation",
                       reaction_minutes=240, resolution_minutes=960),
        ]
        db.add_all(types)
        db.flush()
        db.add(TicketTypeTarget(ticket_type_id=types[0].id, priority=Priority.URGENT,
                                reaction_minutes=15, resolution_minutes=240))
        terms[org.id] = (contract.id, [t.id for t in types])
    return terms


def demo_logins() -> list[tuple[str, str, str]]:
    """(role label, e-mail, password) for the start-up banner."""
    rows = [(role, email, DEMO_PASSWORD) for email, _n, role, _l in STAFF]
    rows += [(Role.SUBCONTRACTOR, email, DEMO_PASSWORD) for email, *_r in SUBCONTRACTOR[2]]
    for _org, (_d, people) in CLIENTS.items():
        for email, _n, manager, _l in people[:2]:
            rows.append(("client-manager" if manager else "client", email, DEMO_PASSWORD))
    return rows


def demo_emails() -> list[str]:
    """Every account the demo seed creates."""
    return [email for email, *_rest in STAFF] + [
        email for email, *_rest in SUBCONTRACTOR[2]] + [
        email for _org, (_d, people) in CLIENTS.items() for email, *_rest in people]


def live_demo_accounts(db: Session) -> list[str]:
    """Demo accounts that can still sign in with the published demo password. A
    production start (POMOCNIK_DEMO=0) refuses to run while there are any."""
    from helpdesk_app.domain.auth import password_matches

    rows = db.exec(select(User).where(User.email.in_(demo_emails()),  # type: ignore[attr-defined]
                                      User.is_active == True)).all()  # noqa: E712
    known: dict[str, bool] = {}  # the seed gives every demo account the same hash
    out = []
    for user in rows:
        if user.password_hash not in known:
            known[user.password_hash] = password_matches(user.password_hash, DEMO_PASSWORD)
        if known[user.password_hash]:
            out.append(user.email)
    return sorted(out)


def disable_demo_accounts(db: Session) -> int:
    """Deactivate the demo accounts that still have the demo password, remove that password
    and end their sessions; commits. Returns how many. Their tickets stay (history)."""
    from helpdesk_app.domain.auth import NO_PASSWORD, end_sessions

    emails = set(live_demo_accounts(db))
    users = db.exec(select(User).where(User.email.in_(emails))).all()  # type: ignore[attr-defined]
    for user in users:
        user.is_active = False
        user.password_hash = NO_PASSWORD
        db.add(user)
        end_sessions(db, user.id)
    db.commit()
    return len(users)
