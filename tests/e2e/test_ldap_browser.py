"""Directory sign-in in the browser (issue 16): an admin configures a real OpenLDAP
server on /admin/ldap (tests first, then saves), previews the sync, and a member of the
mapped staff group signs in with their directory login and password; the sign-in page
then asks for "e-mail or login". The directory is switched off again at the end, so the
shared test app signs everybody else in as before."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator

import pytest
from e2e_support import login
from playwright.sync_api import expect

from tests.ldap_server import BIND_DN, BIND_PW, GROUPS, PASSWORDS, PEOPLE, slapd_server

ADMIN = "admin@pomocnik.example"


@pytest.fixture
def ldap_server(app_server) -> Iterator:
    with slapd_server() as server:
        try:
            yield server
        finally:  # whatever the test did: no active directory left in the shared app
            with sqlite3.connect(app_server.data_dir / "pomocnik.db", timeout=30) as conn:
                conn.execute("UPDATE ldap_directory SET is_active = 0")


def _fill_directory(page, server) -> None:
    page.fill("#ld-name", "Uczelnia testowa")
    page.fill("#ld-hosts", f"127.0.0.1:{server.port}")
    page.fill("#ld-ca", server.ca_pem)
    page.fill("#ld-bind-dn", BIND_DN)
    page.fill("#ld-bind-password", BIND_PW)
    page.fill("#ld-user-base", PEOPLE)
    page.fill("#ld-user-filter", "(objectClass=inetOrgPerson)")
    page.fill("#ld-group-base", GROUPS)
    page.fill("#ld-mappings", f"cn=helpdesk-staff,{GROUPS} -> technician | queues: Service Desk")


def test_an_admin_connects_a_directory_and_its_staff_sign_in_with_their_login(
        new_page, ldap_server) -> None:
    admin = new_page()
    login(admin, ADMIN)
    admin.goto("/admin/ldap")
    expect(admin.locator("#ld-none")).to_be_visible()
    admin.click("#ld-new")
    _fill_directory(admin, ldap_server)

    admin.click("#ld-test-connection")
    result = admin.locator("#ld-result")
    expect(result).to_have_attribute("data-ok", "true")
    expect(result).to_contain_text("4")

    admin.fill("#ld-bind-password", "wrong")  # a clear reason when the bind is refused
    admin.click("#ld-test-connection")
    expect(result).to_have_attribute("data-ok", "false")
    expect(result).to_contain_text(BIND_DN)
    admin.fill("#ld-bind-password", BIND_PW)

    admin.click("#ld-save")
    expect(admin.locator(".pm-ldap-row[data-name='Uczelnia testowa']")).to_be_visible()
    expect(admin.locator("#ld-bind-password")).to_have_value("")  # never sent back

    admin.fill("#ld-test-login", "anowak")
    admin.fill("#ld-test-password", PASSWORDS["anowak"])
    admin.click("#ld-test-login-btn")
    expect(result).to_have_attribute("data-ok", "true")
    expect(result).to_contain_text("Anna Nowak")
    expect(result).to_contain_text("Service Desk")

    admin.click("#ld-preview-sync")
    expect(result).to_contain_text("anna.nowak@uczelnia.test")
    expect(result).to_contain_text("jan.kowalski@uczelnia.test")

    person = new_page()
    person.goto("/login")
    expect(person.locator("label[for='email']")).to_have_text(re.compile("login", re.I))
    login(person, "anowak", PASSWORDS["anowak"])
    expect(person).to_have_url(re.compile(r"/agent"))

    # wrong directory password: the usual neutral refusal
    stranger = new_page()
    stranger.goto("/login")
    stranger.fill("#email", "jkowalski")
    stranger.fill("#password", "not-it")
    stranger.click("#login-submit")
    expect(stranger.locator("[role=alert]").first).to_be_visible()
    expect(stranger).to_have_url(re.compile(r"/login"))
