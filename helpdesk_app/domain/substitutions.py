"""Substitutions (issue 13): setting, changing and cancelling them, and what the pages show.

Who may set one: a staff member for their own absence; a coordinator or an admin for any
active staff member. The substitute is another active staff member.

What is refused (all problems of the form at once, `errors.FieldChecks`):
- the end not after the start, or already past (an end in the past is nothing to plan);
- an overlap with another planned or running substitution of the same absent person;
- a substitute who is away themself at any moment of the period (an overlapping
  substitution in which they are the absent one). Pick someone who is there;
- a cycle (the chain of substitutes would lead back to the absent person) — reported as
  such, although the rule above already rules it out, because it says more;
- a chain longer than substitution_cover.MAX_DEPTH hops. Chains themselves are fine: they
  arise when a substitute, later, plans their own absence (A → B exists, then B → C): A's
  work then goes to C (domain/substitution_cover.py).
A start in the past means "from now" and is stored as now. Once a substitution is in
force, its absent person, substitute and start are history: only the end, the note and the
notification choice can change; cancelling it ends it at once.

The scheduler starts and ends substitutions (domain/substitution_schedule.py); a new one
whose start has come starts in the same transaction, so "from now" works at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_
from sqlmodel import Session, col, select

from helpdesk_app.domain import audit, fields_parsing, substitution_cover
from helpdesk_app.domain import substitution_schedule as schedule
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.directory import Option
from helpdesk_app.domain.errors import FieldChecks, Forbidden, Invalid, NotFound
from helpdesk_app.i18n import format_datetime
from helpdesk_app.models import (
    FieldType,
    Role,
    Substitution,
    SubstitutionState,
    User,
)
from helpdesk_app.models.base import utcnow

NOTE_MAX = 500
MANAGERS = (Role.ADMIN, Role.COORDINATOR)  # may set substitutions for anybody on the staff
RECENT = timedelta(days=30)  # ended ones stay on the page this long
LIST_MAX = 200
AUDITED = ("absent_id", "substitute_id", "starts_at", "ends_at", "note",
           "absent_keeps_notifications")


@dataclass(frozen=True)
class SubstitutionForm:
    """What the form sends. `starts` / `ends`: text in the actor's format and time zone
    ("31.12.2026 14:30", ISO too) or aware datetimes."""

    absent_id: int | None
    substitute_id: int | None
    starts: str | datetime
    ends: str | datetime
    note: str = ""
    keeps_notifications: bool = False


@dataclass(frozen=True)
class SubstitutionView:
    id: int
    absent_id: int
    absent: str
    substitute_id: int
    substitute: str
    starts_at: datetime
    ends_at: datetime
    note: str
    keeps_notifications: bool
    state: str
    can_change: bool


@dataclass(frozen=True)
class AwayStatus:
    """A person's absence now or next: "away from … to …, substituted by …"."""

    substitution_id: int
    starts_at: datetime
    ends_at: datetime
    substitute: str
    active: bool


# --------------------------------------------------------------------------- who may


def is_manager(actor: Actor) -> bool:
    return actor.role in MANAGERS


def _require_staff(actor: Actor) -> None:
    if not actor.is_staff:
        raise Forbidden()


def _may_change(actor: Actor, absent_id: int) -> bool:
    return actor.is_staff and (absent_id == actor.user_id or is_manager(actor))


def _active_staff(db: Session, user_id: int | None) -> User | None:
    user = db.get(User, user_id) if user_id else None
    if user is None or user.role not in Role.STAFF or not user.is_active:
        return None
    return user


def people(db: Session, actor: Actor) -> tuple[list[Option], list[Option]]:
    """(whose absence the actor may set, who may substitute): active staff by name."""
    _require_staff(actor)
    staff = [Option(u.id, u.full_name) for u in db.exec(
        select(User).where(col(User.role).in_(Role.STAFF), col(User.is_active).is_(True))
        .order_by(col(User.full_name), col(User.id))).all()]
    absent = staff if is_manager(actor) else [o for o in staff if o.id == actor.user_id]
    return absent, staff


# --------------------------------------------------------------------------- checks


