"""The mails the helpdesk sends: one template per kind, in Polish and English, rendered to a
subject, a plain-text part and a small HTML part that reads well on a phone.

Templates are data (`_TEMPLATES`), rendered by one function, so the two languages cannot
drift apart in structure. Every context value is untrusted text (a ticket subject or a reply
comes straight from a client): the HTML part escapes all of them, and only http(s) values
become links. Every ticket mail's subject carries `[#<number>]`, which is how a reply finds
its way back to the ticket.
"""

from __future__ import annotations

import html
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

TEMPLATE_KINDS = ("auto_reply", "rejected", "new_ticket", "public_reply", "internal_note",
                  "assignment", "status_change", "ticket_closed", "sla_warning", "sla_breach",
                  "sla_warnings", "sla_breaches", "handover_handed", "handover_accepted",
                  "handover_returned", "handover_withdrawn")
LANGUAGES = ("pl", "en")
DEFAULT_LANGUAGE = "pl"


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


class _Opt(str):
    """A paragraph left out when a value it shows is empty (no "Assignee: " and nothing)."""


# Where the reply / note text goes among the paragraphs (left out when there is none).
_BODY = "\x00body"
# Where the list of SLA points goes (context "points": (level, clock, due_at) strings, one
# line each, worded by _POINT_LINES; left out when there are none).
_POINTS = "\x00points"


@dataclass(frozen=True)
class _Template:
    subject: str
    paragraphs: tuple[str, ...]
    link: str = ""  # context key of the button's URL (URLs in paragraphs are links too)
    link_label: str = ""


_PL_TOPIC = _Opt("Temat: {subject}")
_EN_TOPIC = _Opt("Subject: {subject}")
_PL_CHANGED_BY = _Opt("Autor zmiany: {actor_name}")
_EN_CHANGED_BY = _Opt("Changed by: {actor_name}")
_PL_OPEN, _EN_OPEN = "Otwórz zgłoszenie", "Open the ticket"

