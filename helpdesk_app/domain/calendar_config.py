"""Business calendars as admins configure them: validation, saving, the admin page's
form parsing ("8:00-16:00", closed days) and the list view. The time arithmetic itself
is in `calendars.py`; contracts and ticket types are in `contracts.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, time

from sqlmodel import Session, col, delete, func, select

from helpdesk_app.domain import access, audit, calendars, permissions
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.errors import FieldChecks, Invalid, NotFound
from helpdesk_app.models import BusinessCalendar, CalendarClosedDate, CalendarWindow, Contract


def _name(value: str, key: str) -> str:
    value = " ".join((value or "").split())
    if not value:
        raise Invalid(key)
    return value[:200]


@dataclass
class CalendarInput:
    name: str
    timezone: str = "Europe/Warsaw"
    windows: list[tuple[int, time, time]] = field(default_factory=list)  # weekday, start, end
    always_open: bool = False
    holiday_country: str | None = "PL"
    closed_dates: list[tuple[date, str]] = field(default_factory=list)
    cutoff: time | None = None


def calendar_spec(data: CalendarInput) -> calendars.CalendarSpec:
    return calendars.CalendarSpec(
        timezone=data.timezone,
        windows=tuple(calendars.Window(w, s, e) for w, s, e in data.windows),
        always_open=data.always_open,
        holiday_country=data.holiday_country or None,
        closed_dates=frozenset(d for d, _n in data.closed_dates),
        cutoff=data.cutoff,
    )


def _check_spec(checks: FieldChecks, spec: calendars.CalendarSpec) -> None:
    """The spec's time zone, holiday country and working time, each on its own field
    (`calendars.validate` stops at the first problem, so each part is checked alone)."""
    checks.run("timezone", calendars.validate,
               replace(spec, holiday_country=None, always_open=True))
    checks.run("holiday_country", calendars.validate,
               replace(spec, timezone="UTC", always_open=True))
    if "windows" not in checks.errors:  # not when the typed windows did not even parse
        checks.run("windows", calendars.validate,
                   replace(spec, timezone="UTC", holiday_country=None))


def save_calendar(db: Session, actor: Actor, data: CalendarInput,
                  calendar_id: int | None = None, *, checks: FieldChecks | None = None) -> int:
    """Create or replace a calendar. Bumps its version so SLA due dates get recomputed.
    Every bad field is reported at once (FormInvalid), with the form's own parsing
    problems (`checks`) among them."""
    access.require_permission(actor, permissions.CONFIG_SLA)
    checks = checks or FieldChecks()
    name = checks.run("name", _name, data.name, "calendar.name_required")
    if name is not None:
        clash = db.exec(select(BusinessCalendar).where(BusinessCalendar.name == name)).first()
        if clash is not None and clash.id != calendar_id:
            checks.fail("name", "calendar.name_taken", name=name)
    _check_spec(checks, calendar_spec(data))
    checks.done()
    before: dict | None = None
    if calendar_id is None:
        row = BusinessCalendar(name=name)
    else:
        row = db.get(BusinessCalendar, calendar_id)
        if row is None:
            raise NotFound()
        before = _audited(db, row)
        row.version += 1
        db.exec(delete(CalendarWindow).where(col(CalendarWindow.calendar_id) == calendar_id))
        db.exec(delete(CalendarClosedDate).where(
            col(CalendarClosedDate.calendar_id) == calendar_id))
    row.name, row.timezone, row.always_open = name, data.timezone, data.always_open
    row.holiday_country, row.cutoff = data.holiday_country or None, data.cutoff
    db.add(row)
    db.flush()
    db.add_all(CalendarWindow(calendar_id=row.id, weekday=w, start=s, end=e)
               for w, s, e in data.windows)
    db.add_all(CalendarClosedDate(calendar_id=row.id, day=d, name=n[:120])
               for d, n in dict(data.closed_dates).items())
    db.flush()
    audit.record_change(db, actor, "config.sla.calendar.updated" if before else
                        "config.sla.calendar.created",
                        target=audit.Target("calendar", row.id, name),
                        details=audit.changes(before, _audited(db, row), _AUDITED))
    db.commit()
    return row.id


_AUDITED = ("name", "timezone", "always_open", "holiday_country", "cutoff", "windows",
            "closed_dates")


def _audited(db: Session, row: BusinessCalendar) -> dict:
    """The calendar as the audit log compares it (windows "1 08:00-16:00", closed days)."""
    windows = db.exec(select(CalendarWindow).where(CalendarWindow.calendar_id == row.id)
                      .order_by(CalendarWindow.weekday, CalendarWindow.start)).all()
    closed = db.exec(select(CalendarClosedDate).where(
        CalendarClosedDate.calendar_id == row.id).order_by(CalendarClosedDate.day)).all()
    return {**audit.snapshot(row, _AUDITED[:5]),
            "windows": [f"{w.weekday} {_hhmm(w.start)}-{_hhmm(w.end)}" for w in windows],
            "closed_dates": [d.day.isoformat() for d in closed]}


# --------------------------------------------------------------------------- form parsing

_TIME_RE = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*$")


def parse_time(text: str, *, field_name: str) -> time | None:
    """'8:00', '08.30', '' → time / None; anything else is a clear error."""
    if not (text or "").strip():
        return None
    m = _TIME_RE.match(text)
    if not m or int(m.group(1)) > 24 or int(m.group(2)) > 59 or (
            int(m.group(1)) == 24 and int(m.group(2)) != 0):
        raise Invalid("calendar.time_format", field=field_name, value=text.strip()[:20])
    hour = int(m.group(1))
    return time(0) if hour == 24 else time(hour, int(m.group(2)))


def parse_windows(per_weekday: dict[int, str]) -> list[tuple[int, time, time]]:
    """{0: '8:00-12:00, 13:00-16:00', ...} → windows. '24:00' and '0:00' both end a day."""
    windows = []
    for weekday, text in sorted(per_weekday.items()):
        for part in filter(None, (p.strip() for p in (text or "").split(","))):
            bits = re.split(r"\s*[-–]\s*", part)
            if len(bits) != 2:
                raise Invalid("calendar.window_format", value=part[:30])
            start = parse_time(bits[0], field_name=part)
            end = parse_time(bits[1], field_name=part)
            if start is None or end is None:
                raise Invalid("calendar.window_format", value=part[:30])
            windows.append((weekday, start, end))
    return windows


def parse_closed_dates(text: str) -> list[tuple[date, str]]:
    """One per line: '2026-12-31 Inwentaryzacja' (the name is optional)."""
    result = []
    for line in filter(None, (x.strip() for x in (text or "").splitlines())):
        day_text, _, name = line.partition(" ")
        try:
            day = date.fromisoformat(day_text)
        except ValueError:
            raise Invalid("calendar.date_format", value=line[:30]) from None
        result.append((day, name.strip()))
    return result


# --------------------------------------------------------------------------- reads


@dataclass(frozen=True)
class CalendarView:
    id: int
    name: str
    timezone: str
    always_open: bool
    holiday_country: str
    cutoff: str
    windows: dict[int, str]  # weekday -> "8:00-16:00, ..."
    closed_dates: str  # one per line
    contracts: int


def _hhmm(t: time) -> str:
    return f"{t.hour}:{t.minute:02d}"


def list_calendars(db: Session, actor: Actor) -> list[CalendarView]:
    access.require_permission(actor, permissions.CONFIG_SLA)
    cals = db.exec(select(BusinessCalendar).order_by(col(BusinessCalendar.name))).all()
    ids = [c.id for c in cals]
    windows: dict[int, dict[int, list[str]]] = {}
    closed: dict[int, list[str]] = {}
    usage: dict[int, int] = {}
    if ids:
        for w in db.exec(select(CalendarWindow).where(col(CalendarWindow.calendar_id).in_(ids))
                         .order_by(col(CalendarWindow.weekday), col(CalendarWindow.start))):
            windows.setdefault(w.calendar_id, {}).setdefault(w.weekday, []).append(
                f"{_hhmm(w.start)}-{_hhmm(w.end)}")
        for d in db.exec(select(CalendarClosedDate)
                         .where(col(CalendarClosedDate.calendar_id).in_(ids))
                         .order_by(col(CalendarClosedDate.day))):
            closed.setdefault(d.calendar_id, []).append(f"{d.day.isoformat()} {d.name}".strip())
        usage = dict(db.exec(select(Contract.calendar_id, func.count())
                             .where(col(Contract.calendar_id).in_(ids))
                             .group_by(Contract.calendar_id)).all())
    return [CalendarView(
        id=c.id, name=c.name, timezone=c.timezone, always_open=c.always_open,
        holiday_country=c.holiday_country or "", cutoff=_hhmm(c.cutoff) if c.cutoff else "",
        windows={d: ", ".join(v) for d, v in windows.get(c.id, {}).items()},
        closed_dates="\n".join(closed.get(c.id, [])), contracts=usage.get(c.id, 0),
    ) for c in cals]
