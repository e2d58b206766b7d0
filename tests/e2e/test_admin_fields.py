"""Admin custom-field page in the browser: a dropdown with options, a second dropdown whose
options depend on it, and the clear message when a dependency would make a loop."""

from __future__ import annotations

import re
import uuid

from e2e_support import login
from playwright.sync_api import expect

ADMIN = "admin@pomocnik.example"


def _new_dropdown(page, key: str, name_pl: str, name_en: str, options: str) -> None:
    page.click("#fd-new")
    expect(page.locator("#fd-key")).to_have_value("")
    page.fill("#fd-key", key)
    page.fill("#fd-name-pl", name_pl)
    page.fill("#fd-name-en", name_en)
    page.select_option("#fd-type", value="dropdown")
    page.click("#fd-save")
    expect(page.locator("#admin-message")).to_be_visible()
    page.fill("#fd-options", options)
    page.click("#fd-options-save")
    expect(page.locator("#admin-message")).to_be_visible()


def test_dropdown_with_dependent_options_and_a_refused_loop(new_page):
    page = new_page()
    login(page, ADMIN)
    page.click("#nav-admin-fields")
    page.wait_for_url(re.compile(r"/admin/fields"))
    suffix = uuid.uuid4().hex[:4]
    device, model = f"urzadzenie_{suffix}", f"model_{suffix}"

    # a bad key: clear message, the typed names stay
    page.click("#fd-new")
    page.fill("#fd-key", "Urządzenie")
    page.fill("#fd-name-pl", "Urządzenie")
    page.click("#fd-save")
    expect(page.locator("#fd-key-error")).to_contain_text("Klucz")
    expect(page.locator("#fd-name-pl")).to_have_value("Urządzenie")

    _new_dropdown(page, device, "Urządzenie", "Device",
                  "drukarka | Drukarka | Printer\nlaptop | Laptop | Laptop\n"
                  "skaner | Skaner | Scanner")
    # removing a line deactivates the option; a malformed line is explained
    page.fill("#fd-options", "drukarka | Drukarka | Printer\nlaptop | Laptop | Laptop")
    page.click("#fd-options-save")
    expect(page.locator("#fd-inactive-options")).to_contain_text("skaner")
    page.fill("#fd-options", "drukarka | Drukarka | Printer | ?")
    page.click("#fd-options-save")
    expect(page.locator("#fd-options-error")).to_contain_text("wiersz 1")
    expect(page.locator("#fd-options")).to_have_value("drukarka | Drukarka | Printer | ?")

    _new_dropdown(page, model, "Model", "Model", "hp | HP | HP\ndell | Dell | Dell")
    page.click("#fd-dep-add")
    page.select_option("#fd-dep-source-0", value=device)
    page.select_option("#fd-dep-effect-0", value="options")
    page.fill("#fd-dep-map-0", "drukarka: hp\nlaptop: dell, apple")
    page.click("#fd-deps-save")
    expect(page.locator("#fd-dep-values-0-error")).to_contain_text("„apple”")
    page.fill("#fd-dep-map-0", "drukarka: hp\nlaptop: dell")
    page.click("#fd-deps-save")
    expect(page.locator("#admin-message")).to_be_visible()
    expect(page.locator(f'.pm-config-row[data-title="Model ({model})"]')).to_contain_text(
        "zależności: 1")

    # the device made to depend on the model: a loop, refused, the row kept
    page.locator(f'.pm-config-row[data-title="Urządzenie ({device})"] button').click()
    expect(page.locator("#fd-key")).to_have_value(device)
    page.click("#fd-dep-add")
    page.select_option("#fd-dep-source-0", value=model)
    page.fill("#fd-dep-when-0", "hp")
    page.click("#fd-deps-save")
    expect(page.locator(".pm-error")).to_have_text("Zależności tworzą pętlę.")
    expect(page.locator("#fd-dep-when-0")).to_have_value("hp")


def test_field_permissions_grid_saves_per_role(new_page):
    page = new_page()
    login(page, ADMIN)
    page.goto("/admin/fields")
    key = "kod_rozliczeniowy_" + uuid.uuid4().hex[:4]
    page.click("#fd-new")
    page.fill("#fd-key", key)
    page.fill("#fd-name-pl", "Kod rozliczeniowy")
    page.fill("#fd-name-en", "Billing code")
    page.click("#fd-save")
    expect(page.locator("#admin-message")).to_be_visible()

    def box(role: str, perm: str):
        return page.locator(f'.pm-perm[data-role="{role}"][data-perm="{perm}"]')

    expect(box("technician", "edit")).to_have_attribute("data-state", "checked")
    box("technician", "edit").click()  # only the coordinator (and admin) edit
    box("client", "view").click()  # the client sees it
    page.click("#fd-perms-save")
    expect(page.locator("#admin-message")).to_be_visible()
    page.reload()
    page.locator(f'.pm-config-row[data-title="Kod rozliczeniowy ({key})"] button').click()
    expect(box("technician", "edit")).to_have_attribute("data-state", "unchecked")
    expect(box("technician", "view")).to_have_attribute("data-state", "checked")
    expect(box("client", "view")).to_have_attribute("data-state", "checked")
    expect(box("client", "edit")).to_have_attribute("data-state", "unchecked")