def _instant(value: str | datetime, tz: str) -> datetime:
    if isinstance(value, str) and not value.strip():
        raise Invalid("substitution.when_required")
    return fields_parsing.parse_value(FieldType.DATETIME, value, tz=tz)


def _open_overlapping(db: Session, start: datetime, end: datetime,
                      exclude: int | None) -> list[Substitution]:
    query = select(Substitution).where(col(Substitution.state).in_(SubstitutionState.OPEN),
                                       col(Substitution.starts_at) < end,
                                       col(Substitution.ends_at) > start)
    if exclude is not None:
        query = query.where(col(Substitution.id) != exclude)
    return list(db.exec(query).all())


def _leads_back(edges: list[Substitution], absent: int, substitute: int,
                start: datetime, end: datetime) -> bool:
    """Whether substitute → ... → absent during some moment of [start, end)."""
    todo = [(substitute, start, end, 0)]
    while todo:
        person, lo, hi, depth = todo.pop()
        if person == absent:
            return True
        if depth > len(edges):
            continue
        for e in edges:
            if e.absent_id == person and e.starts_at < hi and e.ends_at > lo:
                todo.append((e.substitute_id, max(lo, e.starts_at), min(hi, e.ends_at),
                             depth + 1))
    return False


def _depth_before(edges: list[Substitution], absent: int, start: datetime,
                  end: datetime) -> int:
    """The longest chain of substitutions leading to `absent` (… → X → absent) in force
    together with [start, end)."""
    best = 0
    todo = [(absent, start, end, 0, frozenset({absent}))]
    while todo:
        person, lo, hi, depth, seen = todo.pop()
        best = max(best, depth)
        for e in edges:
            if (e.substitute_id == person and e.absent_id not in seen
                    and e.starts_at < hi and e.ends_at > lo):
                todo.append((e.absent_id, max(lo, e.starts_at), min(hi, e.ends_at),
                             depth + 1, seen | {e.absent_id}))
    return best


def _period(sub: Substitution, actor: Actor) -> dict[str, str]:
    return {"start": format_datetime(sub.starts_at, actor.language, actor.timezone),
            "end": format_datetime(sub.ends_at, actor.language, actor.timezone)}


def _check(db: Session, actor: Actor, form: SubstitutionForm, now: datetime, *,
           existing: Substitution | None = None) -> tuple[User, User, datetime, datetime]:
    checks = FieldChecks()
    absent = _active_staff(db, form.absent_id)
    if form.absent_id is None:
        checks.fail("absent", "substitution.absent_required")
    elif absent is None:
        checks.fail("absent", "substitution.person_invalid")
    elif not _may_change(actor, absent.id):
        raise Forbidden()
    substitute = _active_staff(db, form.substitute_id)
    if form.substitute_id is None:
        checks.fail("substitute", "substitution.substitute_required")
    elif substitute is None:
        checks.fail("substitute", "substitution.person_invalid")
    elif absent is not None and substitute.id == absent.id:
        checks.fail("substitute", "substitution.self")
    start = checks.run("starts", _instant, form.starts, actor.timezone)
    end = checks.run("ends", _instant, form.ends, actor.timezone)
    if existing is not None and existing.state == SubstitutionState.ACTIVE:
        start = existing.starts_at  # in force: the start is history
    elif start is not None and start < now:
        start = now.replace(microsecond=0)  # "from now"
    if end is not None and end <= now:
        checks.fail("ends", "substitution.end_in_past")
    elif start is not None and end is not None and end <= start:
        checks.fail("ends", "substitution.end_before_start")
    if len(form.note or "") > NOTE_MAX:
        checks.fail("note", "substitution.note_too_long", max=NOTE_MAX)
    if absent is not None and substitute is not None and start is not None \
            and end is not None and end > start:
        _check_overlaps(db, actor, checks, absent, substitute, start, end,
                        existing.id if existing else None)
    checks.done()
    return absent, substitute, start, end


