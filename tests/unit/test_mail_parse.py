"""helpdesk_app/mail/inbound/parse/ against the mail corpus (tests/mail_corpus, see its
README.md), generated big/deep/many-part messages, and hypothesis: whatever the bytes,
parse_message returns a ParsedMail or raises MailParseError."""

from __future__ import annotations

import base64
import random
import re
from datetime import UTC, datetime
from email import message_from_bytes, policy

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mail_corpus_support import (
    CORPUS,
    encoded_forward,
    load,
    names,
    nested,
    with_attachment,
    with_parts,
)

from helpdesk_app.mail.inbound.parse import (
    DsnReport,
    MailParseError,
    ParsedMail,
    html_to_text,
    parse_message,
    sanitize_html,
    split_reply,
)

MB = 1024 * 1024
REASONS = {"too_large", "too_many_parts", "unparseable"}
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
CONTENT_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*")


def parse(raw: bytes, *, max_bytes: int = 25 * MB, max_parts: int = 200) -> ParsedMail:
    return parse_message(raw, max_bytes=max_bytes, max_parts=max_parts)


def corpus(name: str) -> ParsedMail:
    return parse(load(name))


def assert_well_formed(mail: ParsedMail) -> None:
    """What every consumer relies on, whatever came in."""
    assert not CONTROL.search(mail.subject) and mail.subject == mail.subject.strip()
    assert not CONTROL.search(mail.from_name)
    for name, value in mail.headers.items():
        assert name == name.lower() and not CONTROL.search(value), (name, value)
    for addr in [mail.from_addr, *mail.to, *mail.cc, mail.reply_to or ""]:
        assert addr == addr.lower() and not CONTROL.search(addr)
    for text in (mail.text, mail.html):
        assert "\x00" not in text and "\r" not in text
        text.encode("utf-8")  # no lone surrogates: storable in PostgreSQL
    for ident in [mail.message_id or "", *mail.in_reply_to, *mail.references]:
        assert "<" not in ident and ">" not in ident and not CONTROL.search(ident)
    for att in mail.attachments:
        assert att.filename and not CONTROL.search(att.filename)
        assert CONTENT_TYPE.fullmatch(att.content_type)
        assert isinstance(att.data, bytes)
    assert mail.date is None or mail.date.utcoffset().total_seconds() == 0
    assert mail.part_count >= 1


# --------------------------------------------------------------------------- charsets


def test_plain_utf8_polish() -> None:
    mail = corpus("plain_utf8_polish")
    assert mail.subject == "Zażółć gęślą jaźń"
    assert (mail.from_addr, mail.from_name) == ("pawel.zoltowski@example.pl", "Paweł Żółtowski")
    assert mail.to == ["helpdesk@pomocnik.test", "anna.nowak@example.pl"]
    assert mail.cc == ["biuro@example.pl"]  # the same address twice, once
    assert mail.message_id == "20250303091240.4711@example.pl"
    assert mail.date == datetime(2025, 3, 3, 8, 12, 40, tzinfo=UTC)
    assert mail.text.startswith("Dzień dobry,\n\nZażółć gęślą jaźń. ZAŻÓŁĆ GĘŚLĄ JAŹŃ.\n")
    assert mail.text.endswith("-- \nPaweł Żółtowski")
    assert (mail.html, mail.attachments, mail.dsn, mail.defects) == ("", [], None, [])
    assert mail.part_count == 1
    assert mail.headers["subject"] == "Zażółć gęślą jaźń"
    assert mail.headers["return-path"] == "<pawel.zoltowski@example.pl>"
    assert mail.headers["received"].startswith("from mail.example.pl")  # first, unfolded


def test_iso8859_2_quoted_printable_and_q_encoded_subject() -> None:
    mail = corpus("iso8859_2_qp")
    assert mail.subject == "Prośba o dostęp do udziału sieciowego"
    assert mail.from_name == "Łukasz Ślęzak"
    assert mail.text == ("Proszę o nadanie mi dostępu do udziału \\\\serwer\\księgowość.\n"
                         "Potrzebuję go na jutro, żeby zamknąć miesiąc. Dziękuję!")
    assert mail.defects == []


def test_windows_1250_declared_as_latin1_is_recognised() -> None:
    mail = corpus("cp1250_declared_latin1")
    assert mail.text == ("Dzień dobry, nie mogę się zalogować do skrzynki.\n"
                         "Komunikat: źle wpisane hasło. Proszę o reset.")
    assert len(mail.defects) == 1
    assert "'iso-8859-1'" in mail.defects[0] and "windows-1250" in mail.defects[0]


def test_undeclared_8bit_body_and_raw_8bit_subject() -> None:
    mail = corpus("undeclared_8bit")
    assert mail.subject == "Awaria serwera – pilne, świeży błąd"
    assert mail.text == ("Serwer sklepu zwraca błąd 500 od godziny 11:00.\n"
                         "Ściąga się tylko pusta strona.")
    assert any(d.startswith("header subject:") and "windows-1250" in d for d in mail.defects)
    assert any(d.startswith("message (text/plain)") and "without a charset" in d
               for d in mail.defects)


