"""Admin forms show every problem at once, each under its own field, mark the required
fields, and keep what was typed (issue 11)."""

from __future__ import annotations

import uuid

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


def test_custom_field_form_and_its_rows_report_every_field(new_page):
    page = new_page()
    login(page, ADMIN)
    page.goto("/admin/fields")
    page.click("#fd-new")
    for input_id in ("fd-key", "fd-type", "fd-name-pl", "fd-name-en"):
        expect(page.locator(f"label[for={input_id}] .pm-required")).to_have_count(1)
    page.fill("#fd-key", "Zły klucz")
    page.select_option("#fd-type", value="number")
    page.fill("#fd-name-pl", "Liczba urządzeń")
    page.fill("#fd-default", "dużo")
    page.fill("#fd-order", "pierwszy")
    page.click("#fd-save")
    _errors_shown(page, {"fd-key": "field.key_invalid",
                         "fd-name-en": "field.name_required",
                         "fd-default": "field.default_invalid"},
                  clean=["fd-type", "fd-name-pl", "fd-help-pl", "fd-help-en"])
    expect(page.locator("#fd-order-error")).to_contain_text("pierwszy")
    for input_id, typed in (("fd-key", "Zły klucz"), ("fd-name-pl", "Liczba urządzeń"),
                            ("fd-default", "dużo"), ("fd-order", "pierwszy")):
        expect(page.locator(f"#{input_id}")).to_have_value(typed)  # nothing typed is lost

    # corrected and saved: the messages go, the field's sections open
    page.fill("#fd-key", f"liczba_{uuid.uuid4().hex[:6]}")
    page.fill("#fd-name-en", "Devices")
    page.fill("#fd-default", "2")
    page.fill("#fd-order", "1")
    page.click("#fd-save")
    expect(page.locator("#admin-message")).to_be_visible()
    expect(page.locator(".pm-field-error")).to_have_count(0)

    # rows: each message stands under its row's own cell
    page.click("#fd-scope-add")
    page.click("#fd-scope-add")
    page.click("#fd-scopes-save")
    expect(page.locator("#fd-scope-1-error")).to_have_text(PL["field.scope_duplicate"])
    expect(page.locator("#fd-scope-0-error")).to_have_count(0)
    page.click("#fd-dep-add")
    page.click("#fd-deps-save")
    _errors_shown(page, {"fd-dep-source-0": "field.dependency_source_required",
                         "fd-dep-values-0": "field.dependency_values_required"},
                  clean=["fd-dep-effect-0"])
    page.click("#fd-new")  # a fresh form starts without old messages
    expect(page.locator(".pm-field-error")).to_have_count(0)


def test_status_set_form_reports_under_the_set(new_page):
    page = new_page()
    login(page, ADMIN)
    page.goto("/admin/workflow")
    expect(page.locator("label[for=wf-contract] .pm-required")).to_have_count(1)
    # the contracts arrive with the page's on_load: wait for them before reading one
    expect(page.locator("#wf-contract option[value='1']")).to_have_count(1)
    contract = page.locator("#wf-contract option").evaluate_all(
        "os => os.map(o => o.value).filter(v => /^[0-9]+$/.test(v)).pop()")
    page.select_option("#wf-contract", value=contract)
    expect(page.locator("#wf-set")).to_be_visible()
    for box in page.locator("#wf-set [data-status]").all():  # exactly "open" ticked
        if (box.get_attribute("data-state") == "checked") != (
                box.get_attribute("data-status") == "open"):
            box.click()
    page.click("#wf-set-save")
    expect(page.locator(".pm-error").first).to_contain_text(PL["form.invalid"])
    expect(page.locator("#wf-set-error")).to_have_text(PL["status.set_incomplete"])
    expect(page.locator("#wf-contract-error")).to_have_count(0)
    expect(page.locator('#wf-set [data-status="open"]')).to_have_attribute(
        "data-state", "checked")  # the ticks are kept
    page.select_option("#wf-contract", value="default")  # another set: the message goes
    expect(page.locator(".pm-field-error")).to_have_count(0)
