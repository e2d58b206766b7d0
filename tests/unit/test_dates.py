"""Dates typed in forms: the user's format (pl 31.12.2026, en 31/12/2026) or ISO."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from helpdesk_app.domain import dates
from helpdesk_app.domain.errors import Invalid
from helpdesk_app.domain.fields_parsing import parse_value
from helpdesk_app.i18n import t
from helpdesk_app.models import FieldType


def test_both_languages_formats_and_iso_parse():
    for text in ("31.12.2026", "31/12/2026", "2026-12-31", " 31.12.2026 "):
        assert dates.parse_day(text) == date(2026, 12, 31)
    assert dates.parse_day("1.3.2026") == date(2026, 3, 1)
    assert dates.parse_day("") is None and dates.parse_day(None) is None


@pytest.mark.parametrize("bad", ["12/31/2026", "31.13.2026", "jutro", "2026-02-30"])
def test_a_bad_date_names_the_format_to_type(bad):
    with pytest.raises(Invalid) as e:
        dates.parse_day(bad)
    assert e.value.key == "date.invalid"
    assert "dd.mm.rrrr" in t(e.value.key, "pl", **e.value.params)
    assert "dd/mm/yyyy" in t(e.value.key, "en", **e.value.params)
    assert bad in t(e.value.key, "en", **e.value.params)


def test_shown_in_the_users_format():
    assert dates.format_day(date(2026, 3, 1), "pl") == "01.03.2026"
    assert dates.format_day(date(2026, 3, 1), "en") == "01/03/2026"
    assert dates.format_day(None, "pl") == ""
    assert dates.format_wall_time(datetime(2026, 3, 1, 14, 5), "pl") == "01.03.2026 14:05"
    assert dates.localise_input("2026-03-01", "en") == "01/03/2026"
    assert dates.localise_input("2026-03-01T14:05", "pl") == "01.03.2026 14:05"
    assert dates.localise_input("01.03.20", "pl") == "01.03.20"  # being typed: as is


def test_custom_fields_take_the_same_formats():
    assert parse_value(FieldType.DATE, "31/12/2026") == date(2026, 12, 31)
    assert parse_value(FieldType.DATETIME, "31/12/2026 14:30", tz="UTC") == datetime.fromisoformat(
        "2026-12-31T14:30:00+00:00")
