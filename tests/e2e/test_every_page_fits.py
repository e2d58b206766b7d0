"""Every page, as the person who uses it, on a phone (390x844) and a desktop (1440x900), in
Polish and English: nothing scrolls sideways and no raw catalog key is shown.

A screenshot of each page/viewport/language is saved under $POMOCNIK_SCREENSHOTS
(default test-results/screenshots/): artefacts for a human look, never committed.
All problems are collected and reported together, so one run lists every page to fix.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from e2e_support import AGENT, CLIENT, login

import helpdesk_app.pages  # noqa: F401  (registers every page in PAGES)
from helpdesk_app import routes
from helpdesk_app.components.page import PAGES
from helpdesk_app.domain import permissions
from helpdesk_app.i18n import CATALOGS

COORDINATOR = "koordynator@pomocnik.example"
ADMIN = "admin@pomocnik.example"
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1440, "height": 900}}
LANGS = ("pl", "en")
SHOTS = Path(os.environ.get("POMOCNIK_SCREENSHOTS") or "test-results/screenshots")

_KEYS = sorted({k for cat in CATALOGS.values() for k in cat}, key=len, reverse=True)
RAW_KEY = re.compile(r"(?<![\w.@/-])(" + "|".join(map(re.escape, _KEYS)) + r")(?![\w.@/-])")

# Who opens which kind of page: the narrowest role the page admits.
PEOPLE = {"technician": AGENT, "coordinator": COORDINATOR, "admin": ADMIN, "client": CLIENT}


def _who(route: str) -> list[str]:
    rule = routes.page_rule(route)
    roles = rule.roles
    if rule.permission is not None:  # the narrowest built-in role holding the permission
        holders = [p for p in ("technician", "coordinator", "admin")
                   if rule.permission in permissions.BUILTIN[p]]
        return holders[:1]
    if roles is None:
        return ["anonymous"]
    if roles == routes.ANYONE:
        return ["technician", "client"]  # a page each kind of user sees in its own way
    if roles == routes.ADMINS:
        return ["admin"]
    if roles == routes.COORDINATION:
        return ["coordinator"]
    if roles == routes.CLIENTS:
        return ["client"]
    return ["technician"]


def _plan() -> dict[str, list[str]]:
    plan: dict[str, list[str]] = {}
    for spec in PAGES:
        if spec.route == routes.HOME:
            continue  # only sends the visitor on to the login, the list or the portal
        for person in _who(spec.route):
            if spec.route in (routes.AGENT_TICKET, routes.PORTAL_TICKET) and (
                    (person == "client") != (spec.route == routes.PORTAL_TICKET)):
                continue  # each side has its own ticket page
            plan.setdefault(person, []).append(spec.route)
    return plan


def _wait_ready(page, *, signed_in: bool) -> None:
    page.wait_for_load_state("networkidle")
    if signed_in:  # the shell shows the user's name once the page state has arrived
        page.wait_for_function(
            "() => (document.querySelector('#current-user')?.textContent || '').trim() !== ''")
    page.wait_for_timeout(400)  # on_load data and the last deltas


def _check(page, label: str, problems: list[str]) -> None:
    dims = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]")
    if dims[0] > dims[1]:
        wide = page.evaluate("""() => { const w = window.innerWidth, out = [];
            for (const el of document.body.querySelectorAll('*')) {
              const r = el.getBoundingClientRect();
              if (r.right > w + 1 && r.width > 0 && out.length < 3)
                out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
                  '.' + String(el.className).split(' ')[0] + ' ' + Math.round(r.right));
            } return out; }""")
        problems.append(f"{label}: scrolls sideways ({dims[0]} > {dims[1]}): {wide}")
    keys = sorted(set(RAW_KEY.findall(page.inner_text("body"))))
    if keys:
        problems.append(f"{label}: raw catalog keys {keys}")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / (re.sub(r"[^\w-]+", "_", label) + ".png")),
                    full_page=True)


def _set_language(page, lang: str) -> None:
    page.set_viewport_size(VIEWPORTS["desktop"])
    page.click(f"#lang-{lang}")
    page.wait_for_function(
        f"() => (localStorage.getItem('pomocnik_lang') || '').includes('{lang}')")
    page.wait_for_timeout(300)


def _ticket_numbers(browser, base_url: str) -> dict[str, str]:
    """A real ticket each side may open (the first row of the technician's list and of the
    client's portal)."""
    found = {}
    for person, route, key in (("technician", routes.AGENT, routes.AGENT_TICKET),
                               ("client", routes.PORTAL, routes.PORTAL_TICKET)):
        ctx = browser.new_context(base_url=base_url, viewport=VIEWPORTS["desktop"])
        page = ctx.new_page()
        login(page, PEOPLE[person])
        page.goto(route)
        found[key] = page.locator(".pm-row").first.get_attribute("data-number")
        ctx.close()
    return found


def test_every_page_fits_phone_and_desktop_in_both_languages(browser, app_server):
    numbers = _ticket_numbers(browser, app_server.url)
    problems: list[str] = []
    visited: list[str] = []
    for person, pages in _plan().items():
        ctx = browser.new_context(base_url=app_server.url, viewport=VIEWPORTS["desktop"])
        ctx.set_default_timeout(20_000)
        page = ctx.new_page()
        signed_in = person != "anonymous"
        if signed_in:
            login(page, PEOPLE[person])
        else:
            page.goto(routes.LOGIN)
        try:
            for lang in LANGS:
                _set_language(page, lang)
                for vp_name, vp in VIEWPORTS.items():
                    page.set_viewport_size(vp)
                    for route in pages:
                        url = route.replace("[ticket_number]", numbers.get(route, ""))
                        page.goto(url)
                        _wait_ready(page, signed_in=signed_in)
                        if not page.url.rstrip("/").endswith(url.rstrip("/")):
                            continue  # sent to the person's own variant of the page
                        label = f"{person}{route.replace('/', '_')}-{vp_name}-{lang}"
                        visited.append(label)
                        _check(page, label, problems)
        finally:
            if signed_in:  # the language is stored on the account: leave it as found
                _set_language(page, "pl")
            ctx.close()
    print(f"\n{len(visited)} page views checked:\n" + "\n".join(visited))
    assert len(visited) >= 60, visited
    assert not problems, "\n".join(problems)
