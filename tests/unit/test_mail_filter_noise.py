"""filters/noise.py: which signals mark a message as one we must not answer automatically,
and which mark it as machine-made. Each rule on its own, then the filter as a whole."""

from __future__ import annotations

import pytest
from mail_filter_support import context

from helpdesk_app.mail.inbound.filters import noise
from tests.mail_support import message


def ctx_for(*, sender: str = "carl@org-a.test", subject: str = "Printer broken",
            headers: dict[str, str] | None = None, mail_from: str | None = None,
            source: str = "smtp", raw: bytes | None = None):
    msg = raw or message(sender=sender, subject=subject, headers=headers)
    return context(msg, mail_from=sender if mail_from is None else mail_from, source=source)


def test_the_rules_run_in_the_documented_order() -> None:
    assert [r.__name__ for r in noise.RULES] == [
        "auto_submitted", "auto_reply_headers", "bounce", "auto_response_suppress",
        "precedence", "mailing_list", "x_loop", "null_sender", "machine_from",
        "out_of_office_subject"]


def test_a_plain_mail_from_a_person_raises_no_signal() -> None:
    ctx = ctx_for()
    assert [r(ctx) for r in noise.RULES] == [None] * len(noise.RULES)
    assert noise.run(None, ctx) is None
    assert (ctx.no_auto_reply, ctx.automatic) == ("", False)


# --------------------------------------------------------------------------- one rule each


@pytest.mark.parametrize(("value", "fires"), [
    ("auto-generated", True), ("auto-replied", True), ("Auto-Notified", True), ("no", False),
    (" No ", False)])
def test_auto_submitted_other_than_no_is_automatic(value: str, fires: bool) -> None:
    signal = noise.auto_submitted(ctx_for(headers={"Auto-Submitted": value}))
    assert signal == (noise.Signal("auto_submitted", automatic=True) if fires else None)


@pytest.mark.parametrize("headers", [
    {"X-Autoreply": "yes"}, {"X-Autorespond": "Vacation"}, {"Precedence": "auto_reply"}])
def test_vacation_program_headers_are_automatic(headers) -> None:
    assert noise.auto_reply_headers(ctx_for(headers=headers)) == noise.Signal(
        "auto_reply", automatic=True)


def test_a_delivery_status_notification_is_automatic() -> None:
    raw = (b"From: MAILER-DAEMON@mx.test\r\nSubject: Undelivered\r\nContent-Type: "
           b'multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
           b"--B\r\nContent-Type: text/plain\r\n\r\nfailed\r\n--B\r\n"
           b"Content-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.test\r\n\r\n"
           b"Final-Recipient: rfc822; a@b.test\r\nAction: failed\r\nStatus: 5.1.1\r\n"
           b"\r\n--B--\r\n")
    assert noise.bounce(ctx_for(raw=raw)) == noise.Signal("bounce", automatic=True)
    assert noise.bounce(ctx_for()) is None


def test_x_auto_response_suppress_asks_for_silence_but_is_not_automatic() -> None:
    assert noise.auto_response_suppress(ctx_for(headers={"X-Auto-Response-Suppress": "All"})) \
        == noise.Signal("auto_response_suppress", automatic=False)


@pytest.mark.parametrize(("value", "fires"), [
    ("bulk", True), ("List", True), ("junk", True), ("first-class", False), ("", False)])
def test_precedence_bulk_list_junk(value: str, fires: bool) -> None:
    headers = {"Precedence": value} if value else None
    assert (noise.precedence(ctx_for(headers=headers)) is not None) == fires


@pytest.mark.parametrize("headers", [
    {"List-Id": "<users.lists.example.org>"},
    {"List-Unsubscribe": "<mailto:leave@lists.example.org>"}])
def test_list_headers_mark_a_mailing_list(headers) -> None:
    assert noise.mailing_list(ctx_for(headers=headers)) == noise.Signal("mailing_list")
    assert noise.mailing_list(ctx_for(headers={"List-Help": "<mailto:x@y>"})) is None


def test_x_loop_marks_a_loop() -> None:
    assert noise.x_loop(ctx_for(headers={"X-Loop": "robot@org-a.test"})) == noise.Signal(
        "x_loop")


@pytest.mark.parametrize(("source", "mail_from", "headers", "fires"), [
    ("smtp", "", None, True),
    ("smtp", "<>", None, True),
    ("imap", "", None, False),  # IMAP knows no envelope sender: empty means nothing
    ("imap", "", {"Return-Path": "<>"}, True),
    ("smtp", "carl@org-a.test", None, False),
])
def test_null_sender(source: str, mail_from: str, headers, fires: bool) -> None:
    ctx = ctx_for(source=source, mail_from=mail_from, headers=headers)
    assert (noise.null_sender(ctx) == noise.Signal("null_sender")) == fires


@pytest.mark.parametrize(("address", "machine"), [
    ("mailer-daemon@mx.test", True), ("MAILER-DAEMON@mx.test", True),
    ("postmaster@org-a.test", True), ("noreply@org-a.test", True),
    ("no-reply@org-a.test", True), ("no_reply+abc@org-a.test", True),
    ("do-not-reply@org-a.test", True), ("bounces@lists.test", True),
    ("notifications-noreply@saas.test", True), ("auto-reply@org-a.test", True),
    ("noreplyhelpdesk@org-a.test", False), ("carl@org-a.test", False),
    ("postmaster.jan@org-a.test", False), ("", False)])
def test_machine_sender_addresses(address: str, machine: bool) -> None:
    assert noise.machine_sender(address) is machine


def test_machine_sender_in_from_or_in_the_envelope() -> None:
    assert noise.machine_from(ctx_for(sender="noreply@org-a.test")) == noise.Signal(
        "machine_sender")
    assert noise.machine_from(ctx_for(mail_from="bounces@lists.test")) is not None
    assert noise.machine_from(ctx_for()) is None


@pytest.mark.parametrize(("subject", "fires"), [
    ("Automatic reply: [#2026-000001] Printer", True),
    ("Out of Office: Printer", True), ("Autoreply: x", True),
    ("Automatyczna odpowiedź: Drukarka", True), ("Odpowiedź automatyczna: x", True),
    ("Nieobecność: Jan", True), ("Abwesenheitsnotiz: x", True),
    ("Réponse automatique : x", True), ("Autosvar: x", True),
    ("Re: automatic reply not working", False), ("Printer out of office paper", False)])
def test_out_of_office_subjects_are_automatic(subject: str, fires: bool) -> None:
    signal = noise.out_of_office_subject(ctx_for(subject=subject))
    assert signal == (noise.Signal("auto_subject", automatic=True) if fires else None)


# --------------------------------------------------------------------------- the filter


def test_every_signal_is_recorded_in_rule_order_and_nothing_is_dropped() -> None:
    ctx = ctx_for(sender="noreply@org-a.test", mail_from="", subject="Out of office",
                  headers={"X-Loop": "x", "Precedence": "bulk", "List-Id": "<l.test>",
                           "Auto-Submitted": "auto-replied"})
    assert noise.run(None, ctx) is None  # never ends the pipeline
    assert ctx.no_auto_reply == ("auto_submitted,precedence,mailing_list,x_loop,null_sender,"
                                 "machine_sender,auto_subject")
    assert ctx.automatic is True


def test_signals_that_only_forbid_answers_do_not_make_the_mail_automatic() -> None:
    ctx = ctx_for(headers={"Precedence": "list", "X-Auto-Response-Suppress": "OOF"})
    noise.run(None, ctx)
    assert (ctx.no_auto_reply, ctx.automatic) == ("auto_response_suppress,precedence", False)
