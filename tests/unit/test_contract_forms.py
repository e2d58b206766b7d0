"""Parsing of the admin forms' text fields: accepted spellings and clear errors."""

from __future__ import annotations

from datetime import date, time

import pytest

from helpdesk_app.domain.contracts import parse_closed_dates, parse_time, parse_windows
from helpdesk_app.domain.errors import Invalid


@pytest.mark.parametrize(("text", "expected"), [
    ("8:00", time(8)), ("08.30", time(8, 30)), (" 15:05 ", time(15, 5)), ("24:00", time(0)),
    ("", None), ("   ", None),
])
def test_parse_time(text, expected):
    assert parse_time(text, field_name="x") == expected


@pytest.mark.parametrize("text", ["8", "25:00", "8:60", "24:30", "osiem", "8:00 rano"])
def test_parse_time_errors(text):
    with pytest.raises(Invalid) as exc:
        parse_time(text, field_name="cut-off")
    assert exc.value.key == "calendar.time_format"


def test_parse_windows():
    assert parse_windows({0: "8:00-12:00, 13:00–16:00", 1: "", 4: "22:00-6:00",
                          6: "0:00-24:00"}) == [
        (0, time(8), time(12)), (0, time(13), time(16)), (4, time(22), time(6)),
        (6, time(0), time(0)),
    ]
    for bad in ("8:00", "8:00-", "8-16", "8:00-12:00-14:00"):
        with pytest.raises(Invalid) as exc:
            parse_windows({0: bad})
        assert exc.value.key in ("calendar.window_format", "calendar.time_format")


def test_parse_closed_dates():
    assert parse_closed_dates("2026-12-31 Inwentaryzacja\n\n 2027-01-02\n") == [
        (date(2026, 12, 31), "Inwentaryzacja"), (date(2027, 1, 2), "")]
    with pytest.raises(Invalid) as exc:
        parse_closed_dates("31.12.2026 Sylwester")
    assert exc.value.key == "calendar.date_format"
