"""Directory administration in the browser: an admin creates an organisation with a
verified domain and a person in it, edits, then deactivates the organisation — its people
are signed out at once and cannot sign in until it is reactivated."""

from __future__ import annotations

from e2e_support import login
from playwright.sync_api import expect

from helpdesk_app.i18n.pl import CATALOG as PL

ADMIN = "admin@pomocnik.example"
ZOFIA = "zofia.krawczyk@northwind.example"  # a demo client no other browser test uses
ORG = "Browar Testowy sp. z o.o."


def _open_user(page, text: str) -> None:
    page.fill("#user-search", text)
    row = page.locator("#user-rows .pm-dir-row").first
    expect(row).to_contain_text(text)
    row.click()
    expect(page.locator("#user-panel")).to_be_visible()


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_admin_builds_an_organisation_and_deactivating_it_locks_its_people_out(new_page):
    admin = new_page()
    login(admin, ADMIN)
    admin.click("#nav-admin-organisations")
    admin.wait_for_url("**/admin/organisations")
    admin.click("#org-new")
    admin.fill("#org-name", ORG)
    admin.select_option("#org-kind", "client")
    admin.fill("#org-domains", "browar-test.example\nnorthwind.example")
    admin.click("#org-save")
    # the taken domain is reported under its field; nothing typed is lost
    expect(admin.locator("#org-domains-error")).to_contain_text("northwind.example")
    expect(admin.locator("#org-name")).to_have_value(ORG)
    admin.fill("#org-domains", "Browar-Test.example")
    admin.click("#org-save")
    expect(admin.locator("#admin-message")).to_have_text(PL["orgadmin.saved"])
    expect(admin.locator("#org-domains")).to_have_value("browar-test.example")
    admin.fill("#org-search", "browar-test")  # found by its domain
    expect(admin.locator("#org-rows .pm-dir-row")).to_have_count(1)

    # a new person in it: created without a password
    admin.click("#nav-admin-users")
    admin.wait_for_url("**/admin/users")
    admin.click("#user-new")
    admin.fill("#user-name", "Bogdan Piwowarski")
    admin.fill("#user-email", "Bogdan@Browar-Test.example")
    admin.select_option("#user-role", "client")
    admin.select_option("#user-org", label=f"{ORG} (klient)")
    admin.click("#user-save")
    expect(admin.locator("#admin-message")).to_have_text(PL["useradmin.saved"])
    expect(admin.locator("#user-status")).to_have_text(PL["useradmin.no_password"])
    expect(admin.locator("#user-email")).to_have_value("bogdan@browar-test.example")

    # edit: an existing client (with a password) moves into the new organisation
    _open_user(admin, "Zofia Krawczyk")
    admin.select_option("#user-org", label=f"{ORG} (klient)")
    admin.click("#user-manager")  # a controlled checkbox: checked once the server agrees
    expect(admin.locator("#user-manager")).to_have_attribute("aria-checked", "true")
    admin.click("#user-save")
    expect(admin.locator("#admin-message")).to_have_text(PL["useradmin.saved"])
    admin.fill("#user-search", "")
    admin.select_option("#user-filter-org", label=f"{ORG} (klient)")
    expect(admin.locator("#user-rows .pm-dir-row")).to_have_count(2)
    expect(admin.locator("#user-pager-total")).to_contain_text("2")

    # Zofia is signed in when her organisation is deactivated
    zofia = new_page()
    login(zofia, ZOFIA)
    expect(zofia.locator("#current-user")).to_have_text("Zofia Krawczyk")

    admin.click("#nav-admin-organisations")
    admin.wait_for_url("**/admin/organisations")
    admin.fill("#org-search", "browar")
    admin.locator("#org-rows .pm-dir-row").first.click()
    admin.click("#org-toggle")
    expect(admin.locator("#org-confirm")).to_contain_text(PL["orgadmin.confirm_deactivate"])
    admin.click("#org-confirm-no")  # nothing happens without the confirmation
    expect(admin.locator("#org-inactive-badge")).to_have_count(0)
    admin.click("#org-toggle")
    admin.click("#org-confirm-yes")
    expect(admin.locator("#admin-message")).to_have_text(PL["orgadmin.deactivated"])
    expect(admin.locator("#org-inactive-badge")).to_be_visible()

    zofia.reload()  # her open session has ended
    zofia.wait_for_url("**/login")
    zofia.fill("#email", ZOFIA)
    zofia.fill("#password", "pomocnik-demo")
    zofia.click("#login-submit")
    expect(zofia.locator(".pm-error")).to_be_visible()
    assert "/login" in zofia.url

    # reactivated: she can sign in again
    admin.click("#org-toggle")
    admin.click("#org-confirm-yes")
    expect(admin.locator("#admin-message")).to_have_text(PL["orgadmin.reactivated"])
    login(zofia, ZOFIA)
    expect(zofia.locator("#current-user")).to_have_text("Zofia Krawczyk")


def test_user_panel_fits_a_phone_and_refuses_bad_input_per_field(new_page):
    page = new_page(phone=True)
    login(page, ADMIN)
    page.goto("/admin/users")
    expect(page.locator("#user-rows .pm-dir-row").first).to_be_visible()
    page.click("#user-new")
    page.fill("#user-name", "Bez Adresu")
    page.fill("#user-email", "bez-malpy")
    page.select_option("#user-role", "admin")
    page.select_option("#user-org", label="Northwind Logistics Ltd (klient)")
    page.fill("#user-tz", "Mars/Olympus")
    page.click("#user-save")
    expect(page.locator("#user-email-error")).to_have_text(PL["useradmin.email_invalid"])
    expect(page.locator("#user-org-error")).to_have_text(PL["useradmin.org_kind_for_admin"])
    expect(page.locator("#user-tz-error")).to_have_text(PL["useradmin.timezone_invalid"])
    expect(page.locator("#user-name")).to_have_value("Bez Adresu")
    _fits(page)
    page.fill("#user-search", "zzzz-nobody")
    expect(page.locator("#user-empty")).to_have_text(PL["useradmin.none_found"])
    _fits(page)