_TEMPLATES: dict[str, dict[str, _Template]] = {
    "auto_reply": {
        "pl": _Template(
            "[#{number}] Przyjęliśmy Państwa zgłoszenie: {subject}",
            ("Dziękujemy za wiadomość. Zarejestrowaliśmy ją jako zgłoszenie nr {number} "
             "i zajmiemy się nią możliwie szybko.",
             _PL_TOPIC,
             _Opt("Postęp prac mogą Państwo śledzić w panelu klienta: {portal_url}"))),
        "en": _Template(
            "[#{number}] We have received your request: {subject}",
            ("Thank you for your message. It has been registered as ticket {number} and we "
             "will look into it as soon as possible.",
             _EN_TOPIC,
             _Opt("You can follow its progress in the client portal: {portal_url}"))),
    },
    "rejected": {
        "pl": _Template(
            "Odp: {original_subject}",
            ("Dziękujemy za wiadomość. Niestety nie możemy jej przyjąć: adres nadawcy nie jest "
             "zarejestrowany w naszym systemie obsługi zgłoszeń, dlatego zgłoszenie nie zostało "
             "utworzone.",
             _Opt("Dotyczy wiadomości: {original_subject}"),
             "Jeśli współpracują Państwo z nami, prosimy wysłać wiadomość z adresu "
             "zarejestrowanego w systemie lub skontaktować się z opiekunem umowy.",
             _Opt("Zgłoszenie można też złożyć w panelu klienta: {portal_url}"))),
        "en": _Template(
            "Re: {original_subject}",
            ("Thank you for your message. Unfortunately we cannot accept it: the sender address "
             "is not registered with our helpdesk, so no ticket has been created.",
             _Opt("Regarding your message: {original_subject}"),
             "If you are our customer, please write from an address registered with us or "
             "contact your account manager.",
             _Opt("You can also submit a request in the client portal: {portal_url}"))),
    },
    "new_ticket": {
        "pl": _Template(
            "[#{number}] Nowe zgłoszenie: {subject}",
            ("W systemie zarejestrowano nowe zgłoszenie nr {number}.",
             _PL_TOPIC,
             _Opt("Utworzone przez: {actor_name}"),
             _BODY),
            "ticket_url", _PL_OPEN),
        "en": _Template(
            "[#{number}] New ticket: {subject}",
            ("A new ticket {number} has been registered.",
             _EN_TOPIC,
             _Opt("Created by: {actor_name}"),
             _BODY),
            "ticket_url", _EN_OPEN),
    },
    "public_reply": {
        "pl": _Template(
            "[#{number}] {subject}",
            ("Nowa odpowiedź w zgłoszeniu nr {number}.",
             _PL_TOPIC,
             _Opt("Autor: {actor_name}"),
             _BODY,
             "Mogą Państwo odpowiedzieć bezpośrednio na tę wiadomość – odpowiedź zostanie "
             "dołączona do zgłoszenia."),
            "ticket_url", _PL_OPEN),
        "en": _Template(
            "[#{number}] {subject}",
            ("There is a new reply on ticket {number}.",
             _EN_TOPIC,
             _Opt("From: {actor_name}"),
             _BODY,
             "You can reply to this e-mail directly; your reply will be added to the ticket."),
            "ticket_url", _EN_OPEN),
    },
    "internal_note": {
        "pl": _Template(
            "[#{number}] Notatka wewnętrzna: {subject}",
            ("Do zgłoszenia nr {number} dodano notatkę wewnętrzną.",
             _PL_TOPIC,
             _Opt("Autor: {actor_name}"),
             _BODY,
             "Notatka jest widoczna wyłącznie dla zespołu wsparcia."),
            "ticket_url", _PL_OPEN),
        "en": _Template(
            "[#{number}] Internal note: {subject}",
            ("An internal note has been added to ticket {number}.",
             _EN_TOPIC,
             _Opt("Author: {actor_name}"),
             _BODY,
             "The note is visible to the support team only."),
            "ticket_url", _EN_OPEN),
    },
    "assignment": {
        "pl": _Template(
            "[#{number}] Przypisanie zgłoszenia: {subject}",
            ("Zgłoszenie nr {number} zostało przypisane.",
             _PL_TOPIC,
             _Opt("Osoba przypisana: {assignee_name}"),
             _PL_CHANGED_BY),
            "ticket_url", _PL_OPEN),
        "en": _Template(
            "[#{number}] Ticket assigned: {subject}",
            ("Ticket {number} has been assigned.",
             _EN_TOPIC,
             _Opt("Assignee: {assignee_name}"),
             _EN_CHANGED_BY),
            "ticket_url", _EN_OPEN),
    },
    "status_change": {
        "pl": _Template(
            "[#{number}] Zmiana statusu: {subject}",
            ("Status zgłoszenia nr {number} został zmieniony.",
             _PL_TOPIC,
             _Opt("Poprzedni status: {old_status}"),
             "Nowy status: {status}",
             _PL_CHANGED_BY,
             _BODY),
            "ticket_url", _PL_OPEN),
        "en": _Template(
            "[#{number}] Status changed: {subject}",
            ("The status of ticket {number} has changed.",
             _EN_TOPIC,
             _Opt("Previous status: {old_status}"),
             "New status: {status}",
             _EN_CHANGED_BY,
             _BODY),
            "ticket_url", _EN_OPEN),
    },
    "ticket_closed": {
        "pl": _Template(
            "[#{number}] Zgłoszenie zamknięte: {subject}",
            ("Zgłoszenie nr {number} zostało zamknięte.",
             _PL_TOPIC,
             _PL_CHANGED_BY,
             _BODY,
             "Jeśli sprawa nie została rozwiązana, prosimy o odpowiedź na tę wiadomość."),
            "ticket_url", _PL_OPEN),
        "en": _Template(
            "[#{number}] Ticket closed: {subject}",
            ("Ticket {number} has been closed.",
             _EN_TOPIC,
             _EN_CHANGED_BY,
             _BODY,
             "If the issue has not been resolved, please reply to this e-mail."),
            "ticket_url", _EN_OPEN),
    },
    "sla_warning": {
        "pl": _Template(
            "[#{number}] Ostrzeżenie SLA: {subject}",
            ("Zbliża się termin SLA ({clock}) dla zgłoszenia nr {number}.",
             _PL_TOPIC,
             "Termin: {due_at}",
             _Opt("Osoba przypisana: {assignee_name}")),
            "ticket_url", _PL_OPEN),
        "en": _Template(
            "[#{number}] SLA warning: {subject}",
            ("The SLA deadline ({clock}) for ticket {number} is approaching.",
             _EN_TOPIC,
             "Due: {due_at}",
             _Opt("Assignee: {assignee_name}")),
            "ticket_url", _EN_OPEN),
    },
    "sla_breach": {
        "pl": _Template(
            "[#{number}] Przekroczenie SLA: {subject}",
            ("Przekroczono termin SLA ({clock}) dla zgłoszenia nr {number}.",
             _PL_TOPIC,
             "Termin upłynął: {due_at}",
             _Opt("Osoba przypisana: {assignee_name}"),
             "Prosimy o pilną reakcję."),
            "ticket_url", _PL_OPEN),
        "en": _Template(
            "[#{number}] SLA breached: {subject}",
            ("The SLA deadline ({clock}) for ticket {number} has been missed.",
             _EN_TOPIC,
             "Was due: {due_at}",
             _Opt("Assignee: {assignee_name}"),
             "Please act on it urgently."),
            "ticket_url", _EN_OPEN),
    },
    # One mail for a ticket that crossed several SLA points in one sweep: the points listed.
    "sla_warnings": {
        "pl": _Template(
            "[#{number}] Ostrzeżenie SLA: {subject}",
            ("Zbliżają się terminy SLA dla zgłoszenia nr {number}:",
             _POINTS,
             _PL_TOPIC,
             _Opt("Osoba przypisana: {assignee_name}")),
            "ticket_url", _PL_OPEN),
        "en": _Template(
            "[#{number}] SLA warning: {subject}",
            ("SLA deadlines for ticket {number} are approaching:",
             _POINTS,
             _EN_TOPIC,
             _Opt("Assignee: {assignee_name}")),
            "ticket_url", _EN_OPEN),
    },
    "sla_breaches": {
        "pl": _Template(
            "[#{number}] Przekroczenie SLA: {subject}",
            ("Terminy SLA zgłoszenia nr {number}, które minęły lub wkrótce miną:",
             _POINTS,
             _PL_TOPIC,
             _Opt("Osoba przypisana: {assignee_name}"),
             "Prosimy o pilną reakcję."),
            "ticket_url", _PL_OPEN),
        "en": _Template(
            "[#{number}] SLA breached: {subject}",
            ("SLA deadlines of ticket {number} that were missed or are close:",
             _POINTS,
             _EN_TOPIC,
             _Opt("Assignee: {assignee_name}"),
             "Please act on it urgently."),
            "ticket_url", _EN_OPEN),
    },
}

