"""Defects found by running real-world mail through the parser, each pinned by a corpus
message (tests/mail_corpus/README.md lists them): slightly wrong charsets, unlabelled
ISO-2022-JP and 8-bit headers, HTML beside text, damaged header blocks, a junk From."""

from __future__ import annotations

import pytest
from mail_corpus_support import load

from helpdesk_app.mail.inbound.parse import ParsedMail, parse_message


def corpus(name: str) -> ParsedMail:
    return parse_message(load(name), max_bytes=1 << 25, max_parts=200)


def parse(raw: bytes) -> ParsedMail:
    return parse_message(raw, max_bytes=1 << 25, max_parts=200)


# --------------------------------------------------------------------------- 1. charsets


def test_a_gb2312_label_on_gbk_bytes_decodes_as_the_gbk_superset() -> None:
    mail = corpus("gb2312_label_gbk_bytes")
    assert mail.subject == "关于朱镕基文集的订单"
    assert mail.from_name == "王先生"
    assert mail.text == ("您好：\n我们订购的《朱镕基讲话实录》还没有到货，请帮忙查询。\n"
                         "谢谢！陶喆")
    assert mail.defects == []


def test_one_invalid_byte_is_replaced_not_the_whole_part_read_in_another_charset() -> None:
    mail = corpus("utf8_one_stray_byte")
    assert mail.text == ("Dzień dobry,\n\npo aktualizacji systemu drukarka w księgowości nie "
                         "drukuje dwustronnie. Komunikat: \ufffdBłąd modułu duplex”.\n\n"
                         "Łukasz Żółkiewski")
    assert mail.defects == ["message (text/plain): 1 byte(s) invalid in the declared "
                            "charset 'utf-8'; replaced"]


@pytest.mark.parametrize(("charset", "body", "expected"), [
    ("big5", "請幫忙".encode("big5") + b"\xff" + "檢查印表機".encode("big5"),
     "請幫忙\ufffd檢查印表機"),
    ("shift_jis", "①のプリンター".encode("cp932"), "①のプリンター"),  # Microsoft's superset
    ("gbk", "朱镕基".encode("gb18030"), "朱镕基"),
    ("euc-kr", "프린터".encode("cp949") + "똠".encode("cp949"), "프린터똠"),
])
def test_labels_whose_real_charset_is_a_superset(charset: str, body: bytes,
                                                 expected: str) -> None:
    raw = (f"From: a@example.pl\nContent-Type: text/plain; charset={charset}\n"
           "Content-Transfer-Encoding: 8bit\n\n").encode() + body
    assert parse(raw).text == expected


# --------------------------------------------------------------------------- 2. unlabelled


def test_unlabelled_iso_2022_jp_with_nec_characters_is_decoded() -> None:
    mail = corpus("iso2022jp_unlabelled_nec")
    assert mail.subject == "会議室の予約①について"
    assert mail.text == "山田様\n\n会議室①の予約をお願いします。㈱テスト"
    assert "$B" not in mail.text and "(B" not in mail.subject


def test_labelled_iso_2022_jp_with_nec_characters_is_decoded() -> None:
    body = load("iso2022jp_unlabelled_nec").split(b"\r\n\r\n", 1)[1]
    raw = (b"From: a@example.jp\r\nSubject: =?iso-2022-jp?B?GyRCLSEbKEI=?=\r\n"
           b"Content-Type: text/plain; charset=ISO-2022-JP\r\n\r\n" + body)
    mail = parse(raw)
    assert (mail.subject, mail.text) == ("①", "山田様\n\n会議室①の予約をお願いします。㈱テスト")


def test_raw_8bit_headers_are_read_in_the_messages_own_charset() -> None:
    mail = corpus("raw_8bit_headers_iso8859_2")
    assert mail.subject == "Prośba: źle działa skaner, ąę"
    assert (mail.from_name, mail.from_addr) == ("Józef Świątek", "jozef@urzad.example.pl")
    assert mail.text == "Skaner na II piętrze zapisuje puste strony. Proszę o pomoc."


