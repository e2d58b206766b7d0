"""The audit log's closed vocabulary is readable in both languages; secrets and formulas
are recognised."""

from __future__ import annotations

import pytest

from helpdesk_app.domain import audit
from helpdesk_app.i18n import CATALOGS


def test_every_action_and_area_has_a_label_in_both_languages():
    for lang, catalog in CATALOGS.items():
        missing = [a for a in audit.ACTIONS if f"audit.action.{a}" not in catalog]
        missing += [a for a in audit.AREAS if f"audit.area.{a}" not in catalog]
        missing += [c for c in audit.CSV_COLUMNS if f"audit.csv.{c}" not in catalog]
        assert not missing, f"{lang} lacks {missing}"
    labelled = {k.removeprefix("audit.action.") for k in CATALOGS["en"]
                if k.startswith("audit.action.")}
    assert labelled == set(audit.ACTIONS)  # no label for an action that does not exist


def test_every_action_belongs_to_an_area():
    assert all(any(a.startswith(area + ".") for area in audit.AREAS) for a in audit.ACTIONS)


@pytest.mark.parametrize("key", ["password", "imap_password", "totp_secret", "reset_token",
                                 "recovery_codes", "code", "password_hash", "api_key",
                                 "Session-Token"])
def test_secret_keys_are_recognised(key):
    assert audit.is_secret_key(key)


@pytest.mark.parametrize("key", ["name", "key", "holiday_country", "role", "is_active",
                                 "credentials_changed", "contact_ids"])
def test_ordinary_keys_are_kept(key):
    assert not audit.is_secret_key(key)


@pytest.mark.parametrize("value,shown", [("=1+1", "'=1+1"), ("+48 600", "'+48 600"),
                                         ("-x", "'-x"), ("@SUM(A1)", "'@SUM(A1)"),
                                         ("\tx", "'\tx"), ("Łódź", "Łódź"), (None, ""),
                                         (7, "7")])
def test_cells_never_start_a_formula(value, shown):
    assert audit.safe_cell(value) == shown


def test_summary_reads_old_to_new():
    assert audit.summary({"name": ["A", "B"], "valid_to": [None, "2027-01-01"],
                          "added": ["new→open"]}) == (
        "name: A → B; valid_to: — → 2027-01-01; added: [\"new→open\"]")
