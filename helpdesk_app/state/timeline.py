"""What a timeline item shows, built per event kind from one table of small title
functions (`TITLES`), in the viewer's language and time zone. The page renders each item
with the component for its kind (components/timeline_item.py)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from helpdesk_app.domain import tickets
from helpdesk_app.i18n import format_business_minutes, format_duration, format_size
from helpdesk_app.models import EventKind
from helpdesk_app.routes import ATTACHMENTS_API


@dataclasses.dataclass
class FileView:
    id: str = ""
    name: str = ""
    size: str = ""
    url: str = ""


@dataclasses.dataclass
class EventItem:
    id: str = ""
    kind: str = ""
    author: str = ""
    by_person: bool = False  # False: the system wrote it (no avatar)
    is_public: bool = True
    is_note: bool = False
    shared: bool = False  # internal, but shared with the subcontractor
    title: str = ""
    body: str = ""
    when: str = ""
    files: list[FileView] = dataclasses.field(default_factory=list)


@dataclass(frozen=True)
class Viewer:
    """How to say things to the person looking: translate, format a date, name a status."""

    t: Callable[..., str]
    dt: Callable[[datetime], str]
    lang: str
    status_labels: dict[str, str]
    names: dict[str, str]  # "user:3" / "queue:2" / "contract:1" / "type:4" -> name


Title = Callable[[Viewer, dict], str]


def _change(key: str, label: Callable[[Viewer, object], str]) -> Title:
    return lambda v, d: v.t(key, old=label(v, d.get("old")), new=label(v, d.get("new")))


def _named(prefix: str, none_key: str | None) -> Callable[[Viewer, object], str]:
    def label(v: Viewer, value: object) -> str:
        return v.names.get(f"{prefix}:{value}", v.t(none_key) if none_key else "")
    return label


def _status(v: Viewer, value: object) -> str:
    return v.status_labels.get(value, value)


def _priority(v: Viewer, value: object) -> str:
    return v.t(f"priority.{value}")


def _sla(v: Viewer, d: dict) -> dict[str, str]:
    due = d.get("due_at")
    return dict(clock=v.t(f"sla.clock.{d.get('clock')}"),
                due=v.dt(datetime.fromisoformat(due)) if due else "—")


def _escalation(v: Viewer, d: dict) -> str:
    action = d.get("action", "")
    old, new = d.get("old"), d.get("new")
    label = {"raise_priority": _priority, "move_queue": _named("queue", None),
             "assign_coordinator": _named("user", "ticket.unassigned")}.get(action)
    if label is not None:
        old, new = label(v, old), label(v, new)
    return v.t("event.escalation", action=v.t(f"escalation.{action}"), old=old, new=new)


def _checklist(v: Viewer, d: dict) -> str:
    label = d.get("label_en") if v.lang == "en" else None
    return v.t("event.checklist", label=label or d.get("label", ""),
               state=v.t("checklist.done" if d.get("done") else "checklist.undone"))


def _substitution(v: Viewer, d: dict) -> str:
    phase = "ended" if d.get("phase") == "ended" else "started"
    return v.t(f"event.substitution.{phase}", absent=d.get("absent") or "—",
               substitute=d.get("substitute") or "—")


def _handover(v: Viewer, d: dict) -> str:
    person = v.names.get(f"user:{d.get('user')}", "")
    why = f"_{d['reason']}" if d.get("reason") else ""
    return v.t(f"event.handover.{d.get('action')}{why}",
               organisation=v.names.get(f"org:{d.get('org')}", ""),
               person=f" ({person})" if person else "")


def _work(v: Viewer, d: dict) -> str:
    action = d.get("action") if d.get("action") in ("added", "changed", "removed") else "added"
    activity = v.names.get(f"activity_{'pl' if v.lang == 'pl' else 'en'}:{d.get('activity')}")
    return v.t(f"event.work.{action}", person=v.names.get(f"user:{d.get('user')}", "—"),
               duration=format_business_minutes(int(d.get("seconds") or 0) // 60, v.lang),
               activity=f" · {activity}" if activity else "")


# One entry per kind; a kind without one gets its plain name ("event.<kind>").
TITLES: dict[str, Title] = {
    EventKind.CREATED: lambda v, d: v.t("event.created",
                                        channel=v.t(f"channel.{d.get('channel')}")),
    EventKind.STATUS: _change("event.status", _status),
    EventKind.PRIORITY: _change("event.priority", _priority),
    EventKind.ASSIGNMENT: _change("event.assignment", _named("user", "ticket.unassigned")),
    EventKind.QUEUE: _change("event.queue", _named("queue", None)),
    EventKind.CONTRACT: _change("event.contract", _named("contract", "ticket.no_contract")),
    EventKind.TICKET_TYPE: lambda v, d: v.t("event.ticket_type",
                                            old=v.names.get(f"type:{d.get('old')}", "—"),
                                            new=v.names.get(f"type:{d.get('new')}", "—")),
    EventKind.FIELD: lambda v, d: v.t("event.field", field=d.get("field", ""),
                                      old=d.get("old") or "—", new=d.get("new") or "—"),
    EventKind.CHECKLIST: _checklist,
    EventKind.SLA_WARNING: lambda v, d: v.t("event.sla_warning", **_sla(v, d)),
    EventKind.SLA_BREACH: lambda v, d: v.t("event.sla_breach", **_sla(v, d)),
    EventKind.ESCALATION: _escalation,
    EventKind.SUBSTITUTION: _substitution,
    EventKind.HANDOVER: _handover,
    EventKind.WORK: _work,
}


def event_item(v: Viewer, e: tickets.EventView) -> EventItem:
    title = TITLES.get(e.kind, lambda v, _d: v.t(f"event.{e.kind}"))(v, e.data)
    return EventItem(
        id=str(e.id), kind=e.kind, author=e.author or v.t("event.system"),
        by_person=bool(e.author),
        is_public=e.is_public, is_note=e.kind == EventKind.NOTE, shared=e.shared,
        title=title, body=e.body,
        when=v.dt(e.created_at),
        files=[FileView(str(a.id), a.filename, format_size(a.size, v.lang),
                        f"{ATTACHMENTS_API}{a.id}") for a in e.attachments],
    )


# Not a stored event: a period the SLA clock stood still, derived from the status history.
PAUSE_KIND = "sla_pause"


def pause_item(v: Viewer, index: int, start: datetime, end: datetime | None,
               now: datetime) -> EventItem:
    """"SLA paused 10:00 – 14:20 (4 hrs 20 mins)", or "since 10:00" while it lasts."""
    duration = format_duration((end or now) - start, v.lang)
    title = (v.t("event.sla_pause", start=v.dt(start), end=v.dt(end), duration=duration)
             if end is not None else
             v.t("event.sla_pause_ongoing", start=v.dt(start), duration=duration))
    return EventItem(id=f"pause-{index}", kind=PAUSE_KIND, author=v.t("event.system"),
                     is_public=False, title=title, when=v.dt(start))


def merge_pauses(v: Viewer, events: list[tickets.EventView],
                 pauses: list[tuple[datetime, datetime | None]], now: datetime) -> list[EventItem]:
    """The timeline in time order with the pause periods in it, each just after the status
    change that started it."""
    timed = [(e.created_at, 0, event_item(v, e)) for e in events]
    timed += [(start, 1, pause_item(v, i, start, end, now))
              for i, (start, end) in enumerate(pauses)]
    timed.sort(key=lambda x: (x[0], x[1]))  # stable: events keep their order among equals
    return [item for _at, _rank, item in timed]