# Subcontracting (domain/handover.py): to the subcontractor (handed, withdrawn) and to the
# coordinator who handed the ticket over (accepted, returned). {organisation}: theirs.
_TEMPLATES.update({
    "handover_handed": {
        "pl": _Template(
            "[#{number}] Przekazano Państwu zgłoszenie: {subject}",
            ("Zgłoszenie nr {number} zostało przekazane do realizacji firmie {organisation}.",
             _PL_TOPIC,
             _Opt("Przekazał(a): {actor_name}"),
             _BODY,
             "Zgłoszenie jest widoczne w systemie tak długo, jak długo jest Państwu "
             "przekazane. Odpowiedź na tę wiadomość zostanie dołączona do zgłoszenia jako "
             "notatka."),
            "ticket_url", _PL_OPEN),
        "en": _Template(
            "[#{number}] Ticket handed over to you: {subject}",
            ("Ticket {number} has been handed over to {organisation}.",
             _EN_TOPIC,
             _Opt("Handed over by: {actor_name}"),
             _BODY,
             "You can see the ticket for as long as it is handed over to you. A reply to "
             "this e-mail is added to the ticket as a note."),
            "ticket_url", _EN_OPEN),
    },
    "handover_withdrawn": {
        "pl": _Template(
            "[#{number}] Zgłoszenie wycofane: {subject}",
            ("Zgłoszenie nr {number} nie jest już przekazane firmie {organisation}; "
             "dostęp do niego został zakończony.",
             _PL_TOPIC,
             _Opt("Wycofał(a): {actor_name}"),
             _BODY)),
        "en": _Template(
            "[#{number}] Ticket withdrawn: {subject}",
            ("Ticket {number} is no longer handed over to {organisation}; access to it has "
             "ended.",
             _EN_TOPIC,
             _Opt("Withdrawn by: {actor_name}"),
             _BODY)),
    },
    "handover_accepted": {
        "pl": _Template(
            "[#{number}] Podwykonawca przyjął zgłoszenie: {subject}",
            ("Firma {organisation} przyjęła zgłoszenie nr {number} do realizacji.",
             _PL_TOPIC,
             _Opt("Przyjął(a): {actor_name}")),
            "ticket_url", _PL_OPEN),
        "en": _Template(
            "[#{number}] Subcontractor accepted the ticket: {subject}",
            ("{organisation} has accepted ticket {number}.",
             _EN_TOPIC,
             _Opt("Accepted by: {actor_name}")),
            "ticket_url", _EN_OPEN),
    },
    "handover_returned": {
        "pl": _Template(
            "[#{number}] Podwykonawca zwrócił zgłoszenie: {subject}",
            ("Firma {organisation} zwróciła zgłoszenie nr {number}.",
             _PL_TOPIC,
             _Opt("Zwrócił(a): {actor_name}"),
             _BODY),
            "ticket_url", _PL_OPEN),
        "en": _Template(
            "[#{number}] Subcontractor returned the ticket: {subject}",
            ("{organisation} has returned ticket {number}.",
             _EN_TOPIC,
             _Opt("Returned by: {actor_name}"),
             _BODY),
            "ticket_url", _EN_OPEN),
    },
})