def test_utf8_declared_as_iso8859_2_is_read_as_utf8() -> None:
    mail = corpus("utf8_declared_iso8859_2")
    assert mail.text == "Kopia zapasowa nie powiodła się: brak miejsca na dysku „backup”."
    assert mail.defects == [
        "message (text/plain): declared charset 'ISO-8859-2' but the text is UTF-8; "
        "decoded as utf-8"]


def test_raw_utf8_header_is_not_a_defect() -> None:
    raw = "From: Zoë <zoe@example.pl>\nSubject: Zażółć\n\nx\n".encode()
    mail = parse(raw)
    assert (mail.subject, mail.from_name, mail.defects) == ("Zażółć", "Zoë", [])


@pytest.mark.parametrize(("charset", "body", "expected", "defect"), [
    ("x-foo", "żółw".encode(), "żółw", "unknown charset 'x-foo'"),
    ("base64", "żółw".encode(), "żółw", "unknown charset 'base64'"),  # not a text codec
    ("utf-8", "żółw".encode("cp1250"), "żółw", "bytes do not fit the declared charset"),
    ("us-ascii", "żółw".encode("iso-8859-2"), "żółw", "decoded as windows-1250"),
    ("us-ascii", b"caf\xe9 \x98", "café \x98", "decoded as iso-8859-1"),  # not cp1250
    ("windows-1250", "żółw".encode("cp1250"), "żółw", None),
    ("unknown-8bit", b"plain ascii", "plain ascii", None),
])
def test_body_charset_fallbacks(charset: str, body: bytes, expected: str,
                                defect: str | None) -> None:
    raw = (f"From: a@example.pl\nContent-Type: text/plain; charset={charset}\n"
           "Content-Transfer-Encoding: 8bit\n\n").encode() + body
    mail = parse(raw)
    assert mail.text == expected
    if defect is None:
        assert mail.defects == []
    else:
        assert len(mail.defects) == 1 and defect in mail.defects[0]


def test_control_characters_and_nul_never_reach_the_text() -> None:
    raw = b"From: a@example.pl\n\nline\x00one\r\nline\x07two\x0c\rthree\ttab\n"
    assert parse(raw).text == "lineone\nlinetwo\nthree\ttab"


# --------------------------------------------------------------------------- HTML bodies


def test_html_only_is_sanitized_and_turned_into_text() -> None:
    mail = corpus("html_only_xss")
    html = mail.html.lower()
    for gone in ("<script", "alert(", "onerror", "onload", "onclick", "javascript:",
                 "<iframe", "<form", "<input", "<button", "<style", "display:none",
                 "position:fixed", "http://tracker", "data:image", "secret title", "steal()"):
        assert gone not in html, gone
    assert "<b>pilny</b>" in mail.html
    assert 'href="https://example.pl/faktura/123"' in mail.html
    assert '<img src="https://example.pl/logo.png" alt="Logo">' in mail.html
    assert mail.text == (
        "Dzień dobry,\n\n"
        "proszę o pilny kontakt w sprawie faktury 123 (https://example.pl/faktura/123).\n\n"
        "Kliknij tutaj & tu\n\n"
        "- pierwszy punkt\n- drugi punkt\n\n"
        "Pozdrawiam\nAnna")
    assert mail.attachments == []


def test_alternative_prefers_plain_text_and_keeps_sanitized_html() -> None:
    mail = corpus("alternative")
    assert mail.text == ("Dzień dobry,\n\nw załączniku brak pliku, proszę o ponowne "
                         "przesłanie.\n\nPozdrawiam\nEwa")
    assert mail.html.startswith("<div><p>Dzień dobry,</p>")
    assert "<i>brak pliku</i>" in mail.html and 'dir="ltr"' not in mail.html
    assert mail.attachments == [] and mail.part_count == 3


def test_empty_plain_alternative_falls_back_to_the_html() -> None:
    raw = (b'From: a@example.pl\nContent-Type: multipart/alternative; boundary="x"\n\n'
           b"--x\nContent-Type: text/plain\n\n \n"
           b"--x\nContent-Type: text/html\n\n<p>Only <b>here</b></p>\n--x--\n")
    mail = parse(raw)
    assert (mail.text, mail.html) == ("Only here", "<p>Only <b>here</b></p>")


