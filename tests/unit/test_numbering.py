from __future__ import annotations

import pytest

from helpdesk_app.domain.numbering import NUMBER_RE, format_number, normalise_number


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-123", "2026-000123"),
        ("#2026-000123", "2026-000123"),
        ("  #2026-7  ", "2026-000007"),
        ("2026-000123", "2026-000123"),
        ("2025-1234567", "2025-1234567"),
    ],
)
def test_normalise_accepts_typed_forms(text: str, expected: str) -> None:
    assert normalise_number(text) == expected


@pytest.mark.parametrize("text", ["", "123", "2026", "26-123", "2026-", "2026-12a", "abc",
                                  "##2026-1", "2026 - 1", "2026-1234567890"])
def test_normalise_rejects_everything_else(text: str) -> None:
    assert normalise_number(text) is None


def test_normalise_none_is_safe() -> None:
    assert normalise_number(None) is None  # type: ignore[arg-type]


def test_format_is_year_dash_six_digits() -> None:
    assert format_number(2026, 1) == "2026-000001"
    assert format_number(2026, 999999) == "2026-999999"
    assert NUMBER_RE.match(format_number(2031, 42))
