"""Timeline titles come from one table of per-kind functions, in the viewer's language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from helpdesk_app.domain.tickets import EventView
from helpdesk_app.i18n import format_datetime, t
from helpdesk_app.models import EventKind
from helpdesk_app.state.timeline import PAUSE_KIND, TITLES, Viewer, event_item, merge_pauses

WHEN = datetime(2026, 3, 2, 9, 15, tzinfo=UTC)
DATA = {
    EventKind.CREATED: {"channel": "email"},
    EventKind.SUBSTITUTION: {"phase": "started", "absent": "Tina Technik",
                             "substitute": "Anna Nowak"},
    EventKind.STATUS: {"old": "new", "new": "open"},
    EventKind.PRIORITY: {"old": 2, "new": 4},
    EventKind.ASSIGNMENT: {"old": None, "new": 7},
    EventKind.QUEUE: {"old": 1, "new": 2},
    EventKind.CONTRACT: {"old": None, "new": 3},
    EventKind.TICKET_TYPE: {"old": None, "new": 5},
    EventKind.FIELD: {"field": "serial", "old": "", "new": "SN-1"},
    EventKind.CHECKLIST: {"label": "Zasilanie", "label_en": "Power", "done": True},
    EventKind.SLA_WARNING: {"clock": "resolution", "due_at": WHEN.isoformat()},
    EventKind.SLA_BREACH: {"clock": "reaction", "due_at": WHEN.isoformat()},
    EventKind.ESCALATION: {"action": "assign_coordinator", "old": None, "new": 7},
    EventKind.HANDOVER: {"action": "handed", "org": 9, "user": 7},
    EventKind.WORK: {"action": "added", "user": 7, "seconds": 5400, "activity": 2},
}
NAMES = {"user:7": "Anna Nowak", "queue:1": "Serwis", "queue:2": "Sieć",
         "contract:3": "Umowa A", "type:5": "Awaria", "org:9": "ElektroSerwis",
         "activity_pl:2": "Na miejscu u klienta", "activity_en:2": "On site"}


def _viewer(lang: str) -> Viewer:
    return Viewer(t=lambda key, **p: t(key, lang, **p),
                  dt=lambda d: format_datetime(d, lang, "Europe/Warsaw"), lang=lang,
                  status_labels={"new": "Nowe", "open": "W toku"}, names=NAMES)


def _event(kind: str) -> EventView:
    return EventView(1, kind, "", False, False, "", DATA.get(kind, {}), WHEN, [])


@pytest.mark.parametrize("lang", ["pl", "en"])
@pytest.mark.parametrize("kind", EventKind.ALL)
def test_every_kind_has_a_readable_title_in_both_languages(kind, lang):
    item = event_item(_viewer(lang), _event(kind))
    assert item.title and "{" not in item.title and not item.title.startswith("event.")
    assert item.author == t("event.system", lang) and item.is_note == (kind == EventKind.NOTE)


def test_titles_name_what_changed():
    v = _viewer("pl")
    assert "Nowe" in event_item(v, _event(EventKind.STATUS)).title
    assert "W toku" in event_item(v, _event(EventKind.STATUS)).title
    assert "Anna Nowak" in event_item(v, _event(EventKind.ASSIGNMENT)).title
    assert "Sieć" in event_item(v, _event(EventKind.QUEUE)).title
    assert "Awaria" in event_item(v, _event(EventKind.TICKET_TYPE)).title
    assert "SN-1" in event_item(v, _event(EventKind.FIELD)).title
    assert "10:15" in event_item(v, _event(EventKind.SLA_BREACH)).title  # Warsaw time
    assert "Anna Nowak" in event_item(v, _event(EventKind.ESCALATION)).title
    assert "Power" in event_item(_viewer("en"), _event(EventKind.CHECKLIST)).title
    started = event_item(v, _event(EventKind.SUBSTITUTION)).title
    assert "Anna Nowak" in started and "Tina Technik" in started
    ended = event_item(_viewer("en"), EventView(
        1, EventKind.SUBSTITUTION, "", False, False, "",
        {"phase": "ended", "absent": "Tina Technik", "substitute": "Anna Nowak"}, WHEN, []))
    assert ended.title.endswith("ended") and "Tina Technik" in ended.title


def test_kinds_that_change_something_have_their_own_title_function():
    plain = {EventKind.REPLY, EventKind.NOTE, EventKind.ATTACHMENT}
    assert set(TITLES) == set(EventKind.ALL) - plain


def test_a_person_gets_an_avatar_and_the_system_does_not():
    v = _viewer("pl")
    system = event_item(v, _event(EventKind.SLA_BREACH))
    assert (system.author, system.by_person) == (t("event.system", "pl"), False)
    by_anna = event_item(v, EventView(2, EventKind.REPLY, "Anna Nowak", True, False, "Hej", {},
                                      WHEN, []))
    assert (by_anna.author, by_anna.by_person) == ("Anna Nowak", True)


@pytest.mark.parametrize("lang", ["pl", "en"])
@pytest.mark.parametrize("action", ["handed", "accepted", "returned", "withdrawn"])
def test_handover_titles_name_the_subcontractor(action, lang):
    e = EventView(1, EventKind.HANDOVER, "", False, False, "",
                  {"action": action, "org": 9, "user": None}, WHEN, [])
    title = event_item(_viewer(lang), e).title
    assert "ElektroSerwis" in title and "{" not in title and "None" not in title
    named = event_item(_viewer(lang), _event(EventKind.HANDOVER)).title
    assert "ElektroSerwis (Anna Nowak)" in named


@pytest.mark.parametrize(("lang", "words"), [("en", "organisation was deactivated"),
                                             ("pl", "firma została dezaktywowana")])
def test_a_withdrawal_says_when_the_subcontractor_was_deactivated(lang, words):
    data = {"action": "withdrawn", "org": 9, "user": None, "reason": "org_deactivated"}
    event = EventView(1, EventKind.HANDOVER, "", False, False, "", data, WHEN, [])
    title = event_item(_viewer(lang), event).title
    assert "ElektroSerwis" in title and words in title


def test_a_work_entry_says_who_how_long_and_what():
    assert event_item(_viewer("pl"), _event(EventKind.WORK)).title == \
        "Anna Nowak: wpisano 1 godz. 30 min · Na miejscu u klienta"
    assert event_item(_viewer("en"), _event(EventKind.WORK)).title == \
        "Anna Nowak logged 1 hr 30 mins · On site"


def test_pause_periods_sit_after_the_status_change_that_started_them():
    v = _viewer("en")
    later = WHEN + timedelta(hours=4, minutes=20)
    status = EventView(1, EventKind.STATUS, "Anna Nowak", True, True, "",
                       {"old": "open", "new": "pending"}, WHEN, [])
    reply = EventView(2, EventKind.REPLY, "Ewa", False, True, "Done", {}, later, [])
    items = merge_pauses(v, [status, reply], [(WHEN, later), (later, None)],
                         now=later + timedelta(minutes=30))
    assert [i.kind for i in items] == [EventKind.STATUS, PAUSE_KIND, EventKind.REPLY,
                                       PAUSE_KIND]
    ended, ongoing = items[1], items[3]
    assert ended.title == "SLA paused 02/03/2026, 10:15 – 02/03/2026, 14:35 (4 hrs 20 mins)"
    assert ongoing.title == "SLA paused since 02/03/2026, 14:35 (30 mins so far)"
    assert not ended.is_public and not ended.by_person
    assert merge_pauses(_viewer("pl"), [status], [], now=later)[0].kind == EventKind.STATUS
