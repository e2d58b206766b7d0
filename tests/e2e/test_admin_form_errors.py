"""Admin forms show every problem at once, each under its own field, mark the required
fields, and keep what was typed (issue 11)."""

from __future__ import annotations

from e2e_support import login
from playwright.sync_api import expect

from helpdesk_app.i18n.pl import CATALOG as PL

ADMIN = "admin@pomocnik.example"


def _errors_shown(page, expected: dict[str, str], clean: list[str]) -> None:
    """Each input id in `expected` has its message right under it; `clean` ones none."""
    expect(page.locator(".pm-error").first).to_contain_text(PL["form.invalid"])
    for input_id, key in expected.items():
        expect(page.locator(f"#{input_id}-error")).to_have_text(PL[key])
    for input_id in clean:
        expect(page.locator(f"#{input_id}-error")).to_have_count(0)


def test_checklist_template_form_reports_every_field(new_page):
    page = new_page()
    login(page, ADMIN)
    page.goto("/admin/checklists")
    page.click("#cl-new")
    expect(page.locator("label[for=cl-name-pl] .pm-required")).to_have_text(" *")
    expect(page.locator("label[for=cl-items] .pm-required")).to_have_count(1)
    page.fill("#cl-name-pl", "Przegląd bez punktów")
    page.click("#cl-save")
    _errors_shown(page, {"cl-type": "checklist.type_invalid",
                         "cl-name-en": "checklist.name_required",
                         "cl-items": "checklist.items_required"}, clean=["cl-name-pl"])
    expect(page.locator("#cl-name-pl")).to_have_value("Przegląd bez punktów")  # kept
    page.click("#cl-new")  # a fresh form starts without old messages
    expect(page.locator(".pm-field-error")).to_have_count(0)


def test_mail_address_form_reports_every_field(new_page):
    page = new_page()
    login(page, ADMIN)
    page.goto("/admin/mail")
    page.click("#mc-new")
    expect(page.locator("label[for=mc-address] .pm-required")).to_have_count(1)
    page.fill("#mc-address", "bez małpy")
    page.fill("#mc-imap-host", "imap.example")
    page.fill("#mc-imap-port", "port")
    page.fill("#mc-imap-processed", "INBOX")
    page.click("#mc-save")
    _errors_shown(page, {"mc-address": "mail.address_invalid",
                         "mc-imap-port": "mail.imap_port_invalid",
                         "mc-imap-username": "mail.imap_username_required",
                         "mc-imap-processed": "mail.folders_must_differ"},
                  clean=["mc-name", "mc-imap-folder", "mc-imap-quarantine"])
    for input_id, typed in (("mc-address", "bez małpy"), ("mc-imap-host", "imap.example"),
                            ("mc-imap-port", "port"), ("mc-imap-processed", "INBOX")):
        expect(page.locator(f"#{input_id}")).to_have_value(typed)  # nothing typed is lost
    page.click("#mc-new")
    expect(page.locator(".pm-field-error")).to_have_count(0)


def test_status_form_reports_every_field(new_page):
    page = new_page()
    login(page, ADMIN)
    page.goto("/admin/workflow")
    page.click("#st-new")
    for input_id in ("st-key", "st-name-pl", "st-name-en", "st-category"):
        expect(page.locator(f"label[for={input_id}] .pm-required")).to_have_count(1)
    page.fill("#st-key", "Zły klucz")
    page.fill("#st-order", "pięć")
    page.click("#st-save")
    _errors_shown(page, {"st-key": "status.key_invalid",
                         "st-name-pl": "status.name_required",
                         "st-name-en": "status.name_required"},
                  clean=["st-category", "st-sla", "st-colour"])
    expect(page.locator("#st-order-error")).to_contain_text("pięć")
    expect(page.locator("#st-key")).to_have_value("Zły klucz")  # nothing typed is lost
    expect(page.locator("#st-order")).to_have_value("pięć")
    page.click("#st-new")
    expect(page.locator(".pm-field-error")).to_have_count(0)


def test_contract_and_ticket_type_forms_report_every_field(new_page):
    page = new_page()
    login(page, ADMIN)
    page.goto("/admin/sla")
    page.click("#con-new")
    for input_id in ("con-org", "con-name", "con-from", "con-calendar"):
        expect(page.locator(f"label[for={input_id}] .pm-required")).to_have_count(1)
    page.fill("#con-to", "2027-01-01")
    page.select_option("#con-escalation", value="move_queue")
    page.click("#con-save")
    _errors_shown(page, {"con-org": "contract.organisation_invalid",
                         "con-name": "contract.name_required",
                         "con-from": "contract.valid_from_required",
                         "con-calendar": "contract.calendar_required",
                         "con-escalation-queue": "contract.escalation_queue_required"},
                  clean=["con-to", "con-queue", "con-escalation"])
    expect(page.locator("#con-to")).to_have_value("2027-01-01")  # nothing typed is lost

    page.click("#tt-new")  # another form: the contract's messages leave
    expect(page.locator(".pm-field-error")).to_have_count(0)
    page.fill("#tt-name-pl", "Awaria")
    page.fill("#tt-reaction", "osiem")
    page.fill("#tt-warning", "150")
    page.fill("#tt-p0-reaction", "90")
    page.fill("#tt-p0-resolution", "30")
    page.click("#tt-save")
    _errors_shown(page, {"tt-contract": "ticket_type.contract_invalid",
                         "tt-name-en": "ticket_type.name_required",
                         "tt-warning": "ticket_type.warning_out_of_range",
                         "tt-p0": "ticket_type.reaction_after_resolution"},
                  clean=["tt-name-pl", "tt-resolution", "tt-p1", "con-name"])
    expect(page.locator("#tt-reaction-error")).to_contain_text("osiem")
    expect(page.locator("#tt-reaction")).to_have_value("osiem")
    expect(page.locator("#tt-p0-resolution")).to_have_value("30")


def test_calendar_form_reports_every_field(new_page):
    page = new_page()
    login(page, ADMIN)
    page.goto("/admin/sla")
    page.click("#cal-new")
    expect(page.locator("label[for=cal-name] .pm-required")).to_have_count(1)
    page.fill("#cal-tz", "Mars/Olympus")
    page.fill("#cal-cutoff", "25:00")
    page.fill("#cal-w1", "osiem")
    page.fill("#cal-closed", "jutro")
    page.click("#cal-save")
    _errors_shown(page, {"cal-name": "calendar.name_required"}, clean=["cal-country"])
    expect(page.locator("#cal-tz-error")).to_contain_text("Mars/Olympus")
    expect(page.locator("#cal-cutoff-error")).to_contain_text("25:00")
    expect(page.locator("#cal-windows-error")).to_contain_text("osiem")
    expect(page.locator("#cal-closed-error")).to_contain_text("jutro")
    for input_id, typed in (("cal-tz", "Mars/Olympus"), ("cal-w1", "osiem"),
                            ("cal-closed", "jutro")):
        expect(page.locator(f"#{input_id}")).to_have_value(typed)  # nothing typed is lost
    page.click("#cal-new")
    expect(page.locator(".pm-field-error")).to_have_count(0)