@pytest.mark.parametrize(("html", "expected"), [
    ("<p>one</p><p>two<br>three</p>", "one\n\ntwo\nthree"),
    ("<ul><li>a</li><li>b<ul><li>b1</li></ul></li></ul><ol><li>x</li><li>y</li></ol>",
     "- a\n- b\n  - b1\n\n1. x\n2. y"),
    ('<a href="https://e.pl/x">link</a> <a href="https://e.pl/y">https://e.pl/y</a>',
     "link (https://e.pl/x) https://e.pl/y"),
    ('<a href="mailto:jan@e.pl?subject=x">Jan</a>, <a href="mailto:jan@e.pl">jan@e.pl</a>',
     "Jan (jan@e.pl), jan@e.pl"),
    ('<a href="javascript:alert(1)">x</a><a href="#top">top</a><a href="https://e.pl"></a>',
     "xtophttps://e.pl"),
    ("<head><title>T</title><style>p{}</style></head><body>a<script>b()</script>c</body>",
     "ac"),
    ("<head><meta charset=utf-8><body>unclosed head</body>", "unclosed head"),
    ("<pre>  keep\n    this</pre><p>a   b\n c</p>", "  keep\n    this\n\na b c"),
    ("<p>a</p><blockquote>q1<blockquote>q2</blockquote></blockquote><p>b</p>",
     "a\n\n> q1\n>\n>> q2\n\nb"),
    ("<table><tr><td>k</td><td>v</td></tr><tr><td>k2</td><td>v2</td></tr></table>",
     "k v\nk2 v2"),
    ("&lt;tag&gt; &amp; &quot;q&quot; &#322;&oacute;d&#378;", '<tag> & "q" łódź'),
    ("<p class=MsoNormal>line 1</p><p class=MsoNormal>&nbsp;</p><p class=MsoNormal>line 2</p>",
     "line 1\n\nline 2"),
    ("<div><p>unclosed <b>tags<p>everywhere", "unclosed tags\n\neverywhere"),
    ("<button>Send</button><select><option>o</option></select><textarea>t</textarea>ok",
     "ok"),
    ("", ""),
])
def test_html_to_text(html: str, expected: str) -> None:
    assert html_to_text(html) == expected


def test_sanitize_html_keeps_only_safe_images_and_links() -> None:
    out = sanitize_html(
        '<img src="cid:logo@x"><img src="https://e.pl/a.png"><img src="http://e.pl/t.gif">'
        '<img src="data:image/png;base64,AA"><img src="/relative.png" onerror="x()">'
        '<a href="https://e.pl" target="_blank" style="color:red">ok</a>'
        '<a href="vbscript:msgbox">vb</a><a href="/relative">rel</a>'
        '<p style="background:url(javascript:x)" class="c" id="i">p</p>')
    assert '<img src="cid:logo@x">' in out and '<img src="https://e.pl/a.png">' in out
    assert out.count("<img>") == 3  # the tags stay harmless, their sources are gone
    assert '<a href="https://e.pl" rel="noopener noreferrer nofollow">ok</a>' in out
    assert "vbscript" not in out and "relative" not in out and "target" not in out
    assert "<p>p</p>" in out


# --------------------------------------------------------------------------- replies


def test_outlook_polish_reply_splits_the_same_from_text_and_html() -> None:
    raw = load("outlook_reply_pl")
    mail = parse(raw)
    assert mail.subject == "ODP: [#2025-000042] Drukarka nie drukuje"
    assert (mail.from_addr, mail.from_name) == ("marek.wisniewski@firma.example.pl",
                                                "Marek Wiśniewski")
    assert mail.in_reply_to == ["pomocnik.42.1740993300.bbb@pomocnik.test"]
    assert mail.references == ["pomocnik.42.1740990000.aaa@pomocnik.test",
                               "pomocnik.42.1740993300.bbb@pomocnik.test"]
    assert mail.headers["content-language"] == "pl-PL"
    assert mail.headers["x-ms-has-attach"] == ""
    new, quoted = split_reply(mail.text)
    assert new == "Dziękuję, po restarcie drukarka działa.\n\nPozdrawiam\nMarek Wiśniewski"
    assert quoted.startswith("Od: Pomocnik <helpdesk@pomocnik.test>\nWysłane: poniedziałek")
    assert quoted.endswith("proszę zrestartować drukarkę.")
    # the Word HTML (before sanitizing) reads the same, MsoNormal lines and all
    word_html = message_from_bytes(raw, policy=policy.default).get_body(("html",)).get_content()
    assert "MsoNormal" in word_html and "<o:p>" in word_html
    assert split_reply(html_to_text(word_html)) == (new, quoted)
    assert "font-family" not in mail.html and "<o:p>" not in mail.html
    assert "<b>Wysłane:</b>" in mail.html


def test_gmail_polish_reply() -> None:
    mail = corpus("gmail_reply_pl")
    assert mail.message_id == "CAGx7vZq=V3nA8uKv0ErXQ+2S_8v2K1TXgk8kq+Y7QzV2mF0JZw@mail.gmail.com"
    assert mail.in_reply_to == ["pomocnik.42.1740993300.bbb@pomocnik.test"]
    assert len(mail.references) == 2
    new, quoted = split_reply(mail.text)
    assert new == "Dziękuję, wszystko działa."
    assert quoted.startswith("W dniu pon., 3 mar 2025 o 10:15 Pomocnik")
    assert "> proszę zrestartować drukarkę." in quoted
    # HTML-only variant: the gmail_quote blockquote becomes "> " lines
    assert split_reply(html_to_text(mail.html))[0] == "Dziękuję, wszystko działa."


