"""The pure parts of the reports (issue 14): percentiles, periods, the filter in the URL,
and the business minutes until the first response that the SLA engine now stores."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from helpdesk_app.domain.calendars import CalendarSpec, get_calendar, weekdays
from helpdesk_app.domain.errors import Invalid
from helpdesk_app.domain.reports_common import (
    ReportFilter,
    percentile,
    percentile_counted,
    periods,
)
from helpdesk_app.domain.sla import SlaInputs, compute, stored_columns
from helpdesk_app.models import SlaEffect

WAW = ZoneInfo("Europe/Warsaw")
TODAY = date(2026, 7, 15)


# --------------------------------------------------------------------------- percentiles


@pytest.mark.parametrize(("values", "median", "p90"), [
    ([7], 7, 7),
    ([10, 20], 15, 19),  # p90: 10 + 0.9 × 10
    ([5, 7, 9], 7, 8.6),  # p90: rank 1.8 → 7 + 0.8 × 2
    ([10, 20, 30, 40], 25, 37),  # median between 20 and 30; p90 rank 2.7 → 30 + 0.7 × 10
    (list(range(1, 11)), 5.5, 9.1),
    ([3, 3, 3, 100], 3, 70.9),  # rank 2.7 → 3 + 0.7 × 97
])
def test_median_and_p90_interpolate_between_ranks(values, median, p90):
    assert percentile(values, 50) == median
    assert percentile(values, 90) == p90


def test_no_values_have_no_percentile():
    assert percentile([], 50) is None


# --------------------------------------------------------------------------- periods


def _keys(flt: ReportFilter) -> list[tuple[date, date, date]]:
    return [(p.key, p.first, p.last) for p in periods(flt)]


def test_a_week_over_new_year_is_one_period_keyed_by_its_monday():
    flt = ReportFilter(date(2025, 12, 30), date(2026, 1, 12), grain="week")
    assert _keys(flt) == [
        (date(2025, 12, 29), date(2025, 12, 30), date(2026, 1, 4)),  # starts mid-week
        (date(2026, 1, 5), date(2026, 1, 5), date(2026, 1, 11)),
        (date(2026, 1, 12), date(2026, 1, 12), date(2026, 1, 12)),
    ]


def test_months_are_keyed_by_their_first_day_and_clipped_to_the_range():
    flt = ReportFilter(date(2026, 1, 20), date(2026, 3, 5))
    assert _keys(flt) == [(date(2026, 1, 1), date(2026, 1, 20), date(2026, 1, 31)),
                          (date(2026, 2, 1), date(2026, 2, 1), date(2026, 2, 28)),
                          (date(2026, 3, 1), date(2026, 3, 1), date(2026, 3, 5))]


def test_days_are_each_their_own_period():
    flt = ReportFilter(date(2026, 2, 27), date(2026, 3, 1), grain="day")
    assert [p.key for p in periods(flt)] == [date(2026, 2, 27), date(2026, 2, 28),
                                             date(2026, 3, 1)]


# --------------------------------------------------------------------------- URL


def test_the_default_filter_is_this_month_and_keeps_only_its_dates_in_the_url():
    flt = ReportFilter.from_query({}, TODAY)
    assert flt == ReportFilter(date(2026, 7, 1), date(2026, 7, 31))
    assert flt.to_query() == {"from": "2026-07-01", "to": "2026-07-31"}


def test_every_filter_survives_the_round_trip_through_the_url():
    flt = ReportFilter(date(2025, 12, 1), date(2026, 2, 28), organisation_id=3, contract_id=4,
                       queue_id=5, ticket_type_id=6, priority=4, channel="phone",
                       person_id=7, grain="week")
    query = flt.to_query()
    assert query == {"from": "2025-12-01", "to": "2026-02-28", "org": "3", "contract": "4",
                     "queue": "5", "type": "6", "priority": "4", "channel": "phone",
                     "person": "7", "grain": "week"}
    assert ReportFilter.from_query(query, TODAY) == flt


def test_a_missing_date_takes_the_month_of_the_other():
    assert ReportFilter.from_query({"from": "2026-02-10"}, TODAY) == ReportFilter(
        date(2026, 2, 10), date(2026, 2, 28))
    assert ReportFilter.from_query({"to": "2026-03-03"}, TODAY) == ReportFilter(
        date(2026, 3, 1), date(2026, 3, 3))


@pytest.mark.parametrize(("params", "key", "field"), [
    ({"from": "2026-13-01"}, "reports.date_invalid", "from"),
    ({"to": "yesterday"}, "reports.date_invalid", "to"),
    ({"from": "2026-03-02", "to": "2026-03-01"}, "reports.range_invalid", None),
    ({"from": "2025-01-01", "to": "2026-01-02"}, "reports.range_too_long", None),  # 367 d
    ({"grain": "year"}, "reports.filter_invalid", "grain"),
    ({"org": "abc"}, "reports.filter_invalid", "org"),
    ({"person": "0"}, "reports.filter_invalid", "person"),
    ({"priority": "9"}, "reports.filter_invalid", "priority"),
    ({"channel": "fax"}, "reports.filter_invalid", "channel"),
])
def test_bad_input_is_refused_with_a_key(params, key, field):
    with pytest.raises(Invalid) as e:
        ReportFilter.from_query(params, TODAY)
    assert e.value.key == key
    assert e.value.params.get("field") == field


def test_a_leap_year_range_of_366_days_is_allowed():
    flt = ReportFilter.from_query({"from": "2028-01-01", "to": "2028-12-31"}, TODAY)
    assert (flt.day_to - flt.day_from).days + 1 == 366


# --------------------------------------------------------------------------- SLA engine


def _at(d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2026, 3, d, hh, mm, tzinfo=WAW).astimezone(UTC)


def test_the_first_response_minutes_are_business_minutes_without_pauses():
    """Office 8–16. Received Mon 16 March 15:00; paused 15:30–15:50 (waiting for the
    client); answered Tue 9:10: 30 + 10 (15:50–16:00) + 70 (8:00–9:10) = 110 minutes."""
    office = get_calendar(CalendarSpec(windows=weekdays(time(8), time(16))))
    inputs = SlaInputs(received_at=_at(16, 15), calendar=office,
                       transitions=[(_at(16, 15), SlaEffect.COUNTS),
                                    (_at(16, 15, 30), SlaEffect.PAUSES),
                                    (_at(16, 15, 50), SlaEffect.COUNTS)],
                       reaction=timedelta(hours=4), first_response_at=_at(17, 9, 10))
    result = compute(inputs, _at(18, 12))
    assert result.first_response_minutes == 110
    assert stored_columns(result, _at(18, 12))["first_response_minutes"] == 110


def test_no_first_response_minutes_while_unanswered_or_without_a_calendar():
    office = get_calendar(CalendarSpec(windows=weekdays(time(8), time(16))))
    unanswered = SlaInputs(received_at=_at(16, 9), calendar=office,
                           transitions=[(_at(16, 9), SlaEffect.COUNTS)])
    assert compute(unanswered, _at(16, 12)).first_response_minutes is None
    no_contract = SlaInputs(received_at=_at(16, 9), calendar=None,
                            first_response_at=_at(16, 10))
    assert compute(no_contract, _at(16, 12)).first_response_minutes is None


# --------------------------------------------------------------------------- catalogs


def test_every_report_label_is_in_both_catalogs():
    import re
    from pathlib import Path

    from helpdesk_app.domain.reports_service import AGE_BUCKETS
    from helpdesk_app.i18n import CATALOGS

    domain = Path(__file__).resolve().parents[2] / "helpdesk_app" / "domain"
    used = set()
    for path in domain.glob("reports_*.py"):
        used |= set(re.findall(r'"(reports\.[a-z_.0-9]+[a-z0-9])"', path.read_text("utf-8")))
    used |= {f"reports.col.{g}" for g in ("day", "week", "month")}
    used |= {f"reports.flag.{f}" for f in ("billable", "on_site", "after_hours", "capped",
                                           "locked")}
    used |= {f"reports.age.{key}" for key, _days in AGE_BUCKETS}
    used.discard("reports.view")  # the permission named in a docstring
    assert len(used) > 50
    for lang in ("pl", "en"):
        assert used - set(CATALOGS[lang]) == set(), lang


def test_a_histogram_gives_the_same_percentiles_as_the_list():
    # 10, 10, 20, 40: median between 10 and 20; p90 at rank 2.7 → 20 + 0.7 × 20
    counted = [(10, 2), (20, 1), (40, 1)]
    assert (percentile_counted(counted, 50), percentile_counted(counted, 90)) == (15, 34)
    assert percentile([10, 10, 20, 40], 90) == 34
    assert percentile_counted([(5, 3)], 90) == 5
    assert percentile_counted([], 50) is None


def test_the_histogram_agrees_with_the_list_on_random_samples():
    import random
    from collections import Counter

    rng = random.Random(14)
    for _ in range(200):
        values = sorted(rng.choice((0, 1, 5, 5, 30, 480, 481)) for _ in range(rng.randint(1, 40)))
        counted = sorted(Counter(values).items())
        for p in (50, 90):
            assert percentile_counted(counted, p) == percentile(values, p)