def _check_overlaps(db: Session, actor: Actor, checks: FieldChecks, absent: User,
                    substitute: User, start: datetime, end: datetime,
                    exclude: int | None) -> None:
    edges = _open_overlapping(db, start, end, exclude)
    mine = next((e for e in edges if e.absent_id == absent.id), None)
    if mine is not None:
        checks.fail("starts", "substitution.overlap", **_period(mine, actor))
    if _leads_back(edges, absent.id, substitute.id, start, end):
        checks.fail("substitute", "substitution.cycle", name=substitute.full_name)
        return
    theirs = next((e for e in edges if e.absent_id == substitute.id), None)
    if theirs is not None:
        checks.fail("substitute", "substitution.substitute_away", name=substitute.full_name,
                    **_period(theirs, actor))
    elif _depth_before(edges, absent.id, start, end) + 1 > substitution_cover.MAX_DEPTH:
        checks.fail("substitute", "substitution.chain_too_long",
                    max=substitution_cover.MAX_DEPTH)


# --------------------------------------------------------------------------- writes


def _names(db: Session, *ids: int) -> dict[int, str]:
    return dict(db.exec(select(User.id, User.full_name)
                        .where(col(User.id).in_(sorted(set(ids))))).all())


def names(db: Session, user_ids: Iterable[int]) -> dict[int, str]:
    """user id -> full name (the pages' "substituting for …")."""
    ids = [int(u) for u in user_ids]
    return _names(db, *ids) if ids else {}


def _target(db: Session, sub: Substitution) -> audit.Target:
    return audit.Target("substitution", sub.id,
                        schedule.label(_names(db, sub.absent_id, sub.substitute_id), sub))


def _details(db: Session, sub: Substitution) -> dict:
    names = _names(db, sub.absent_id, sub.substitute_id)
    return {"absent": names.get(sub.absent_id, ""),
            "substitute": names.get(sub.substitute_id, ""),
            "starts_at": sub.starts_at, "ends_at": sub.ends_at, "note": sub.note,
            "absent_keeps_notifications": sub.absent_keeps_notifications}


def create(db: Session, actor: Actor, form: SubstitutionForm, *,
           now: datetime | None = None) -> int:
    """Plan a substitution (see module doc for the rules). Commits; returns its id."""
    _require_staff(actor)
    now = now or utcnow()
    absent, substitute, start, end = _check(db, actor, form, now)
    sub = Substitution(absent_id=absent.id, substitute_id=substitute.id, starts_at=start,
                       ends_at=end, note=(form.note or "").strip(),
                       absent_keeps_notifications=bool(form.keeps_notifications),
                       state=SubstitutionState.SCHEDULED, created_by_id=actor.user_id,
                       created_at=now)
    db.add(sub)
    db.flush()
    audit.record(db, actor, "substitution.created", target=_target(db, sub),
                 details=_details(db, sub))
    if start <= now:  # "from now": in force at once, exactly as the scheduler would do it
        schedule.start_due(db, now, ids=[sub.id], actor=actor)
    db.commit()
    return sub.id


def _load_changeable(db: Session, actor: Actor, substitution_id: int) -> Substitution:
    _require_staff(actor)
    sub = db.get(Substitution, substitution_id)
    if sub is None or not (_may_change(actor, sub.absent_id)
                           or sub.substitute_id == actor.user_id):
        raise NotFound("substitution.not_found")
    if not _may_change(actor, sub.absent_id):  # the substitute sees it, may not change it
        raise Forbidden()
    if sub.state not in SubstitutionState.OPEN:
        raise Invalid("substitution.already_over")
    return sub


def edit(db: Session, actor: Actor, substitution_id: int, form: SubstitutionForm, *,
         now: datetime | None = None) -> None:
    """Change a planned substitution, or the end / note / notification choice of one in
    force (see module doc). Commits."""
    now = now or utcnow()
    sub = _load_changeable(db, actor, substitution_id)
    if sub.state == SubstitutionState.ACTIVE and (
            form.absent_id != sub.absent_id or form.substitute_id != sub.substitute_id):
        raise Invalid("substitution.active_fixed")
    _absent, substitute, start, end = _check(db, actor, form, now, existing=sub)
    before = audit.snapshot(sub, AUDITED)
    if sub.absent_id != form.absent_id:  # a manager moved it to another person
        sub.absent_id = form.absent_id
    sub.substitute_id, sub.starts_at, sub.ends_at = substitute.id, start, end
    sub.note = (form.note or "").strip()
    sub.absent_keeps_notifications = bool(form.keeps_notifications)
    db.add(sub)
    db.flush()
    audit.record_change(db, actor, "substitution.updated", target=_target(db, sub),
                        details=audit.changes(before, sub, AUDITED))
    if sub.state == SubstitutionState.SCHEDULED and start <= now:
        schedule.start_due(db, now, ids=[sub.id], actor=actor)
    db.commit()


