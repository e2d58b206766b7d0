"""Service reports (issue 14): volume per period (local days, a week over New Year),
response and resolution times (median / p90 in business minutes), SLA compliance, the
reopen rate, the channel mix and the age of the open backlog.

Ticket columns are written as the SLA engine and the workflow would have left them, so
every figure below is a hand count."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from helpdesk_app.domain import permissions
from helpdesk_app.domain.errors import Forbidden
from helpdesk_app.domain.reports_common import ReportFilter
from helpdesk_app.domain.reports_service import (
    backlog_age,
    channel_mix,
    reopen_rate,
    sla_compliance,
    times,
    volume,
)
from helpdesk_app.models import Channel
from tests.reports_support import local, set_ticket, status_event

JUNE = ReportFilter(date(2026, 6, 1), date(2026, 6, 30))
MAY_JUNE = ReportFilter(date(2026, 5, 1), date(2026, 6, 30))


def _cells(table, *keys: str) -> list[tuple]:
    index = [[c.key for c in table.columns].index(k) for k in keys]
    return [tuple(row[i] for i in index) for row in table.rows]


@pytest.fixture
def desk(db, world, make):
    """Contract X (Org A) and Y (Org B), 24/7, one ticket type "Awaria" each."""
    x = make.contract_24x7(world.org_a.id, "X")
    y = make.contract_24x7(world.org_b.id, "Y")
    return x, y


def _ticket(make, world, client: str = "client", **columns):
    ticket = make.ticket(world.actor(client), "Zgłoszenie")
    return set_ticket(make.db, ticket, **columns) if columns else ticket


def _resolved(make, world, client: str, at, state: str, used: int, first: int | None,
              **columns):
    return _ticket(make, world, client, status="resolved", resolved_at=at, sla_state=state,
                   sla_minutes_used=used, first_response_minutes=first,
                   created_at=at - timedelta(days=1), **columns)


# --------------------------------------------------------------------------- times, SLA


@pytest.fixture
def finished(db, world, make, desk):
    """X in June: resolution 10/20/30/40 min, first response 5/7/9/never; met, met,
    breached, met. X on 31 May 23:30 Warsaw (21:30 UTC): breached, 500 min. X in July:
    1000 min. Y in June: 100 min, never answered, met. No contract in June: state none."""
    for day, used, first, state in ((3, 10, 5, "met"), (4, 20, 7, "met"),
                                    (5, 30, 9, "breached"), (6, 40, None, "met")):
        _resolved(make, world, "client", local(2026, 6, day), state, used, first)
    _resolved(make, world, "client", local(2026, 5, 31, 23, 30), "breached", 500, 50)
    _resolved(make, world, "client", local(2026, 7, 1), "met", 1000, 1)
    _resolved(make, world, "other-client", local(2026, 6, 10), "met", 100, None)
    _resolved(make, world, "client", local(2026, 6, 11), "none", 0, None, contract_id=None,
              ticket_type_id=None)
    _ticket(make, world, "client")  # open: not resolved at all


def test_times_give_median_and_p90_per_contract_and_over_all(db, world, finished):
    table = times(db, world.actor("coordinator"), JUNE)
    assert _cells(table, "contract", "resolved", "first_response_median",
                  "first_response_p90", "resolution_median", "resolution_p90") == [
        ("X", 4, 7, 8.6, 25, 37),  # first response of 3 answered; 10..40: 25 and 30+0.7×10
        ("Y", 1, None, None, 100, 100),
    ]
    # all contracts: 10, 20, 30, 40, 100 → median 30, p90 at rank 3.6: 40 + 0.6 × 60
    assert table.totals == (None, None, 5, 7, 8.6, 30, 76)
    only_a = ReportFilter(JUNE.day_from, JUNE.day_to, organisation_id=world.org_a.id)
    assert _cells(times(db, world.actor("admin"), only_a), "contract") == [("X",)]


def test_a_ticket_resolved_just_before_local_midnight_belongs_to_that_day(
        db, world, finished):
    may_31 = ReportFilter(date(2026, 5, 31), date(2026, 5, 31))
    assert _cells(times(db, world.actor("admin"), may_31), "contract", "resolved",
                  "resolution_median") == [("X", 1, 500)]


def test_sla_compliance_per_month_contract_and_type(db, world, finished):
    table = sla_compliance(db, world.actor("coordinator"), MAY_JUNE)
    assert _cells(table, "period", "contract", "ticket_type", "finished", "met", "late",
                  "compliance") == [
        (date(2026, 5, 1), "X", "Awaria", 1, 0, 1, 0.0),
        (date(2026, 6, 1), "X", "Awaria", 4, 3, 1, 75.0),
        (date(2026, 6, 1), "Y", "Awaria", 1, 1, 0, 100.0),
    ]
    assert table.totals[5:] == (6, 4, 2, 66.7)


# --------------------------------------------------------------------------- volume


def test_volume_by_week_over_new_year_counts_local_days(db, world, make, desk):
    """Range Tue 30 Dec 2025 – Sun 11 Jan 2026 by week: the first week (from Mon 29 Dec)
    holds 31 Dec 23:30, 1 Jan 00:30 (still 31 Dec in UTC) and 4 Jan 23:59; the next one
    5 Jan 00:00 and the resolution of the ticket created on 29 Dec (before the range)."""
    early = _ticket(make, world, created_at=local(2025, 12, 29, 10))
    set_ticket(db, early, status="resolved", resolved_at=local(2026, 1, 5, 9))
    for at in (local(2025, 12, 31, 23, 30), local(2026, 1, 1, 0, 30),
               local(2026, 1, 4, 23, 59), local(2026, 1, 5, 0, 0), local(2026, 1, 12, 8)):
        _ticket(make, world, created_at=at)
    flt = ReportFilter(date(2025, 12, 30), date(2026, 1, 11), grain="week")
    table = volume(db, world.actor("coordinator"), flt)
    assert table.rows == [(date(2025, 12, 29), 3, 0), (date(2026, 1, 5), 1, 1)]
    assert table.totals == (None, 4, 1)
    days = ReportFilter(date(2025, 12, 31), date(2026, 1, 1), grain="day")
    assert volume(db, world.actor("admin"), days).rows == [
        (date(2025, 12, 31), 1, 0), (date(2026, 1, 1), 1, 0)]


def test_volume_filters_by_assignee_and_channel(db, world, make, desk):
    tom = world.users["technician"]
    _ticket(make, world, created_at=local(2026, 6, 2), assignee_id=tom.id,
            channel=Channel.PHONE)
    _ticket(make, world, created_at=local(2026, 6, 3), channel=Channel.PHONE)
    _ticket(make, world, created_at=local(2026, 6, 4), assignee_id=tom.id)
    coord = world.actor("coordinator")
    assert volume(db, coord, JUNE).rows == [(date(2026, 6, 1), 3, 0)]
    mine = ReportFilter(JUNE.day_from, JUNE.day_to, person_id=tom.id)
    assert volume(db, coord, mine).rows == [(date(2026, 6, 1), 2, 0)]
    phone = ReportFilter(JUNE.day_from, JUNE.day_to, channel=Channel.PHONE, person_id=tom.id)
    assert volume(db, coord, phone).rows == [(date(2026, 6, 1), 1, 0)]


# --------------------------------------------------------------------------- reopen


def test_a_reopened_ticket_counts_once_however_often_it_came_back(db, world, make, desk):
    at = local(2026, 6, 20)
    plain = _resolved(make, world, "client", at, "met", 10, 1)
    status_event(db, plain, "new", "open", at - timedelta(hours=5))
    status_event(db, plain, "open", "resolved", at)
    twice = _resolved(make, world, "client", at, "met", 10, 1)
    for hours in (30, 20):
        status_event(db, twice, "open", "resolved", at - timedelta(hours=hours))
        status_event(db, twice, "resolved", "open", at - timedelta(hours=hours - 1))
    from_closed = _resolved(make, world, "client", at, "met", 10, 1)
    status_event(db, from_closed, "closed", "open", at - timedelta(hours=3))
    waited = _resolved(make, world, "client", at, "met", 10, 1)
    status_event(db, waited, "pending", "open", at - timedelta(hours=3))  # not a reopen
    still_open = _ticket(make, world, status="open", created_at=at - timedelta(days=2))
    status_event(db, still_open, "resolved", "open", at)  # reopened, not resolved again
    table = reopen_rate(db, world.actor("coordinator"), JUNE)
    assert table.rows == [(date(2026, 6, 1), 4, 2, 50.0)]
    assert table.totals == (None, 4, 2, 50.0)


# --------------------------------------------------------------------------- mix, backlog


def test_channel_mix_shares_the_tickets_created_in_the_range(db, world, make, desk):
    for day, channel in ((2, Channel.PHONE), (3, Channel.PHONE), (4, Channel.EMAIL),
                         (5, Channel.WEB)):
        _ticket(make, world, created_at=local(2026, 6, day), channel=channel)
    _ticket(make, world, created_at=local(2026, 7, 1), channel=Channel.CHAT)
    table = channel_mix(db, world.actor("coordinator"), JUNE)
    assert table.rows == [("channel.phone", 2, 50.0), ("channel.email", 1, 25.0),
                          ("channel.web", 1, 25.0), ("channel.chat", 0, 0.0)]
    assert table.totals == (None, 4, 100.0)


def test_backlog_age_buckets_the_open_tickets_at_a_fixed_now(db, world, make, desk):
    now = local(2026, 6, 30, 12)
    for age in (timedelta(hours=2), timedelta(days=1), timedelta(days=2), timedelta(days=5),
                timedelta(days=10), timedelta(days=40)):
        _ticket(make, world, created_at=now - age)
    _ticket(make, world, created_at=now - timedelta(days=3), status="resolved",
            resolved_at=now)
    table = backlog_age(db, world.actor("coordinator"), JUNE, now=now)
    assert table.rows == [("reports.age.lt_1d", 1, 16.7), ("reports.age.d1_3", 2, 33.3),
                          ("reports.age.d3_7", 1, 16.7), ("reports.age.d7_30", 1, 16.7),
                          ("reports.age.gt_30d", 1, 16.7)]
    assert table.totals == (None, 6, 100.0)


# --------------------------------------------------------------------------- access


def test_service_reports_need_the_permission_and_respect_a_queue_limit(
        db, world, make, desk):
    _ticket(make, world, created_at=local(2026, 6, 2))
    moved = _ticket(make, world, created_at=local(2026, 6, 3))
    set_ticket(db, moved, queue_id=world.queue2.id)
    tech = world.actor("technician")
    for report in (volume, times, sla_compliance, reopen_rate, channel_mix, backlog_age):
        with pytest.raises(Forbidden):
            report(db, tech, JUNE)
    role = make.custom_role(base="technician", queues=(world.queue2,),
                            perms=(permissions.REPORTS_VIEW,))
    limited = make.give_role(world.users["technician2"], role)
    assert volume(db, limited, JUNE).rows == [(date(2026, 6, 1), 1, 0)]
    assert volume(db, world.actor("coordinator"), JUNE).rows == [(date(2026, 6, 1), 2, 0)]
