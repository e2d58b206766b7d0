"""Custom fields in the new-ticket form, in the browser: an admin configuration (made here
through `domain.fields` on the test server's database) with a dropdown A and a field B
shown only while A is "network" or "hardware", whose options depend on A, plus a text
field required on create. An agent sees B appear, change its options and disappear as
A changes; submitting without the required values names each field next to it and keeps
everything typed; filling them creates the ticket with its values.

Scoped to one contract and ticket type no other browser test creates tickets of
(Dąbrowski's "Konsultacja"), so the required field cannot get in their way.
"""

from __future__ import annotations

import re
import uuid

import pytest
from e2e_support import AGENT, login
from playwright.sync_api import expect
from sqlmodel import Session, col, select

from helpdesk_app.db import make_engine
from helpdesk_app.domain import fields
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.fields import (
    DependencyInput,
    FieldInput,
    OptionInput,
    ScopeInput,
)
from helpdesk_app.models import Contract, FieldType, RequiredOn, Ticket, TicketType, User

ORG = "Kancelaria Prawna Dąbrowski i Wspólnicy"
REQUESTER = f"Michał Kamiński ({ORG})"
ADMIN = "admin@pomocnik.example"
TYPE = "Konsultacja"


@pytest.fixture(scope="module")
def setup(app_server):
    """The field configuration, written by the admin through the domain on the server's
    database. Returns the keys of A, B and the required field C."""
    engine = make_engine(f"sqlite:///{app_server.data_dir / 'pomocnik.db'}")
    sfx = uuid.uuid4().hex[:6]
    keys = {"a": f"area_{sfx}", "b": f"device_{sfx}", "c": f"order_ref_{sfx}"}
    try:
        with Session(engine, expire_on_commit=False) as db:
            admin = Actor.from_user(db.exec(select(User).where(User.email == ADMIN)).one())
            contract = db.exec(select(Contract).where(col(Contract.name).contains(ORG))).one()
            ttype = db.exec(select(TicketType).where(TicketType.contract_id == contract.id,
                                                     TicketType.name_pl == TYPE)).one()
            scope = [ScopeInput(contract.id, ttype.id)]

            def make(key, name_pl, ftype, options=(), required=RequiredOn.NEVER, order=0,
                     help_pl=""):
                fid = fields.save_field(db, admin, FieldInput(
                    key, name_pl, name_pl, ftype, help_pl=help_pl, help_en=help_pl,
                    sort_order=order))
                if options:
                    fields.save_options(db, admin, fid, [OptionInput(v, label)
                                                         for v, label in options])
                fields.save_scopes(db, admin, fid, [ScopeInput(
                    s.contract_id, s.ticket_type_id, required) for s in scope])
                return fid

            make(keys["a"], f"Obszar {sfx}", FieldType.DROPDOWN,
                 [("network", "Sieć"), ("hardware", "Sprzęt"), ("other", "Inne")], order=1)
            b = make(keys["b"], f"Urządzenie {sfx}", FieldType.DROPDOWN,
                     [("router", "Router"), ("switch", "Przełącznik"), ("laptop", "Laptop"),
                      ("printer", "Drukarka")], order=2, help_pl="Którego sprzętu dotyczy")
            make(keys["c"], f"Numer zlecenia {sfx}", FieldType.SHORT_TEXT,
                 required=RequiredOn.CREATE, order=3)
            fields.save_dependencies(db, admin, b, [
                DependencyInput(keys["a"], "show", ["network", "hardware"]),
                DependencyInput(keys["a"], "require", ["network", "hardware"]),
                DependencyInput(keys["a"], "options", options_map={
                    "network": ["router", "switch"], "hardware": ["laptop", "printer"]}),
            ])
        yield keys | {"engine": engine, "sfx": sfx}
    finally:
        engine.dispose()


def _options(page, key: str) -> list[str]:
    return page.locator(f"#nf-{key} option").all_inner_texts()


