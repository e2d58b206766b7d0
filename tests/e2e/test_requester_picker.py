"""The new-ticket requester picker: type to find, every error of "new contact" at once next
to its field, and the new person chosen without leaving the form."""

from __future__ import annotations

import re
import uuid

from e2e_support import AGENT, login
from playwright.sync_api import expect


def _options(page) -> list[str]:
    return page.locator("#n-requester option").all_inner_texts()


def test_agent_finds_a_client_by_any_word_and_adds_a_new_contact_inline(new_page):
    page = new_page()
    login(page, AGENT)
    page.goto("/agent/new")
    page.fill("#n-requester-search", "lewandowska")
    # the matches only: the placeholder and Ewa
    expect(page.locator("#n-requester option")).to_have_count(2)
    assert "Ewa Lewandowska" in _options(page)[1]
    page.fill("#n-requester-search", "wodociągi lewandowska")  # organisation + name
    expect(page.locator("#n-requester option")).to_have_count(2)
    assert "Ewa Lewandowska" in _options(page)[1]
    page.fill("#n-requester-search", "nikt-taki-nie-istnieje")
    expect(page.locator("#n-requester-none")).to_be_visible()

    page.click("#n-new-contact")
    page.click("#nc-create")
    errors = page.locator(".pm-field-error")
    expect(errors).to_have_count(3)  # name, e-mail and company, all at once
    tag = uuid.uuid4().hex[:6]
    page.fill("#nc-name", f"Nowa Osoba {tag}")
    page.fill("#nc-email", f"nowa.{tag}@wodociagi-lodz.example")
    page.select_option("#nc-org", label="Miejskie Wodociągi Łódź S.A.")
    page.click("#nc-create")
    expect(page.locator("#nc-name")).to_have_count(0)  # the form closes
    chosen = page.locator("#n-requester option:checked")
    expect(chosen).to_have_text(f"Nowa Osoba {tag} (Miejskie Wodociągi Łódź S.A.)")

    page.fill("#n-subject", f"Zgłoszenie nowej osoby {tag}")
    page.fill("#n-body", "Opis")
    page.click("#n-submit")
    page.wait_for_url(re.compile(r"/agent/tickets/\d{4}-\d{6}"))
    expect(page.locator("#h-requester")).to_contain_text(f"Nowa Osoba {tag}")


def test_empty_new_ticket_form_shows_every_error_next_to_its_field_and_keeps_the_text(
        new_page):
    page = new_page()
    login(page, AGENT)
    page.goto("/agent/new")
    page.fill("#n-body", "Opis, który nie może zginąć")
    page.click("#n-submit")
    expect(page.locator("#n-requester-error")).to_be_visible()
    expect(page.locator("#n-subject-error")).to_be_visible()
    expect(page.locator("#n-body")).to_have_value("Opis, który nie może zginąć")
    expect(page.locator(".pm-required")).to_have_count(2)  # requester and subject