def test_thunderbird_format_flowed_reply() -> None:
    mail = corpus("thunderbird_flowed")
    new, quoted = split_reply(mail.text)
    assert new == ("Połączenie VPN zrywa się co kilka minut, szczególnie gdy pracuję z domu "
                   "przez Wi-Fi. Czy można to sprawdzić?")
    assert quoted == ("W dniu 09.03.2025 o 17:00, Pomocnik pisze:\n"
                      "> Prosimy o opisanie, kiedy dokładnie połączenie się zrywa i na jakim "
                      "urządzeniu.")


def test_flowed_with_delsp_joins_without_the_space() -> None:
    raw = (b"From: a@example.pl\nContent-Type: text/plain; format=flowed; delsp=yes\n\n"
           b"Zg\xc5\x82o \nszenie\n-- \nsig\n")
    assert parse(raw).text == "Zgłoszenie\n-- \nsig"


@pytest.mark.parametrize(("text", "new", "quoted_start"), [
    ("Thanks!\n\nOn Mon, Mar 3, 2025 at 10:15 AM Helpdesk <h@x.pl> wrote:\n> old",
     "Thanks!", "On Mon, Mar 3, 2025"),
    ("Thanks!\n\nOn Mon, Mar 3, 2025 at 10:15 AM Helpdesk <\nh@x.pl> wrote:\n\n> old",
     "Thanks!", "On Mon, Mar 3, 2025"),
    ("Dzięki\n\npon., 3 mar 2025 o 10:15 Helpdesk <h@x.pl> napisał(a):\n> stare",
     "Dzięki", "pon., 3 mar 2025"),
    ("Dzięki\nW dniu 3.03.2025 o 10:15, Jan pisze:\n> stare", "Dzięki", "W dniu 3.03.2025"),
    ("Ok\n\n-----Original Message-----\nFrom: x\nSent: y\n\nold", "Ok",
     "-----Original Message-----"),
    ("Ok\n\n-----Wiadomość oryginalna-----\nOd: x\nWysłano: y\n\nstare", "Ok",
     "-----Wiadomość oryginalna-----"),
    ("Ok\n\nFrom: Helpdesk <h@x.pl>\nSent: Monday, March 3, 2025 10:15 AM\nTo: me\n\nold",
     "Ok", "From: Helpdesk"),
    ("Ok\n\n*Od:* Helpdesk\n*Wysłane:* poniedziałek\n*Do:* Jan\n\nstare", "Ok", "*Od:* Helpdesk"),
    ("Ok\n________________________________\nFrom: Helpdesk\nDate: Monday\n\nold", "Ok",
     "________________________________"),
    ("Ok\n\n> quoted\n>\n> more\n\n", "Ok", "> quoted"),
    ("> everything quoted\n> here", "", "> everything quoted"),
])
def test_split_reply_finds_the_history(text: str, new: str, quoted_start: str) -> None:
    got_new, got_quoted = split_reply(text)
    assert got_new == new
    assert got_quoted.startswith(quoted_start)


@pytest.mark.parametrize("text", [
    "Just a message.\nNo history here.",
    # interleaved answers after the quotes: cutting would lose them
    "> Does it print?\nNo.\n> Is it on?\nYes.",
    # a forwarded message's header block is the content
    "FYI\n\n---------- Forwarded message ---------\nFrom: Klient <k@x.pl>\n"
    "Date: Mon, 3 Mar 2025\nSubject: Awaria\n\nDrukarka nie działa.",
    "Od: dzisiaj drukarka nie działa.\nWysyłam zdjęcie później.",
    "On Monday the printer stopped and my colleague wrote:",  # no date, no address
    "Kolega mi napisał(a): że nie działa",
    "",
])
def test_split_reply_leaves_text_without_history_alone(text: str) -> None:
    assert split_reply(text) == (text, "")


def test_split_reply_accepts_crlf() -> None:
    assert split_reply("Ok\r\n\r\nOn 3/3/25 10:15, Jan wrote:\r\n> old\r\n") == (
        "Ok", "On 3/3/25 10:15, Jan wrote:\n> old")


# --------------------------------------------------------------------------- parts


def test_nested_forward_becomes_eml_plus_its_attachment_and_text() -> None:
    mail = corpus("forward_nested")
    assert mail.subject == "PD: Faktura za luty - błąd"
    assert [(a.filename, a.content_type, a.inline) for a in mail.attachments] == [
        ("Faktura za luty - błąd.eml", "message/rfc822", False),
        ("faktura.pdf", "application/pdf", False)]
    assert mail.attachments[1].data.startswith(b"%PDF-1.4")
    assert mail.text == (
        "Przesyłam wiadomość od klienta, proszę o założenie zgłoszenia.\n\n"
        "---- Forwarded message ----\n"
        "From: Księgowość <ksiegowosc@klient.example.pl>\n"
        "Date: Thu, 6 Mar 2025 16:20:00 +0100\n"
        "Subject: Faktura za luty - błąd\n"
        "To: kierownik@firma.example.pl\n\n"
        "W załączeniu faktura z błędną kwotą.")
    assert mail.message_id == "fwd-outer-7@firma.example.pl"  # the outer one
    again = parse(mail.attachments[0].data)  # the .eml is a whole message again
    assert again.message_id == "inner-1@klient.example.pl"
    assert [a.filename for a in again.attachments] == ["faktura.pdf"]
    assert mail.part_count == 6