def cancel(db: Session, actor: Actor, substitution_id: int, *,
           now: datetime | None = None) -> None:
    """Withdraw a planned substitution, or end one in force now (access and notifications
    go back at once). Commits."""
    now = now or utcnow()
    _cancel(db, actor, _load_changeable(db, actor, substitution_id), now)
    db.commit()


def cancel_for_user(db: Session, actor: Actor, user_id: int, now: datetime | None = None
                    ) -> int:
    """A staff member was deactivated: every substitution still to come or running in
    which they are the absent person or the substitute is cancelled (a deactivated
    substitute covers nobody; a deactivated person's absence needs no cover). Called by
    the user admin, who already checked the actor; writes in the caller's transaction.
    Returns how many were cancelled."""
    now = now or utcnow()
    subs = db.exec(select(Substitution).where(
        col(Substitution.state).in_(SubstitutionState.OPEN),
        or_(Substitution.absent_id == user_id, Substitution.substitute_id == user_id))
        .order_by(col(Substitution.id))).all()
    for sub in subs:
        _cancel(db, actor, sub, now, reason="user_deactivated")
    return len(subs)


def _cancel(db: Session, actor: Actor, sub: Substitution, now: datetime,
            reason: str = "") -> None:
    was = sub.state
    sub.state = SubstitutionState.CANCELLED
    sub.ended_at = now if was == SubstitutionState.ACTIVE else None
    db.add(sub)
    db.flush()
    details = {**_details(db, sub), "state": was}
    if reason:
        details["reason"] = reason
    audit.record(db, actor, "substitution.cancelled", target=_target(db, sub),
                 details=details)
    if was == SubstitutionState.ACTIVE:
        schedule.finish(db, sub, now)


# --------------------------------------------------------------------------- reads


def list_for(db: Session, actor: Actor, now: datetime | None = None
             ) -> list[SubstitutionView]:
    """What the substitutions page lists: the actor's own absences and the ones they
    stand in for; coordinators and admins every one not over for long. Newest first."""
    _require_staff(actor)
    now = now or utcnow()
    query = select(Substitution).where(or_(col(Substitution.ends_at) > now - RECENT,
                                           col(Substitution.state).in_(SubstitutionState.OPEN)))
    if not is_manager(actor):
        query = query.where(or_(Substitution.absent_id == actor.user_id,
                                Substitution.substitute_id == actor.user_id))
    rows = db.exec(query.order_by(col(Substitution.starts_at).desc(),
                                  col(Substitution.id).desc()).limit(LIST_MAX)).all()
    names = _names(db, *{p for r in rows for p in (r.absent_id, r.substitute_id)}) \
        if rows else {}
    return [SubstitutionView(
        id=r.id, absent_id=r.absent_id, absent=names.get(r.absent_id, ""),
        substitute_id=r.substitute_id, substitute=names.get(r.substitute_id, ""),
        starts_at=r.starts_at, ends_at=r.ends_at, note=r.note,
        keeps_notifications=r.absent_keeps_notifications, state=r.state,
        can_change=r.state in SubstitutionState.OPEN and _may_change(actor, r.absent_id))
        for r in rows]


def away_status(db: Session, user_id: int, now: datetime | None = None) -> AwayStatus | None:
    """The person's absence in force, else the next planned one (profile line)."""
    now = now or utcnow()
    row = db.exec(select(Substitution).where(
        Substitution.absent_id == user_id,
        col(Substitution.state).in_(SubstitutionState.OPEN),
        col(Substitution.ends_at) > now)
        .order_by(col(Substitution.starts_at)).limit(1)).first()
    if row is None:
        return None
    name = _names(db, row.substitute_id).get(row.substitute_id, "")
    return AwayStatus(row.id, row.starts_at, row.ends_at, name,
                      row.state == SubstitutionState.ACTIVE)