def test_dependent_field_appears_and_required_fields_are_named(new_page, setup):
    a, b, c = setup["a"], setup["b"], setup["c"]
    page = new_page()
    login(page, AGENT)
    page.goto("/agent/new")
    page.select_option("#n-requester", label=REQUESTER)
    expect(page.locator("#n-contract")).to_have_value(re.compile(r"\d+"))
    expect(page.locator(f"#nf-{a}")).to_have_count(0)  # first type: not in scope
    page.select_option("#n-type", label=TYPE)

    expect(page.locator(f"#nf-{a}")).to_be_visible()
    expect(page.locator(f"#nf-{c}")).to_be_visible()
    expect(page.locator(f"#nf-{b}")).to_have_count(0)  # hidden while A is empty
    expect(page.locator(f'.pm-cf[data-key="{c}"] .pm-cf-required')).to_be_visible()

    page.select_option(f"#nf-{a}", "network")
    expect(page.locator(f"#nf-{b}")).to_be_visible()
    expect(page.locator(f'.pm-cf[data-key="{b}"] .pm-cf-help')).to_have_text(
        "Którego sprzętu dotyczy")
    assert _options(page, b)[1:] == ["Router", "Przełącznik"]

    page.select_option(f"#nf-{a}", "hardware")
    expect(page.locator(f"#nf-{b} option")).to_have_text(["— wybierz —", "Laptop", "Drukarka"])

    page.select_option(f"#nf-{a}", "other")
    expect(page.locator(f"#nf-{b}")).to_have_count(0)

    page.select_option(f"#nf-{a}", "network")
    expect(page.locator(f"#nf-{b}")).to_be_visible()

    subject = f"Drukarka nie drukuje {setup['sfx']}"
    page.fill("#n-subject", subject)
    page.fill("#n-body", "Opis, który nie może zginąć")
    page.click("#n-submit")

    expect(page.locator(f"#nf-error-{c}")).to_have_text("To pole jest wymagane.")
    expect(page.locator(f"#nf-error-{b}")).to_have_text("To pole jest wymagane.")
    expect(page.locator(".pm-error")).to_contain_text("Popraw pola")
    expect(page.locator(".pm-error")).to_contain_text(f"Numer zlecenia {setup['sfx']}")
    # nothing typed is lost
    assert "/agent/new" in page.url
    expect(page.locator("#n-subject")).to_have_value(subject)
    expect(page.locator("#n-body")).to_have_value("Opis, który nie może zginąć")
    expect(page.locator(f"#nf-{a}")).to_have_value("network")

    page.fill(f"#nf-{c}", "ZL-2026/7")
    expect(page.locator(f"#nf-error-{c}")).to_have_count(0)  # fixed: its error goes
    page.select_option(f"#nf-{b}", "switch")
    page.click("#n-submit")
    page.wait_for_url(re.compile(r"/agent/tickets/\d{4}-\d{6}"))

    with Session(setup["engine"]) as db:
        ticket = db.exec(select(Ticket).where(Ticket.subject == subject)).one()
        agent = Actor.from_user(db.exec(select(User).where(User.email == AGENT)).one())
        values = {v.key: v.value for v in fields.values_for(db, agent, ticket.id)}
    assert (values[a], values[b], values[c]) == ("network", "switch", "ZL-2026/7")


def test_fields_fit_a_phone(new_page, setup):
    page = new_page(phone=True)
    login(page, AGENT)
    page.goto("/agent/new")
    page.select_option("#n-requester", label=REQUESTER)
    page.select_option("#n-type", label=TYPE)
    page.select_option(f"#nf-{setup['a']}", "hardware")
    box = page.locator(f"#nf-{setup['b']}").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_ticket_page_panel_edits_values_live(new_page, setup):
    """The fields panel on the ticket page: current values, the same live dependencies,
    Save with per-field errors, and a second agent's open page following live.
    Needs the panel on the ticket page (pages/ticket.py: `ticket_fields_panel()`)."""
    a, b, c = setup["a"], setup["b"], setup["c"]
    page = new_page()
    login(page, AGENT)
    page.goto("/agent/new")
    page.select_option("#n-requester", label=REQUESTER)
    page.select_option("#n-type", label=TYPE)
    page.select_option(f"#nf-{a}", "network")
    page.select_option(f"#nf-{b}", "router")
    page.fill(f"#nf-{c}", "ZL-1")
    page.fill("#n-subject", f"Panel pól {setup['sfx']}")
    page.click("#n-submit")
    page.wait_for_url(re.compile(r"/agent/tickets/\d{4}-\d{6}"))
    path = page.url

    expect(page.locator(f"#tf-{a}")).to_have_value("network")
    expect(page.locator(f"#tf-{b}")).to_have_value("router")
    expect(page.locator(f"#tf-{c}")).to_have_value("ZL-1")
    expect(page.locator("#tf-save")).to_be_disabled()  # nothing changed yet
    field_events = page.locator('#timeline [data-kind="field"]')
    before = field_events.count()

    other = new_page()
    login(other, "piotr.zielinski@pomocnik.example")
    other.goto(path)
    expect(other.locator(f"#tf-{b}")).to_have_value("router")
    other.evaluate("window.__sameDocument = true")

    # A → hardware: B now offers laptop/printer; the router it holds is refused at save
    page.select_option(f"#tf-{a}", "hardware")
    expect(page.locator(f"#tf-{b} option")).to_have_text(["— wybierz —", "Laptop", "Drukarka"])
    page.click("#tf-save")
    expect(page.locator(f"#tf-error-{b}")).to_contain_text("router")
    page.select_option(f"#tf-{b}", "laptop")
    page.fill(f"#tf-{c}", "")
    page.click("#tf-save")
    expect(page.locator(f"#tf-error-{c}")).to_have_text("To pole jest wymagane.")
    page.fill(f"#tf-{c}", "ZL-2")
    page.click("#tf-save")
    expect(page.locator("#tf-message")).to_have_text("Zapisano.")
    expect(field_events).to_have_count(before + 3)  # A, B and C changed

    # the other agent's page follows without a reload
    expect(other.locator(f"#tf-{a}")).to_have_value("hardware")
    expect(other.locator(f"#tf-{b}")).to_have_value("laptop")
    expect(other.locator(f"#tf-{c}")).to_have_value("ZL-2")
    assert other.evaluate("window.__sameDocument") is True