# One SLA point of a ticket that crossed several in one sweep (sla_warnings / sla_breaches).
_POINT_LINES = {
    "pl": {"warning": "{clock}: zbliża się termin – {due_at}",
           "breach": "{clock}: termin upłynął – {due_at}"},
    "en": {"warning": "{clock}: due soon – {due_at}",
           "breach": "{clock}: missed – was due {due_at}"},
}

# Polish addresses people without their name: a correct "Dear ..." needs the vocative and
# the gender, which a name alone does not give.
_GREETING = {
    "pl": ("Dzień dobry,", "Dzień dobry,"),
    "en": ("Hello,", "Hello {recipient_name},"),
}
_FOOTER = {
    "pl": "Wiadomość z systemu obsługi zgłoszeń Pomocnik.",
    "en": "Sent by the Pomocnik helpdesk.",
}
# A substitute's copy of a mail meant for an absent colleague (context "on_behalf_of",
# issue 13): said under the greeting and at the end of the subject.
_ON_BEHALF = {
    "pl": _Opt("Otrzymujesz tę wiadomość w zastępstwie za: {on_behalf_of}."),
    "en": _Opt("You receive this as the substitute for {on_behalf_of}."),
}
_ON_BEHALF_SUBJECT = {"pl": " (za {on_behalf_of})", "en": " (for {on_behalf_of})"}
# Ticket mails only: the token in the subject is how a reply finds its ticket.
_KEEP_TOKEN = {
    "pl": "Odpowiadając, prosimy nie usuwać z tematu oznaczenia [#{number}].",
    "en": "When replying, please keep [#{number}] in the subject.",
}

_FORMATTER = string.Formatter()
_SAFE_URL = re.compile(r"https?://", re.IGNORECASE)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")

# Inline styles only: many mail clients drop <style> blocks.
_FONT = "font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.5;color:#1f2933;"
_P = "margin:0 0 14px;"
_QUOTE = ("margin:0 0 14px;padding:10px 14px;border-left:4px solid #2563eb;"
          "background:#f3f6fb;word-wrap:break-word;")
_BUTTON = ("display:inline-block;padding:12px 20px;background:#2563eb;color:#ffffff;"
           "text-decoration:none;border-radius:6px;font-weight:bold;")
_LINK = "color:#2563eb;word-break:break-all;"
_SMALL = "margin:16px 0 0;font-size:13px;line-height:1.4;color:#6b7280;"


class _Values(dict):
    """Context as strings; a missing key renders as ""."""

    def __missing__(self, key: str) -> str:
        return ""


def _values(context: Mapping[str, Any]) -> _Values:
    return _Values({str(k): "" if v is None else str(v) for k, v in context.items()})


