"""The SLA board for coordinators and admins: counts per SLA state, the at-risk list,
breaches today / this week, compliance per contract and per ticket type, a daily chart.

Who sees what: every figure counts the tickets of `access.ticket_scope(actor)` only - all
of them for admins and coordinators, a queue-limited role's queues (and what is assigned
to them), and for a subcontractor the tickets handed to their organisation now. A
subcontractor's board leaves out the desk's names behind the figures: the at-risk rows
carry no assignee or contract, and there is no compliance per contract or ticket type
(`SlaBoard.desk` says which board it is).

Everything is aggregated in SQL over indexed columns; the only ticket rows that reach
Python are the at-risk page (at most 4 x `at_risk_limit` candidates, see `_at_risk`).
The other queries return group rows only: states, contract x ticket type pairs, days,
clocks. At 1,000,000 tickets the whole call takes ~100 ms on SQLite
(benchmarks/sla_board.py; it needs the indexes of migration 0004).

Definitions (the UI's tooltips should say the same):

* **Active** tickets: status whose `TicketStatus.sla_effect` is not "stops" (read from the
  status table, never from status names).
* **Buckets** (the cards; `bucket` is the one definition, `_risky` its SQL form):
  "at_risk", "on_time" (running, not at risk), "breached", "paused". The at-risk card
  counts exactly the tickets of the at-risk list, and the list's rows say "at risk".
* **At risk**: active tickets in SLA state "warning", plus "running" ones whose next
  deadline is within `at_risk_within` (default 2 h) of `now`. The next deadline is the
  reaction deadline while the ticket is unanswered (when it comes before the resolution
  deadline), otherwise the resolution deadline. Sorted by that deadline, soonest first.
  Breached tickets are not "at risk" — they have their own count.
* **Breaches today / this week**: `SlaAlert` rows with level "breach" whose `point_at`
  (the deadline that was missed) falls on the local calendar day / ISO week (Monday to
  Sunday) of `now` in `tz`. `point_at` rather than `created_at`: after a scheduler outage
  the catch-up run records yesterday's breaches today, and they still belong to yesterday.
* **Period**: the last `period_days` local calendar days including today, i.e. from local
  midnight `period_days - 1` days ago up to `now`. Compliance and chart count the same
  tickets, so the chart's bars add up to the overall figure.
* **Compliance**: among tickets resolved in the period (`resolved_at`) whose SLA ended
  "met" or "breached" (tickets without targets, state "none", are left out):
  met / (met + breached).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import and_, case, func, literal, or_, union_all
from sqlmodel import Session, col, select

from helpdesk_app.domain import access, permissions
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.errors import Forbidden, Invalid
from helpdesk_app.models import (
    AlertClock,
    AlertLevel,
    Contract,
    Organisation,
    Role,
    SlaAlert,
    SlaEffect,
    Ticket,
    TicketStatus,
    TicketType,
    User,
)

SLA_STATES = ("none", "running", "warning", "breached", "paused", "met")
BOARD_ROLES = (Role.ADMIN, Role.COORDINATOR)  # built-in staff with reports.view (+ subcontractors)
PERIOD_DAYS_MAX = 366
AT_RISK_LIMIT_MAX = 200
AT_RISK_WITHIN = timedelta(hours=2)
ON_TIME, AT_RISK, BREACHED, PAUSED = "on_time", "at_risk", "breached", "paused"
BUCKETS = (ON_TIME, AT_RISK, BREACHED, PAUSED)


def bucket(sla_state: str, next_due: datetime | None, now: datetime,
           within: timedelta = AT_RISK_WITHIN) -> str | None:
    """The board's bucket of an active ticket: the one definition of "at risk" (warning,
    or running with the next deadline within `within`), "on time" (any other running),
    "breached", "paused"; None for no SLA / met. `_risky` is the same rule in SQL."""
    if sla_state == "warning":
        return AT_RISK
    if sla_state == "running":
        return AT_RISK if next_due is not None and next_due <= now + within else ON_TIME
    if sla_state in (BREACHED, PAUSED):
        return sla_state
    return None


# --------------------------------------------------------------------------- views


@dataclass(frozen=True)
class AtRiskRow:
    id: int
    number: str
    subject: str
    organisation: str
    assignee: str  # "" when unassigned
    sla_state: str  # warning / running
    due_at: datetime  # the next deadline (UTC)
    clock: str  # "reaction" / "resolution": whose deadline `due_at` is
    is_key: bool
    contract: str


@dataclass(frozen=True)
class BreachCounts:
    today: int
    week: int
    # per clock ("reaction" / "resolution"), both keys always present
    today_by_clock: dict[str, int]
    week_by_clock: dict[str, int]
    day_start: datetime  # UTC instants of the local boundaries used
    week_start: datetime


@dataclass(frozen=True)
class Compliance:
    met: int
    breached: int

    @property
    def total(self) -> int:
        return self.met + self.breached

    @property
    def percent(self) -> float | None:
        """Share met, 0–100, one decimal; None when nothing was resolved under an SLA."""
        return round(100.0 * self.met / self.total, 1) if self.total else None


@dataclass(frozen=True)
class ContractCompliance:
    contract_id: int
    name: str
    is_key: bool
    figures: Compliance


@dataclass(frozen=True)
class TypeCompliance:
    ticket_type_id: int
    name_pl: str
    name_en: str
    contract_id: int | None
    contract: str
    figures: Compliance


@dataclass(frozen=True)
class ChartDay:
    day: date  # local calendar day
    met: int  # resolved on time
    breached: int


@dataclass(frozen=True)
class SlaBoard:
    now: datetime
    tz: str
    counts: dict[str, int]  # every SLA state, over active tickets
    active_total: int
    buckets: dict[str, int]  # the cards, by `bucket`: buckets[AT_RISK] == at_risk_total
    at_risk: list[AtRiskRow]
    at_risk_total: int
    breaches: BreachCounts
    period_start: date  # first local day of the period
    period_end: date  # today (local)
    overall: Compliance
    by_contract: list[ContractCompliance]  # worst compliance first
    by_type: list[TypeCompliance]
    chart: list[ChartDay] = field(default_factory=list)  # one per day, oldest first
    desk: bool = True  # False: a subcontractor's board (no assignees, contracts, types)


# --------------------------------------------------------------------------- helpers


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The UTC instant at which local `day` begins (midnight exists in every DST rule we
    use; zoneinfo resolves it either way)."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def _active_statuses(db: Session) -> list[str]:
    return list(db.exec(
        select(TicketStatus.key).where(TicketStatus.sla_effect != SlaEffect.STOPS)
    ).all())


def _next_due() -> tuple[Any, Any]:
    """SQL for (next deadline, which clock): reaction while unanswered and earlier,
    otherwise resolution (same rule as the ticket list's badge)."""
    reaction_first = and_(
        col(Ticket.first_response_at).is_(None),
        col(Ticket.reaction_due_at).is_not(None),
        or_(col(Ticket.resolution_due_at).is_(None),
            col(Ticket.reaction_due_at) < col(Ticket.resolution_due_at)),
    )
    due = case((reaction_first, col(Ticket.reaction_due_at)),
               else_=col(Ticket.resolution_due_at))
    clock = case((reaction_first, literal(AlertClock.REACTION)),
                 else_=literal(AlertClock.RESOLUTION))
    return due, clock


def _aware(value: datetime | None) -> datetime | None:
    """Deadlines come back aware from the column type; a value read through a UNION on a
    driver that loses the type is naive UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _names(db: Session, model: Any, ids: set[int], *attrs: str) -> dict[int, tuple]:
    if not ids:
        return {}
    columns = [getattr(model, a) for a in attrs]
    return {row[0]: tuple(row[1:]) for row in db.exec(
        select(model.id, *columns).where(col(model.id).in_(ids))).all()}


# --------------------------------------------------------------------------- board


def board(db: Session, actor: Actor, now: datetime, *, period_days: int = 30,
          tz: str = "Europe/Warsaw", at_risk_limit: int = 20,
          at_risk_within: timedelta = AT_RISK_WITHIN) -> SlaBoard:
    """All figures of the SLA board at instant `now` (aware), days counted in `tz`."""
    # built-in admins and coordinators, subcontractors (their handed tickets); custom roles
    # by their "reports" permission
    if not access.has(actor, permissions.REPORTS_VIEW):
        raise Forbidden()
    desk = actor.is_staff  # the names behind the figures are the desk's business
    if now.tzinfo is None:
        raise Invalid()
    now = now.astimezone(UTC)
    try:
        zone = ZoneInfo(tz)
    except (ValueError, ZoneInfoNotFoundError):
        raise Invalid() from None
    period_days = max(1, min(int(period_days), PERIOD_DAYS_MAX))
    limit = max(1, min(int(at_risk_limit), AT_RISK_LIMIT_MAX))
    scope = access.ticket_scope(actor)
    active = col(Ticket.status).in_(_active_statuses(db))

    # 1. counts per SLA state over active tickets: one GROUP BY
    # (grouped by status too: the groups then come straight out of the (status, sla_state)
    # index in order; grouped by state alone SQLite walks a whole sla_state index instead)
    counts = dict.fromkeys(SLA_STATES, 0)
    for _status, state, n in db.exec(
        select(Ticket.status, Ticket.sla_state, func.count()).where(scope, active)
        .group_by(Ticket.status, Ticket.sla_state)
    ).all():
        counts[state] = counts.get(state, 0) + n

    # 2. at risk: warning, or running with the next deadline within the horizon
    at_risk, at_risk_total = _at_risk(db, scope, active, now + at_risk_within, limit,
                                      desk=desk)

    # 3. breaches on the local day / ISO week of `now`
    today = now.astimezone(zone).date()
    breaches = _breaches(db, scope, zone, today)

    # 4 + 5. compliance (one GROUP BY) and chart (one UNION ALL of per-day ranges) over
    # the tickets resolved in the period
    first_day = today - timedelta(days=period_days - 1)
    overall, by_contract, by_type, chart = _compliance(db, scope, zone, first_day, today, now)
    if not desk:
        by_contract, by_type = [], []

    # the cards: the at-risk list's own total, and the running tickets that are not in it
    running_at_risk = at_risk_total - counts.get("warning", 0)
    buckets = {ON_TIME: counts.get("running", 0) - running_at_risk, AT_RISK: at_risk_total,
               BREACHED: counts.get("breached", 0), PAUSED: counts.get("paused", 0)}
    return SlaBoard(
        now=now, tz=tz, counts=counts, active_total=sum(counts.values()), buckets=buckets,
        at_risk=at_risk, at_risk_total=at_risk_total, breaches=breaches,
        period_start=first_day, period_end=today, overall=overall,
        by_contract=by_contract, by_type=by_type, chart=chart, desk=desk,
    )


def _risky(horizon: datetime) -> Any:
    """SQL: `bucket(...) == AT_RISK` (the next deadline is the earlier of the reaction
    deadline while unanswered and the resolution deadline, so "next <= horizon" is
    "either <= horizon")."""
    resolution, reaction = col(Ticket.resolution_due_at), col(Ticket.reaction_due_at)
    running = Ticket.sla_state == "running"
    return or_(Ticket.sla_state == "warning", and_(running, resolution <= horizon),
               and_(running, col(Ticket.first_response_at).is_(None), reaction <= horizon))


def _at_risk(db: Session, scope: Any, active: Any, horizon: datetime,
             limit: int, *, desk: bool) -> tuple[list[AtRiskRow], int]:
    """The `limit` at-risk tickets with the soonest next deadline, and how many there are.

    Sorting all at-risk tickets by the computed next deadline would read every one of
    them (thousands at 1M tickets). Instead four small index-ordered queries each return
    their first `limit` rows — warning / running, by resolution deadline and (unanswered
    only) by reaction deadline — and the page is merged from those. That is exact: the
    next deadline is never later than the column a query orders by, so a ticket missing
    from its query's first `limit` rows has `limit` tickets due before it. `desk` False:
    rows without assignee and contract (a subcontractor's board)."""
    due, clock = _next_due()
    resolution, reaction = col(Ticket.resolution_due_at), col(Ticket.reaction_due_at)
    unanswered = col(Ticket.first_response_at).is_(None)
    warning, running = Ticket.sla_state == "warning", Ticket.sla_state == "running"
    branches = [
        (resolution, [warning, resolution.is_not(None)]),
        (resolution, [running, resolution <= horizon]),
        (reaction, [warning, unanswered, reaction.is_not(None)]),
        (reaction, [running, unanswered, reaction <= horizon]),
    ]
    columns = (Ticket.id, Ticket.number, Ticket.subject, Ticket.organisation_id,
               Ticket.assignee_id, Ticket.contract_id, Ticket.sla_state, due.label("due"),
               clock.label("clock"))
    parts = [
        select(*columns).where(scope, active, *terms)
        .order_by(order_col, col(Ticket.id))
        # literal LIMIT: see docs/performance.md (SQLite plans for a known page size)
        .limit(literal(limit, literal_execute=True)).subquery()
        for order_col, terms in branches
    ]
    merged = union_all(*(select(*p.c) for p in parts)).subquery()
    found = {r.id: r for r in db.exec(select(*merged.c)).all()}
    never = datetime.max.replace(tzinfo=UTC)
    rows = sorted(found.values(), key=lambda r: (_aware(r.due) or never, r.id))[:limit]

    total = db.exec(select(func.count()).select_from(Ticket)
                    .where(scope, active, _risky(horizon))).one()

    orgs = _names(db, Organisation, {r.organisation_id for r in rows}, "name")
    people = _names(db, User, {r.assignee_id for r in rows if r.assignee_id and desk},
                    "full_name")
    contracts = _names(db, Contract, {r.contract_id for r in rows if r.contract_id and desk},
                       "name", "is_key")
    result = []
    for r in rows:
        contract = contracts.get(r.contract_id, ("", False))
        result.append(AtRiskRow(
            id=r.id, number=r.number, subject=r.subject,
            organisation=orgs.get(r.organisation_id, ("",))[0],
            assignee=people.get(r.assignee_id, ("",))[0] if r.assignee_id else "",
            sla_state=r.sla_state, due_at=_aware(r.due), clock=r.clock,
            is_key=bool(contract[1]), contract=contract[0],
        ))
    return result, int(total)


def _breaches(db: Session, scope: Any, zone: ZoneInfo, today: date) -> BreachCounts:
    day_start = _local_midnight(today, zone)
    day_end = _local_midnight(today + timedelta(days=1), zone)
    monday = today - timedelta(days=today.weekday())
    week_start = _local_midnight(monday, zone)
    week_end = _local_midnight(monday + timedelta(days=7), zone)
    point = col(SlaAlert.point_at)
    in_today = case((and_(point >= day_start, point < day_end), 1), else_=0)
    today_by = dict.fromkeys((AlertClock.REACTION, AlertClock.RESOLUTION), 0)
    week_by = dict(today_by)
    for clock, n_today, n_week in db.exec(
        select(SlaAlert.clock, func.sum(in_today), func.count())
        .join(Ticket, col(Ticket.id) == col(SlaAlert.ticket_id))
        .where(SlaAlert.level == AlertLevel.BREACH, point >= week_start, point < week_end,
               scope)
        .group_by(SlaAlert.clock)
    ).all():
        today_by[clock] = today_by.get(clock, 0) + int(n_today or 0)
        week_by[clock] = week_by.get(clock, 0) + int(n_week)
    return BreachCounts(today=sum(today_by.values()), week=sum(week_by.values()),
                        today_by_clock=today_by, week_by_clock=week_by,
                        day_start=day_start, week_start=week_start)


def _compliance(db: Session, scope: Any, zone: ZoneInfo, first_day: date, today: date,
                now: datetime) -> tuple[Compliance, list[ContractCompliance],
                                        list[TypeCompliance], list[ChartDay]]:
    days = [first_day + timedelta(days=i) for i in range((today - first_day).days + 1)]
    # Local midnights computed here (DST-safe, the same SQL on SQLite and PostgreSQL).
    bounds = [_local_midnight(d, zone) for d in days] + [now]
    resolved = col(Ticket.resolved_at)
    met = func.sum(case((Ticket.sla_state == "met", 1), else_=0))
    breached = func.sum(case((Ticket.sla_state == "breached", 1), else_=0))
    ended = col(Ticket.sla_state).in_(("met", "breached"))

    # per contract x ticket type over the period: one GROUP BY (<= a few hundred groups)
    groups = db.exec(
        select(Ticket.contract_id, Ticket.ticket_type_id, met, breached)
        .where(scope, resolved >= bounds[0], resolved <= now, ended)
        .group_by(Ticket.contract_id, Ticket.ticket_type_id)
    ).all()
    # per local day: one statement, a UNION ALL of one index range per day (no sorting,
    # no date functions that differ between the databases)
    per_day = {int(i): (int(m or 0), int(b or 0)) for i, m, b in db.exec(union_all(*(
        select(literal(i, literal_execute=True), met, breached)
        .where(scope, resolved >= bounds[i],
               resolved < bounds[i + 1] if i + 1 < len(days) else resolved <= now, ended)
        for i in range(len(days))
    ))).all()}

    per_contract: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    per_type: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    type_contract: dict[int, int | None] = {}
    total = [0, 0]
    for contract_id, type_id, n_met, n_breached in groups:
        pair = (int(n_met or 0), int(n_breached or 0))
        targets = [total]
        if contract_id is not None:
            targets.append(per_contract[contract_id])
        if type_id is not None:
            targets.append(per_type[type_id])
            type_contract.setdefault(type_id, contract_id)
        for target in targets:
            target[0] += pair[0]
            target[1] += pair[1]

    types = _names(db, TicketType, set(per_type), "name_pl", "name_en", "contract_id")
    contract_ids = set(per_contract) | {t[2] for t in types.values() if t[2] is not None}
    contracts = _names(db, Contract, contract_ids, "name", "is_key")

    def worst_first(item: Any) -> tuple:
        pct = item.figures.percent
        return (pct is None, pct if pct is not None else 0.0, -item.figures.total)

    by_contract = sorted(
        (ContractCompliance(cid, contracts.get(cid, ("", False))[0],
                            bool(contracts.get(cid, ("", False))[1]), Compliance(*mb))
         for cid, mb in per_contract.items()),
        key=lambda c: (*worst_first(c), c.name, c.contract_id))
    by_type = []
    for tid, mb in per_type.items():
        name_pl, name_en, owner = types.get(tid, ("", "", type_contract.get(tid)))
        by_type.append(TypeCompliance(tid, name_pl, name_en, owner,
                                      contracts.get(owner, ("",))[0] if owner else "",
                                      Compliance(*mb)))
    by_type.sort(key=lambda t: (*worst_first(t), t.contract, t.name_pl, t.ticket_type_id))
    chart = [ChartDay(d, *per_day.get(i, (0, 0))) for i, d in enumerate(days)]
    return Compliance(*total), by_contract, by_type, chart