@pytest.mark.parametrize("cte", ["base64", "quoted-printable"])
def test_encoded_forward_is_decoded(cte: str) -> None:
    mail = parse(encoded_forward(cte))
    assert mail.text.endswith("Subject: Awaria drukarki\n\nDrukarka nie działa.")
    assert [a.filename for a in mail.attachments] == ["Awaria drukarki.eml"]
    assert parse(mail.attachments[0].data).message_id == "inner-enc@example.pl"
    assert any(f"encoded as {cte}" in d for d in mail.defects)


def test_inline_images_and_a_real_attachment() -> None:
    mail = corpus("inline_image_related")
    got = [(a.filename, a.content_type, a.content_id, a.inline) for a in mail.attachments]
    assert got == [
        ("logo.png", "image/png", "logo.7f3a@firma.example.pl", True),
        ("zdjecie.jpg", "image/jpeg", "photo1@firma.example.pl", True),
        ("raport.pdf", "application/pdf", None, False)]
    assert mail.attachments[0].data.startswith(b"\x89PNG\r\n\x1a\n")
    assert '<img src="cid:logo.7f3a@firma.example.pl" alt="Logo firmy">' in mail.html
    assert mail.text == "Dzień dobry,\nw stopce nasze logo, w załączniku zdjęcie i raport."


