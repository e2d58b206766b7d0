"""The custom-field rules, pure (no database): typed parsing of form text and the one
evaluator the form runs live and the server runs at save (domain/fields_parsing.py,
domain/fields_rules.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from helpdesk_app.domain.errors import Invalid
from helpdesk_app.domain.fields import (
    DependencyView,
    Effect,
    FieldView,
    OptionView,
    canonical_token,
    evaluate,
    initial_values,
    parse_value,
    tokens,
)
from helpdesk_app.models import FieldType, RequiredOn

T = FieldType


def opt(*values: str, inactive: tuple[str, ...] = ()) -> tuple[OptionView, ...]:
    return tuple(OptionView(v, v.upper(), v.upper(), v not in inactive) for v in values)


def fv(key: str, ftype: str = T.SHORT_TEXT, **kw) -> FieldView:
    return FieldView(key=key, field_type=ftype, name_pl=key, name_en=key, **kw)


def err(ftype: str, raw, tz: str = "UTC") -> str:
    with pytest.raises(Invalid) as exc:
        parse_value(ftype, raw, tz=tz)
    return exc.value.key


# --------------------------------------------------------------------------- parsing


@pytest.mark.parametrize("ftype", FieldType.ALL)
def test_blank_is_none_for_every_type(ftype):
    for blank in (None, "", "   ", [], ()):
        assert parse_value(ftype, blank) is None


def test_short_and_long_text():
    assert parse_value(T.SHORT_TEXT, "  a \n b  ") == "a b"
    assert parse_value(T.SHORT_TEXT, "x" * 250) == "x" * 250
    assert err(T.SHORT_TEXT, "x" * 251) == "field.text_too_long"
    assert parse_value(T.LONG_TEXT, " line 1\r\nline 2 ") == "line 1\nline 2"
    assert err(T.LONG_TEXT, "x" * 2001) == "field.text_too_long"
    # multibyte text is limited by bytes too (PostgreSQL's btree row limit)
    assert err(T.LONG_TEXT, "ż" * 1500) == "field.text_too_long"
    assert err(T.SHORT_TEXT, 12) == "field.text_invalid"


def test_whole_numbers():
    assert parse_value(T.NUMBER, " 1 234 ") == 1234
    assert parse_value(T.NUMBER, "-7") == -7
    assert parse_value(T.NUMBER, 5) == 5
    assert parse_value(T.NUMBER, Decimal("3.000")) == 3
    for bad in ("1.5", "1,5", "abc", "1e3", True, 2.5):
        assert err(T.NUMBER, bad) == "field.number_invalid"
    assert err(T.NUMBER, "1" + "0" * 14) == "field.number_too_large"
    assert parse_value(T.NUMBER, "9" * 14) == int("9" * 14)


def test_decimals_with_comma_or_dot():
    assert parse_value(T.DECIMAL, "12,50") == Decimal("12.5")
    assert parse_value(T.DECIMAL, "12.50") == Decimal("12.5")
    assert parse_value(T.DECIMAL, "1 000,25") == Decimal("1000.25")
    assert str(parse_value(T.DECIMAL, "100")) == "100"  # never 1E+2
    assert str(parse_value(T.DECIMAL, "-0")) == "0"
    assert parse_value(T.DECIMAL, 0.1) == Decimal("0.1")
    assert parse_value(T.DECIMAL, ".5") == Decimal("0.5")
    assert err(T.DECIMAL, "1.234,5") == "field.decimal_invalid"  # ambiguous
    assert err(T.DECIMAL, "abc") == "field.decimal_invalid"
    assert err(T.DECIMAL, "NaN") == "field.decimal_invalid"
    assert err(T.DECIMAL, "0,1234567") == "field.decimal_places"
    assert err(T.DECIMAL, "1000000000") == "field.number_too_large"


def test_dates():
    assert parse_value(T.DATE, "2026-03-01") == date(2026, 3, 1)
    assert parse_value(T.DATE, "1.3.2026") == date(2026, 3, 1)
    assert parse_value(T.DATE, date(2026, 3, 1)) == date(2026, 3, 1)
    for bad in ("2026-02-30", "31.02.2026", "tomorrow", "0001-01-01"):
        assert err(T.DATE, bad) == "field.date_invalid"
    assert err(T.DATE, datetime(2026, 1, 1, tzinfo=UTC)) == "field.date_invalid"


def test_datetimes_are_read_in_the_users_zone_and_stored_utc():
    # 12:00 in Warsaw in summer is 10:00 UTC, in winter 11:00 UTC
    assert parse_value(T.DATETIME, "2026-07-01T12:00", tz="Europe/Warsaw") == \
        datetime(2026, 7, 1, 10, 0, tzinfo=UTC)
    assert parse_value(T.DATETIME, "1.12.2026 12:00", tz="Europe/Warsaw") == \
        datetime(2026, 12, 1, 11, 0, tzinfo=UTC)
    assert parse_value(T.DATETIME, "2026-07-01 12:00:30", tz="UTC") == \
        datetime(2026, 7, 1, 12, 0, 30, tzinfo=UTC)
    # an explicit offset wins over the user's zone
    assert parse_value(T.DATETIME, "2026-07-01T12:00+00:00", tz="Europe/Warsaw") == \
        datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    # the hour skipped by the spring DST change does not exist
    assert err(T.DATETIME, "2026-03-29 02:30", tz="Europe/Warsaw") == "field.datetime_nonexistent"
    for bad in ("2026-07-01", "yesterday", "2026-13-01 10:00"):
        assert err(T.DATETIME, bad) == "field.datetime_invalid"


def test_choices_checkbox_user_email_url():
    assert parse_value(T.DROPDOWN, " hw ") == "hw"
    assert parse_value(T.MULTI_SELECT, ["a", " b", "a", ""]) == ("a", "b")
    assert parse_value(T.MULTI_SELECT, "a, b") == ("a", "b")
    for yes in (True, "true", "on", "1", "tak"):
        assert parse_value(T.CHECKBOX, yes) is True
    for no in (False, "false", "off", "0", "nie"):
        assert parse_value(T.CHECKBOX, no) is False
    assert err(T.CHECKBOX, "maybe") == "field.checkbox_invalid"
    assert parse_value(T.USER, "17") == 17
    for bad in ("x", "-3", "0", True):
        assert err(T.USER, bad) == "field.user_invalid"
    assert parse_value(T.EMAIL, " anna@example.pl ") == "anna@example.pl"
    for bad in ("anna", "anna@", "a b@example.pl", "anna@example"):
        assert err(T.EMAIL, bad) == "field.email_invalid"
    assert parse_value(T.URL, "https://example.pl/a?b=1") == "https://example.pl/a?b=1"
    for bad in ("ftp://example.pl", "javascript:alert(1)", "https://", "example.pl",
                "http://exa mple.pl"):
        assert err(T.URL, bad) == "field.url_invalid"


def test_tokens_and_canonical_when_values():
    assert tokens(T.CHECKBOX, None) == {"false"}
    assert tokens(T.MULTI_SELECT, ("a", "b")) == {"a", "b"}
    assert tokens(T.DECIMAL, Decimal("1.5")) == {"1.5"}
    assert tokens(T.DROPDOWN, None) == {""}
    assert canonical_token(T.DECIMAL, "1,50") == "1.5"
    assert canonical_token(T.CHECKBOX, "tak") == "true"
    assert canonical_token(T.DATE, "1.3.2026") == "2026-03-01"


# --------------------------------------------------------------------------- evaluation


CATEGORY = fv("category", T.DROPDOWN, options=opt("hardware", "software", "other"))


def test_show_dependency():
    serial = fv("serial", dependencies=(
        DependencyView("category", Effect.SHOW, ("hardware",)),))
    ev = evaluate([CATEGORY, serial], {"category": "software", "serial": "x"}, moment="edit")
    assert not ev.fields["serial"].visible and ev.fields["serial"].value is None
    ev = evaluate([CATEGORY, serial], {"category": "hardware", "serial": "SN1"}, moment="edit")
    assert ev.fields["serial"].visible and ev.fields["serial"].value == "SN1"
    # a hidden field is never required nor validated
    strict = fv("serial", required_on=RequiredOn.CREATE, dependencies=serial.dependencies)
    ev = evaluate([CATEGORY, strict], {"category": "other", "serial": "x" * 999}, moment="create")
    assert ev.ok


def test_require_dependency_applies_at_every_moment():
    serial = fv("serial", dependencies=(
        DependencyView("category", Effect.REQUIRE, ("hardware",)),))
    for moment in ("create", "edit", "resolve"):
        ev = evaluate([CATEGORY, serial], {"category": "hardware"}, moment=moment)
        assert ev.fields["serial"].required and ev.missing() == ["serial"]
    ev = evaluate([CATEGORY, serial], {"category": "software"}, moment="resolve")
    assert ev.ok and ev.fields["serial"].visible and not ev.fields["serial"].required


def test_options_dependency():
    model = fv("model", T.DROPDOWN, options=opt("laptop", "printer", "office", "erp"),
               dependencies=(DependencyView("category", Effect.OPTIONS, options_map={
                   "hardware": ("laptop", "printer"), "software": ("office", "erp")}),))
    ev = evaluate([CATEGORY, model], {"category": "hardware"}, moment="edit")
    assert ev.fields["model"].options == ("laptop", "printer")
    ev = evaluate([CATEGORY, model], {"category": "software", "model": "laptop"}, moment="edit")
    assert ev.fields["model"].error == "field.option_invalid"
    assert ev.fields["model"].error_params == {"value": "laptop"}
    # no category yet, or one without a map entry: nothing to choose from
    assert evaluate([CATEGORY, model], {}, moment="edit").fields["model"].options == ()
    assert evaluate([CATEGORY, model], {"category": "other"},
                    moment="edit").fields["model"].options == ()


def test_options_from_a_multi_select_source_are_the_union():
    areas = fv("areas", T.MULTI_SELECT, options=opt("net", "print"))
    device = fv("device", T.MULTI_SELECT, options=opt("router", "switch", "printer"),
                dependencies=(DependencyView("areas", Effect.OPTIONS, options_map={
                    "net": ("router", "switch"), "print": ("printer",)}),))
    ev = evaluate([areas, device], {"areas": ["net", "print"], "device": ["router", "printer"]},
                  moment="edit")
    assert ev.ok and ev.fields["device"].options == ("router", "switch", "printer")
    ev = evaluate([areas, device], {"areas": ["print"], "device": ["router", "printer"]},
                  moment="edit")
    assert ev.fields["device"].error == "field.option_invalid"


def test_chain_a_b_c_collapses_when_a_changes():
    b = fv("b", T.DROPDOWN, options=opt("yes", "no"),
           dependencies=(DependencyView("category", Effect.SHOW, ("hardware",)),))
    c = fv("c", required_on=RequiredOn.RESOLVE,
           dependencies=(DependencyView("b", Effect.SHOW, ("yes",)),))
    fields = [c, b, CATEGORY]  # order of the list does not matter
    ev = evaluate(fields, {"category": "hardware", "b": "yes"}, moment="resolve")
    assert ev.fields["c"].visible and ev.missing() == ["c"]
    # A changes: B hides, so B counts as empty and C hides too, even though B still says yes
    ev = evaluate(fields, {"category": "software", "b": "yes"}, moment="resolve")
    assert not ev.fields["b"].visible and not ev.fields["c"].visible and ev.ok
    # an invalid B also counts as empty for C
    ev = evaluate(fields, {"category": "hardware", "b": "maybe"}, moment="resolve")
    assert ev.fields["b"].error == "field.option_invalid" and not ev.fields["c"].visible


def test_source_missing_from_the_list_counts_as_empty():
    # e.g. a client's form without the agent-only source field: same result on the server,
    # which evaluates with the same actor's fields.
    b = fv("b", dependencies=(DependencyView("internal", Effect.SHOW, ("x",)),))
    assert not evaluate([b], {"b": "v"}, moment="edit").fields["b"].visible
    shown_when_empty = fv("b", dependencies=(DependencyView("internal", Effect.SHOW, ("",)),))
    assert evaluate([shown_when_empty], {}, moment="edit").fields["b"].visible


def test_checkbox_source_and_required_checkbox():
    onsite = fv("onsite", T.CHECKBOX)
    address = fv("address", dependencies=(DependencyView("onsite", Effect.SHOW, ("true",)),))
    assert not evaluate([onsite, address], {}, moment="edit").fields["address"].visible
    assert evaluate([onsite, address], {"onsite": "on"}, moment="edit").fields["address"].visible
    accept = fv("accept", T.CHECKBOX, required_on=RequiredOn.CREATE)
    assert evaluate([accept], {"accept": False}, moment="create").missing() == ["accept"]
    assert evaluate([accept], {"accept": True}, moment="create").ok


def test_required_moments():
    on_create = fv("a", required_on=RequiredOn.CREATE)
    on_resolve = fv("b", required_on=RequiredOn.RESOLVE)
    never = fv("c")
    fields = [on_create, on_resolve, never]
    assert evaluate(fields, {}, moment="create").missing() == ["a"]
    assert evaluate(fields, {}, moment="edit").missing() == ["a"]  # cannot be cleared
    assert evaluate(fields, {}, moment="resolve").missing() == ["a", "b"]
    assert evaluate(fields, {"a": "x", "b": "y"}, moment="resolve").ok
    with pytest.raises(ValueError):
        evaluate(fields, {}, moment="later")


def test_inactive_options():
    # The view of a ticket that still holds "legacy" includes it (inactive): keeping it is
    # fine. Another ticket's view has no "legacy" at all: new use is refused.
    holding = fv("kind", T.DROPDOWN, options=opt("new", "legacy", inactive=("legacy",)))
    assert evaluate([holding], {"kind": "legacy"}, moment="edit").ok
    fresh = fv("kind", T.DROPDOWN, options=opt("new"))
    ev = evaluate([fresh], {"kind": "legacy"}, moment="edit")
    assert ev.fields["kind"].error == "field.option_invalid"


def test_type_errors_are_reported_per_field_with_params():
    fields = [fv("n", T.NUMBER), fv("t", T.SHORT_TEXT), fv("u", T.URL)]
    ev = evaluate(fields, {"n": "abc", "t": "x" * 300, "u": "https://ok.pl"}, moment="edit")
    assert ev.errors == {"n": ("field.number_invalid", {}),
                         "t": ("field.text_too_long", {"max": 250})}
    assert ev.fields["u"].value == "https://ok.pl" and ev.fields["n"].value is None
    assert not ev.ok


def test_evaluation_reports_editable_and_initial_values():
    ro = fv("billing", can_edit=False, default="STD")
    assert evaluate([ro], {}, moment="edit").fields["billing"].editable is False
    assert initial_values([ro, fv("x")]) == {"billing": "STD"}


def test_cycle_does_not_hang():
    a = fv("a", dependencies=(DependencyView("b", Effect.SHOW, ("1",)),))
    b = fv("b", dependencies=(DependencyView("a", Effect.SHOW, ("1",)),))
    ev = evaluate([a, b], {"a": "1", "b": "1"}, moment="edit")
    assert set(ev.fields) == {"a", "b"}