def _html_value(key: str, value: str) -> str:
    shown = html.escape(value, quote=True)
    if key.endswith("_url") and _SAFE_URL.match(value.strip()):
        return f'<a href="{shown.strip()}" style="{_LINK}">{shown.strip()}</a>'
    return shown


def _fields(template: str) -> list[str]:
    return [name for _text, name, _spec, _conv in _FORMATTER.parse(template) if name]


def _fill(template: str, values: Mapping[str, str]) -> str:
    # format_map substitutes once: a "{number}" typed by a client stays literal text.
    return template.format_map(values)


def _language(language: str) -> str:
    code = (language or "").strip().lower().replace("_", "-").split("-", 1)[0]
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _point_lines(lang: str, points: Any) -> list[str]:
    """(level, clock, due_at) triples as lines; single braces in the values stay literal."""
    if not isinstance(points, (list, tuple)):
        return []
    lines = []
    for point in points:
        if not isinstance(point, (list, tuple)) or len(point) != 3:
            continue
        level, clock, due_at = point
        line = _POINT_LINES[lang].get(str(level))
        if line is not None:
            lines.append(_one_line(_fill(line, _values({"clock": clock, "due_at": due_at}))))
    return lines


def render(kind: str, language: str, context: Mapping[str, Any]) -> Rendered:
    """Render mail `kind` in `language` ("pl" / "en"; anything else: Polish).

    Raises ValueError for an unknown kind."""
    if kind not in _TEMPLATES:
        raise ValueError(f"unknown mail template {kind!r}")
    lang = _language(language)
    tpl = _TEMPLATES[kind][lang]
    values = _values(context)
    escaped = _Values({k: _html_value(k, v) for k, v in values.items()})

    greeting = _GREETING[lang][1 if values["recipient_name"].strip() else 0]
    paragraphs = (greeting, _ON_BEHALF[lang], *tpl.paragraphs)
    text_parts: list[str] = []
    html_parts: list[str] = []
    for para in paragraphs:
        if para == _POINTS:
            lines = _point_lines(lang, context.get("points") or ())
            if lines:
                text_parts.append("\n".join(f"- {line}" for line in lines))
                items = "".join(f"<li>{html.escape(line, quote=True)}</li>" for line in lines)
                html_parts.append(f'<ul style="{_P}padding-left:20px;">{items}</ul>')
            continue
        if para == _BODY:
            body = values["body"].strip("\r\n")
            if body.strip():
                text_parts.append(_LINE_BREAK.sub("\n", body))
                lines = _LINE_BREAK.split(html.escape(body, quote=True))
                html_parts.append(f'<div style="{_QUOTE}">{"<br>".join(lines)}</div>')
            continue
        if isinstance(para, _Opt) and any(not values[f].strip() for f in _fields(para)):
            continue
        text_parts.append(_fill(para, values))
        html_parts.append(f'<p style="{_P}">{_fill(para, escaped)}</p>')

    url = values[tpl.link].strip() if tpl.link else ""
    if url and _SAFE_URL.match(url):
        text_parts.append(f"{tpl.link_label}: {url}")
        html_parts.append(f'<p style="margin:20px 0;"><a href="{html.escape(url, quote=True)}" '
                          f'style="{_BUTTON}">{html.escape(tpl.link_label)}</a></p>')

    footer = [_FOOTER[lang]]
    if kind != "rejected":
        footer.insert(0, _fill(_KEEP_TOKEN[lang], values))
    text = "\n\n".join(text_parts) + "\n\n-- \n" + "\n".join(footer) + "\n"
    subject = _one_line(_fill(tpl.subject, values))
    if values["on_behalf_of"].strip():
        subject += _one_line(_fill(_ON_BEHALF_SUBJECT[lang], values))
    small = "<br>".join(html.escape(line) for line in footer)
    page = (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(subject)}</title>\n</head>\n"
        '<body style="margin:0;padding:0;background:#f4f5f7;">\n'
        f'<div style="max-width:600px;margin:0 auto;padding:16px;{_FONT}">\n'
        '<div style="background:#ffffff;border-radius:8px;padding:20px;">\n'
        + "\n".join(html_parts)
        + f'\n</div>\n<p style="{_SMALL}">{small}</p>\n</div>\n</body>\n</html>\n'
    )
    return Rendered(subject=subject, text=text, html=page)