def test_attachment_filenames_rfc2231_rfc2047_and_raw_8bit() -> None:
    mail = corpus("attachments_polish_names")
    assert [(a.filename, a.content_type) for a in mail.attachments] == [
        ("Zamówienie nr 123 – żółte krzesła.pdf", "application/pdf"),
        ("Wycena usług – 2025.xlsx",
         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("notatki_źródło.txt", "text/plain"),
        ("attachment.bin", "application/octet-stream")]
    # a text attachment keeps its bytes: it is a file, not the body
    assert mail.attachments[2].data == "Notatki: zażółć\n".encode()
    assert mail.attachments[3].data == b"\x00\x01\x02\x03\x04"
    assert mail.text == "W załącznikach zamówienie, wycena, notatki i plik bez nazwy."


def test_filename_from_content_type_name_and_bidi_controls_removed() -> None:
    raw = (b'From: a@example.pl\nContent-Type: multipart/mixed; boundary="b"\n\n'
           b'--b\nContent-Type: application/pdf; name="=?utf-8?q?faktura=E2=80=AEfdp.exe?="\n\n'
           b"x\n--b\nContent-Type: image/png\nContent-Disposition: inline\n\npng\n--b--\n")
    mail = parse(raw)
    assert [(a.filename, a.inline) for a in mail.attachments] == [
        ("fakturafdp.exe", False), ("attachment.png", False)]  # no cid: not an inline image


# --------------------------------------------------------------------------- automatic mail


def test_out_of_office_reply_headers() -> None:
    mail = corpus("out_of_office")
    assert mail.headers["auto-submitted"] == "auto-replied"
    assert mail.headers["x-auto-response-suppress"] == "All"
    assert mail.subject == "Automatyczna odpowiedź: [#2025-000042] Drukarka nie drukuje"
    assert mail.text.startswith("Jestem na urlopie do 10 marca.")
    assert mail.dsn is None


def test_mailing_list_headers() -> None:
    mail = corpus("mailing_list")
    assert mail.headers["precedence"] == "list"
    assert mail.headers["list-id"] == "Użytkownicy Pomocnika <uzytkownicy.lists.example.org>"
    assert mail.headers["list-unsubscribe"] == (
        "<https://lists.example.org/mailman/options/uzytkownicy>, "
        "<mailto:uzytkownicy-request@lists.example.org?subject=unsubscribe>")
    assert mail.to == ["uzytkownicy@lists.example.org"]
    assert mail.dsn is None


def test_dsn_bounce_with_returned_message() -> None:
    mail = corpus("dsn_bounce_postfix")
    assert mail.dsn == DsnReport(
        original_message_id="pomocnik.42.1741000500.ccc@pomocnik.test",
        recipients=["nie.ma.takiego@klient.example.pl"], action="failed", status="5.1.1")
    assert mail.headers["return-path"] == "<>"
    assert mail.text.startswith("This is the mail system at host mx.pomocnik.test.")
    assert "Twoje zgłoszenie" not in mail.text  # the returned copy is not "forwarded" text
    assert [a.filename for a in mail.attachments] == ["[#2025-000042] Zgłoszenie przyjęte.eml"]


def test_dsn_delayed_with_headers_only() -> None:
    mail = corpus("dsn_delayed_headers_only")
    assert mail.dsn == DsnReport(
        original_message_id="pomocnik.44.1741090000.ddd@pomocnik.test",
        recipients=["a.kowalska@wolny.example.pl", "b.nowak@wolny.example.pl"],
        action="delayed", status="4.4.7")
    assert mail.attachments == []


def test_dsn_where_one_recipient_failed_reports_failed() -> None:
    raw = (b'From: MAILER-DAEMON@mx.test\nContent-Type: multipart/report; '
           b'report-type=delivery-status; boundary="r"\n\n--r\nContent-Type: text/plain\n\n'
           b"Report\n--r\nContent-Type: message/delivery-status\n"
           b"Content-Transfer-Encoding: base64\n\n"
           + base64.encodebytes(
               b"Reporting-MTA: dns; mx.test\n\nFinal-Recipient: rfc822; ok@x.pl\n"
               b"Action: delivered\nStatus: 2.0.0\n\nFinal-Recipient: rfc822;<BAD@x.pl>\n"
               b"Action: failed (mailbox full)\nStatus: 5.2.2 (over quota)\n")
           + b"--r--\n")
    assert parse(raw).dsn == DsnReport(None, ["ok@x.pl", "bad@x.pl"], "failed", "5.2.2")


def test_qmail_bounce_without_rfc3464_structure() -> None:
    mail = corpus("bounce_qmail")
    assert mail.dsn == DsnReport(
        original_message_id="pomocnik.43.1741165000.eee@pomocnik.test",
        recipients=["jan@klient.example.pl"], action="failed", status="5.1.1")


def test_postmaster_prose_is_not_a_bounce() -> None:
    raw = b"From: postmaster@klient.pl\nSubject: Pytanie\n\nCzy serwer dziala? Kod 5.1.1?\n"
    assert parse(raw).dsn is None


def test_read_receipt_report_part_is_an_attachment_not_a_dsn() -> None:
    raw = (b'From: a@example.pl\nContent-Type: multipart/report; '
           b'report-type=disposition-notification; boundary="m"\n\n'
           b"--m\nContent-Type: text/plain\n\nRead.\n"
           b"--m\nContent-Type: message/disposition-notification\n\n"
           b"Reporting-UA: x\nDisposition: manual-action/MDN-sent-manually; displayed\n\n"
           b"--m--\n")
    mail = parse(raw)
    assert mail.dsn is None and mail.text == "Read."
    assert [(a.filename, a.content_type) for a in mail.attachments] == [
        ("attachment.bin", "message/disposition-notification")]
    assert b"Disposition: manual-action" in mail.attachments[0].data


# --------------------------------------------------------------------------- broken MIME


def test_missing_closing_boundary() -> None:
    mail = corpus("broken_missing_close_boundary")
    assert mail.text == "W załączniku log."
    assert [a.filename for a in mail.attachments] == ["serwer.log"]
    assert mail.attachments[0].data == b"2025-03-08 11:59:59 ERROR disk full\n"
    assert "message (multipart/mixed): close boundary not found" in mail.defects


def test_bad_base64_is_repaired() -> None:
    mail = corpus("broken_bad_base64")
    assert mail.text == "Zażółć gęślą jaźń – treść w base64."
    assert mail.attachments[0].data == b"\x00\x01\x02\x03\x04\x05"
    assert "part 1 (text/plain): broken base64 repaired" in mail.defects
    assert "part 2 (application/octet-stream): broken base64 repaired" in mail.defects


def test_boundary_never_declared_is_found_in_the_body() -> None:
    mail = corpus("broken_undeclared_boundary")
    assert mail.text == "Dokument zeskanowany na urządzeniu MFP-2."
    assert [a.filename for a in mail.attachments] == ["skan.pdf"]
    assert any("'SCANNER-7d1f'" in d for d in mail.defects)
    assert mail.part_count == 3


def test_boundary_repair_respects_the_part_limit() -> None:
    parts = "".join(f"--X\nContent-Type: text/plain\n\np{i}\n" for i in range(10))
    raw = f"From: a@example.pl\nContent-Type: multipart/mixed\n\n{parts}--X--\n".encode()
    mail = parse(raw, max_parts=5)
    assert mail.text.startswith("--X\nContent-Type: text/plain\n\np0")  # read as text
    assert any("exceed the part limit" in d for d in mail.defects)
    assert mail.part_count == 1
    assert len(parse(raw, max_parts=11).text.split("\n\n")) == 10  # within the limit


def test_multipart_without_any_boundary_is_read_as_text() -> None:
    raw = b"From: a@example.pl\nContent-Type: multipart/mixed\n\njust text\n"
    mail = parse(raw)
    assert mail.text == "just text"
    assert any("no usable boundary" in d for d in mail.defects)


def test_header_injection_in_subject_and_from() -> None:
    mail = corpus("header_injection_subject")
    assert mail.subject == "Pilne Bcc: victim@example.com Treść wstrzyknięta"
    assert (mail.from_addr, mail.from_name) == ("attacker@evil.example",
                                                "Admin Reply-To: evil@evil.example")
    assert mail.reply_to is None
    assert mail.headers["x-note"] == "line1 line2 tab nul"
    assert_well_formed(mail)


def test_broken_encoded_words() -> None:
    mail = corpus("encoded_words_broken")
    assert mail.subject == "Re:Zażółć gęślą =?utf-8?q?_broken"
    assert mail.from_name == "Zgłoszenie Bot"
    assert "header from: unknown charset 'x-unknown'; decoded as windows-1250" in mail.defects
    assert "header subject: broken base64 in an encoded-word" in mail.defects


def test_addresses() -> None:
    raw = (b"From: not an address\nTo: undisclosed-recipients:;\n"
           b"Cc: =?utf-8?q?Kowalski=2C_Jan?= <JAN@x.pl>, <>, broken@, Anna <anna@x.pl>\n"
           b"Reply-To: Biuro <Biuro@X.pl>, other@x.pl\n\nx\n")
    mail = parse(raw)
    assert (mail.from_addr, mail.from_name) == ("", "")
    assert mail.to == []
    assert mail.cc == ["jan@x.pl", "anna@x.pl"]
    assert mail.reply_to == "biuro@x.pl"
    assert any(d.startswith("header from: invalid address") for d in mail.defects)


def test_message_ids() -> None:
    refs = " ".join(f"<r{i}@x>" for i in range(150))
    raw = (f"From: a@x.pl\nMessage-ID: bare-id@x.pl\nIn-Reply-To: <a@x>, <a@x>\n"
           f"References: {refs}\n\nx\n").encode()
    mail = parse(raw)
    assert mail.message_id == "bare-id@x.pl"
    assert mail.in_reply_to == ["a@x"]
    assert len(mail.references) == 100
    assert mail.references[0] == "r0@x" and mail.references[1] == "r51@x"
    assert mail.references[-1] == "r149@x"


@pytest.mark.parametrize(("header", "expected", "defect"), [
    ("Date: Mon, 3 Mar 2025 10:00:00 -0000", datetime(2025, 3, 3, 10, tzinfo=UTC), False),
    ("Date: 3 Mar 2025 23:30:00 -0800", datetime(2025, 3, 4, 7, 30, tzinfo=UTC), False),
    ("Date: yesterday around noon", None, True),
    ("Date: Mon, 3 Mar 99999 10:00:00 +0100", None, True),
    ("X-No-Date: 1", None, False),
])
def test_dates(header: str, expected: datetime | None, defect: bool) -> None:
    mail = parse(f"From: a@x.pl\n{header}\n\nx\n".encode())
    assert mail.date == expected
    assert any(d.startswith("Date header unreadable") for d in mail.defects) == defect


def test_leading_blank_lines_are_skipped() -> None:
    mail = parse(b"\r\n\r\nFrom: a@x.pl\r\nSubject: late\r\n\r\nbody\r\n")
    assert (mail.subject, mail.text) == ("late", "body")
    assert mail.defects == ["blank lines or a byte order mark before the headers; skipped"]


def test_multiple_text_parts_are_joined() -> None:
    raw = (b'From: a@x.pl\nContent-Type: multipart/mixed; boundary="b"\n\n'
           b"--b\nContent-Type: text/plain\n\nfirst\n--b\nContent-Type: image/gif\n"
           b"Content-Transfer-Encoding: base64\n\nR0lGODlh\n"
           b"--b\nContent-Type: text/plain\n\nsecond\n--b--\n")
    mail = parse(raw)
    assert mail.text == "first\n\nsecond"
    assert [a.filename for a in mail.attachments] == ["attachment.gif"]


# --------------------------------------------------------------------------- limits


def test_huge_attachment_within_the_limit() -> None:
    raw = with_attachment(3 * MB, filename="zrzut.bin")
    mail = parse(raw)
    assert mail.text == "Zrzut w załączniku."
    (att,) = mail.attachments
    assert att.filename == "zrzut.bin" and len(att.data) == 3 * MB
    assert att.data == bytes((i * 131 + i // 7) % 256 for i in range(3 * MB))


def test_too_large() -> None:
    raw = with_attachment(300_000)
    with pytest.raises(MailParseError) as caught:
        parse(raw, max_bytes=len(raw) - 1)
    assert caught.value.reason == "too_large"
    assert str(len(raw)) in caught.value.detail and str(len(raw) - 1) in caught.value.detail
    assert parse(raw, max_bytes=len(raw)).attachments  # the limit itself is allowed


def test_too_many_parts() -> None:
    assert parse(with_parts(200), max_parts=200).part_count == 200
    with pytest.raises(MailParseError) as caught:
        parse(with_parts(201), max_parts=200)
    assert (caught.value.reason, caught.value.detail) == ("too_many_parts",
                                                          "more than 200 MIME parts")
    with pytest.raises(MailParseError, match="too_many_parts"):
        parse(with_parts(50_000), max_parts=200)  # refused before building the parts


def test_nesting_deeper_than_we_walk_is_skipped() -> None:
    assert parse(nested(10)).text == "deep inside"
    mail = parse(nested(40))
    assert mail.text == "" and mail.part_count == 41
    assert any("nested too deeply; ignored" in d for d in mail.defects)


def test_nesting_deeper_than_the_parser_copes_with() -> None:
    try:
        mail = parse(nested(3000), max_parts=10**6)
    except MailParseError as exc:
        assert exc.reason == "too_many_parts"
    else:  # a parser that copes: then our own depth limit applies
        assert any("nested too deeply" in d for d in mail.defects)


@pytest.mark.parametrize("raw", [
    b"", b"\x00\x01\x02\xff\xfe binary garbage \x89PNG", b"\r\n\r\n\r\n",
    b"just a line of text, no header\nSubject: too late\n", b"From nobody Mon Mar 3 2025\n",
])
def test_unparseable(raw: bytes) -> None:
    with pytest.raises(MailParseError) as caught:
        parse(raw)
    assert caught.value.reason == "unparseable" and caught.value.detail


def test_mail_parse_error_fields() -> None:
    exc = MailParseError("too_large", "30 MB")
    assert (exc.reason, exc.detail, str(exc)) == ("too_large", "30 MB", "too_large: 30 MB")
    assert MailParseError("unparseable").detail == ""


# --------------------------------------------------------------------------- the corpus


@pytest.mark.parametrize("name", names())
def test_every_corpus_message_is_well_formed(name: str) -> None:
    assert len(load(name)) < 50 * 1024
    assert_well_formed(corpus(name))


def test_readme_lists_every_corpus_file() -> None:
    listed = set(re.findall(r"`([\w.-]+\.eml)`", (CORPUS / "README.md").read_text("utf-8")))
    assert listed == set(names())
    assert len(names()) >= 20


# --------------------------------------------------------------------------- properties

_FUZZ = settings(max_examples=200, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _parse_or_refuse(raw: bytes) -> ParsedMail | None:
    try:
        mail = parse(raw, max_bytes=20_000, max_parts=30)
    except MailParseError as exc:
        assert exc.reason in REASONS
        assert "internal error" not in exc.detail, exc.detail  # a bug of ours, not the mail
        return None
    assert isinstance(mail, ParsedMail)
    assert_well_formed(mail)
    return mail


@_FUZZ
@given(st.binary(max_size=3000))
def test_any_bytes_give_a_parsed_mail_or_a_parse_error(raw: bytes) -> None:
    _parse_or_refuse(raw)


_FRAGMENTS = st.sampled_from([
    b"From: a@x.pl\r\n", b"Subject: =?utf-8?q?Za=C5=BC?=\r\n", b"Subject: =?x?b?!!?=\n",
    b"To: \xff\xfe <b@x.pl>, =?utf-8?b?PGV2aWw+?= <c@x>\n", b"Date: Mon, 3 Mar 2025\n",
    b"MIME-Version: 1.0\n", b'Content-Type: multipart/mixed; boundary="b"\n',
    b"Content-Type: multipart/alternative; boundary=b\n", b"Content-Type: text/html\n",
    b"Content-Type: message/rfc822\n", b"Content-Type: text/plain; charset=utf-7\n",
    b"Content-Type: multipart/report; report-type=delivery-status; boundary=b\n",
    b"Content-Type: message/delivery-status\n", b"Content-Type: text/rfc822-headers\n",
    b"Content-Transfer-Encoding: base64\n", b"Content-Transfer-Encoding: quoted-printable\n",
    b"Content-Disposition: attachment; filename*=utf-8''%C5%BC%ZZ\n",
    b"Content-Disposition: inline; filename*0*=x''a; filename*1=b\n", b"Content-ID: <c@x>\n",
    b"Content-Type: text/plain; format=flowed; delsp=yes\n", b"\n", b"\r\n", b"--b\n",
    b"--b--\n", b"SGVsbG8=\n", b"=C5=BC=\n", b"<p onclick=x>hi<script>", b"<blockquote>",
    b"Final-Recipient: rfc822; x@y\nAction: failed\nStatus: 5.1.1\n", b"\x00\x80\xff",
    b"Message-ID: <a@b>\n", b" folded continuation\n", b"> quoted\n",
])


@_FUZZ
@given(st.lists(_FRAGMENTS, max_size=40))
def test_mail_shaped_noise_never_breaks_the_parser(fragments: list[bytes]) -> None:
    _parse_or_refuse(b"".join(fragments))


@_FUZZ
@given(st.sampled_from(names()), st.randoms(use_true_random=False),
       st.integers(min_value=1, max_value=12))
def test_damaged_corpus_messages_never_break_the_parser(name: str, rnd: random.Random,
                                                        damage: int) -> None:
    data = bytearray(load(name))
    for _ in range(damage):
        at = rnd.randrange(len(data))
        kind = rnd.randrange(4)
        if kind == 0:
            data[at] = rnd.randrange(256)
        elif kind == 1:
            del data[at:at + rnd.randrange(1, 200)]
        elif kind == 2:
            data[at:at] = rnd.choice([b"\n--", b"=?utf-8?b?", b"\r\n\r\n", b"<", b"\x00"])
        else:
            data = data[:at]
        if not data:
            break
    _parse_or_refuse(bytes(data))


@_FUZZ
@given(st.text(max_size=500))
def test_html_to_text_and_split_reply_never_fail(text: str) -> None:
    out = html_to_text(text)
    assert "\x00" not in out and "\r" not in out
    new, quoted = split_reply(text)
    if not quoted:
        assert new == text
    else:
        lines = text.replace("\r\n", "\n").replace("\r", "\n")
        assert lines.startswith(new) and quoted in lines