# --------------------------------------------------------------------------- 3. HTML parts


def test_html_beside_text_in_multipart_mixed_is_part_of_the_message() -> None:
    mail = corpus("mixed_text_html_text")
    assert mail.text == ("Dzień dobry, poniżej komunikat z klienta VPN:\n\n"
                         "Błąd 809: nie można nawiązać połączenia sieciowego.\n\n"
                         "- serwer: vpn.klient.example.pl\n\n"
                         "Proszę o pomoc.\nAnna")
    assert "<b>Błąd 809:</b>" in mail.html


def test_html_and_text_inside_multipart_related_are_joined_in_order() -> None:
    raw = (b'From: a@example.pl\nContent-Type: multipart/related; boundary="r"\n\n'
           b"--r\nContent-Type: text/plain\n\nbefore\n"
           b"--r\nContent-Type: text/html\n\n<p>in <i>html</i></p>\n--r--\n")
    assert parse(raw).text == "before\n\nin html"


def test_alternative_with_a_view_online_stub_uses_the_html() -> None:
    mail = corpus("alternative_text_stub")
    assert mail.text.startswith("Serwis drukarek\n\nPunkt 1: serwis drukarek w budynku 1 ")
    assert mail.text.endswith("prosimy nie wysyłać wtedy dużych wydruków.")
    assert mail.text.count("Punkt ") == 5
    assert "przeglądarce" not in mail.text


def test_alternative_with_a_tiny_text_twin_uses_the_html() -> None:
    html = "<p>" + "Pełna treść zgłoszenia, bardzo długa. " * 20 + "</p>"
    raw = (b'From: a@example.pl\nContent-Type: multipart/alternative; boundary="x"\n\n'
           b"--x\nContent-Type: text/plain; charset=utf-8\n\nZobacz HTML.\n"
           b"--x\nContent-Type: text/html; charset=utf-8\n\n" + html.encode() + b"\n--x--\n")
    assert parse(raw).text.startswith("Pełna treść zgłoszenia")


def test_alternative_still_prefers_a_real_text_twin() -> None:
    mail = corpus("alternative")
    assert mail.text.startswith("Dzień dobry,\n\nw załączniku brak pliku")


# --------------------------------------------------------------------------- 4. header block


def test_an_mbox_line_and_an_unindented_continuation_still_give_a_message() -> None:
    mail = corpus("mbox_line_unindented_fold")
    assert mail.subject == "Prosba o nowe konto w systemie ksiegowym dla pani Zielinskiej"
    assert (mail.from_addr, mail.from_name) == ("jan@klient.example.pl", "Jan Nowak")
    assert mail.message_id == "fold-1@klient.example.pl"
    assert mail.text == "Prosze o zalozenie konta od poniedzialku."
    assert any("continuation" in d for d in mail.defects)


def test_one_junk_line_before_the_headers_is_skipped() -> None:
    mail = corpus("junk_line_before_headers")
    assert (mail.subject, mail.from_addr) == ("Nie dziala skaner", "ewa@klient.example.pl")
    assert mail.text == "Skaner w pokoju 12 nie wysyla plikow."
    assert any("before the headers" in d for d in mail.defects)


def test_a_body_that_starts_without_a_blank_line_stays_the_body() -> None:
    mail = parse(b"From: a@example.pl\nSubject: s\nHello there\nsecond line\n")
    assert mail.subject == "s" and mail.text == "Hello there\nsecond line"


# --------------------------------------------------------------------------- 5. two From


def test_of_two_from_headers_the_valid_one_is_the_sender() -> None:
    mail = corpus("two_from_headers")
    assert (mail.from_addr, mail.from_name) == ("marta.wrona@klient.example.pl", "Marta Wrona")
    assert mail.subject == "Faktura 2025/03/17"
