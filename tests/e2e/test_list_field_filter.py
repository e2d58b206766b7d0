"""The agent list filters and sorts by a custom field."""

from __future__ import annotations

import uuid

import pytest
from e2e_support import AGENT, login
from playwright.sync_api import expect
from sqlmodel import Session, col, select

from helpdesk_app.db import make_engine
from helpdesk_app.domain import fields
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.fields import FieldInput, OptionInput, ScopeInput
from helpdesk_app.models import Contract, FieldType, Ticket, TicketType, User

ADMIN = "admin@pomocnik.example"


@pytest.fixture(scope="module")
def located(app_server):
    """A "site" dropdown on Northwind's failure tickets; two tickets get a value each."""
    engine = make_engine(f"sqlite:///{app_server.data_dir / 'pomocnik.db'}")
    sfx = uuid.uuid4().hex[:6]
    try:
        with Session(engine, expire_on_commit=False) as db:
            admin = Actor.from_user(db.exec(select(User).where(User.email == ADMIN)).one())
            contract = db.exec(select(Contract).where(
                col(Contract.name).contains("Northwind"))).first()
            failure = db.exec(select(TicketType).where(TicketType.contract_id == contract.id,
                                                       TicketType.name_pl == "Awaria")).one()
            fid = fields.save_field(db, admin, FieldInput(
                f"site_{sfx}", f"Lokalizacja {sfx}", f"Site {sfx}", FieldType.DROPDOWN))
            fields.save_options(db, admin, fid, [OptionInput("hq", "Centrala", "HQ"),
                                                 OptionInput("branch", "Oddział", "Branch")])
            fields.save_scopes(db, admin, fid, [ScopeInput(contract.id, failure.id)])
            two = db.exec(select(Ticket).where(Ticket.ticket_type_id == failure.id)
                          .order_by(Ticket.id).limit(2)).all()
            fields.save_values(db, admin, two[0].id, {f"site_{sfx}": "hq"})
            fields.save_values(db, admin, two[1].id, {f"site_{sfx}": "branch"})
            yield {"label": f"Lokalizacja {sfx}", "hq": two[0].number,
                   "branch": two[1].number}
    finally:
        engine.dispose()


def test_filter_and_sort_by_a_custom_field(new_page, located):
    page = new_page()
    login(page, AGENT)
    page.select_option("#f-status", value="all")  # any status
    page.select_option("#f-field", label=located["label"])
    page.select_option("#f-field-value", label="Centrala")
    row = page.locator(f'.pm-row[data-number="{located["hq"]}"]')
    expect(row).to_be_visible()
    expect(page.locator(".pm-row")).to_have_count(1)
    page.select_option("#f-field-value", label="Oddział")
    expect(page.locator(f'.pm-row[data-number="{located["branch"]}"]')).to_be_visible()
    expect(page.locator(".pm-row")).to_have_count(1)
    # No value: every ticket again, sortable by the field (set values first, in option order).
    page.select_option("#f-field-value", value="all")
    page.click("#sort-field")
    expect(page.locator("#sort-field")).to_contain_text("↓")
    page.click("#sort-field")
    expect(page.locator("#sort-field")).to_contain_text("↑")
    numbers = page.locator(".pm-row a.pm-number").all_inner_texts()
    assert numbers[:2] == [located["hq"], located["branch"]]
