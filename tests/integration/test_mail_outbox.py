"""The outbox end to end: queue in the caller's transaction, deliver over real SMTP
(tests/smtp_sink.py: aiosmtpd on 127.0.0.1), retry with backoff, give up, let an admin
send again. `now` is passed explicitly to jump time; nothing waits on the clock."""

from __future__ import annotations

import itertools
import os
import shutil
import threading
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest
from smtp_sink import ReceivedMail, SmtpSink, client_context, self_signed_cert
from sqlmodel import Session, func, select

from helpdesk_app.config import get_settings
from helpdesk_app.domain.errors import Forbidden, Invalid, NotFound
from helpdesk_app.domain.mail_admin import list_outbox, retry_outbox
from helpdesk_app.mail.outbound import compose
from helpdesk_app.mail.outbound.outbox import (
    Mail,
    enqueue,
    enqueue_many,
    is_our_message_id,
    thread_headers,
)
from helpdesk_app.mail.outbound.sender import SendResult, send_due
from helpdesk_app.mail.outbound.templates import Rendered, render
from helpdesk_app.models import (
    InboundMail,
    InboundStatus,
    OutboundMail,
    OutboundStatus,
    Ticket,
)

DOMAIN = "pomocnik.test"
FROM = "Pomocnik Serwis <helpdesk@pomocnik.test>"
BACKOFF = 60


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def mail_env(monkeypatch: pytest.MonkeyPatch):
    """Point the mail settings at a sink (or at no relay at all)."""

    def configure(sink: SmtpSink | None, *, security: str = "none",
                  login: tuple[str, str] | None = None, **extra: str) -> None:
        env = {
            "POMOCNIK_MAIL_DOMAIN": DOMAIN, "POMOCNIK_MAIL_FROM": FROM,
            "POMOCNIK_SMTP_RELAY_HOST": sink.host if sink else "",
            "POMOCNIK_SMTP_RELAY_PORT": str(sink.port if sink else 25),
            "POMOCNIK_SMTP_RELAY_SECURITY": security,
            "POMOCNIK_SMTP_RELAY_USERNAME": login[0] if login else "",
            "POMOCNIK_SMTP_RELAY_PASSWORD": login[1] if login else "",
            "POMOCNIK_SMTP_RELAY_TIMEOUT": "10",
            "POMOCNIK_OUTBOX_BACKOFF_SECONDS": str(BACKOFF),
            "POMOCNIK_OUTBOX_MAX_ATTEMPTS": "5",
            "POMOCNIK_MAIL_AUTO_REPLY_CAP": "10",
            "POMOCNIK_MAIL_AUTO_REPLY_WINDOW_MINUTES": "60",
        }
        env.update(extra)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()

    return configure


@pytest.fixture
def sink():
    with SmtpSink() as s:
        yield s


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory):
    if shutil.which("openssl") is None:
        reason = "the openssl CLI is needed to make a self-signed certificate"
        if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
            pytest.fail(reason)
        pytest.skip(reason)
    return self_signed_cert(tmp_path_factory.mktemp("tls"))


# --------------------------------------------------------------------------- helpers


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _ticket(db: Session, world, number: str = "2026-000123",
            subject: str = "Drukarka nie działa") -> Ticket:
    """A bare ticket row: the outbox tests need a ticket id, not ticket side effects."""
    client = world.users["client"]
    row = Ticket(number=number, subject=subject, requester_id=client.id,
                 organisation_id=client.organisation_id, queue_id=world.queue.id,
                 created_by_id=client.id)
    db.add(row)
    db.commit()
    return row


def _inbound(db: Session, ticket_id: int | None, message_id: str, at: datetime) -> InboundMail:
    row = InboundMail(source="smtp", mail_from="jan@klient.example", rcpt_to=["help@x.test"],
                      message_id=message_id, subject="x", raw=b"Subject: x\r\n\r\nx\r\n",
                      status=InboundStatus.DONE, ticket_id=ticket_id, received_at=at)
    db.add(row)
    db.flush()
    return row


def _context(**extra: str) -> dict[str, str]:
    return {"number": "2026-000123", "subject": "Drukarka nie działa – pilne",
            "ticket_url": "https://helpdesk.example/t/1", "actor_name": "Anna Nowak",
            "body": "Dzień dobry,\nproszę zrestartować drukarkę.", **extra}


def _queue(db: Session, to: str, *, now: datetime, kind: str = "public_reply",
           is_auto: bool = False, **kw) -> OutboundMail:
    row = enqueue(db, to_addr=to, rendered=render(kind, "pl", _context()), kind=kind,
                  is_auto=is_auto, now=now, **kw)
    assert row is not None
    return row


def _row(db: Session, mail_id: int) -> OutboundMail:
    db.expire_all()  # send_due wrote through its own sessions
    row = db.get(OutboundMail, mail_id)
    assert row is not None
    return row


def _to(sink: SmtpSink, address: str) -> list[ReceivedMail]:
    return [m for m in sink.messages if address in m.rcpt_tos]


def _by_id(messages: list[ReceivedMail]) -> dict[str, EmailMessage]:
    return {m.message()["Message-ID"]: m.message() for m in messages}


def _count(db: Session, address: str) -> int:
    return db.exec(select(func.count()).select_from(OutboundMail)
                   .where(OutboundMail.to_addr == address)).one()


# --------------------------------------------------------------------------- delivery


def test_plain_delivery_headers_both_parts_threading_and_auto_submitted(db, world, sink,
                                                                         mail_env):
    mail_env(sink)
    t0 = _now()
    ticket = _ticket(db, world)
    _inbound(db, ticket.id, "orig-1@klient.example", t0 - timedelta(hours=1))
    db.commit()
    reply = render("public_reply", "pl", _context())
    r1 = enqueue(db, to_addr="Jan.Kowalski@Klient.example", to_name="Jan Kowalski",
                 rendered=reply, kind="public_reply", is_auto=False, ticket_id=ticket.id,
                 now=t0)
    r2 = enqueue(db, to_addr="jan.kowalski@klient.example", kind="status_change",
                 rendered=render("status_change", "en", _context(status="Closed")),
                 ticket_id=ticket.id, now=t0 + timedelta(seconds=1))
    r3 = enqueue(db, to_addr="nowy@klient.example", kind="auto_reply",
                 rendered=render("auto_reply", "pl", _context()),
                 in_reply_to="<first@nowy.example>", now=t0 + timedelta(seconds=2))
    assert r1 and r2 and r3
    db.commit()

    assert send_due(db.get_bind(), now=t0 + timedelta(seconds=5)) == SendResult(sent=3)

    received = sink.messages
    assert len(received) == 3
    assert len({m.peer for m in received}) == 1  # one connection for the batch
    assert {m.mail_from for m in received} == {"helpdesk@pomocnik.test"}
    got = _by_id(received)
    first = got[f"<{r1.message_id}>"]
    assert _to(sink, "jan.kowalski@klient.example")[0].rcpt_tos == (
        "jan.kowalski@klient.example",)
    assert r1.to_addr == "jan.kowalski@klient.example"

    # Polish subject: encoded on the wire, intact after decoding; the whole message 7-bit.
    raw = received[0].raw
    assert raw.isascii()
    subject_line = next(line for line in raw.split(b"\r\n") if line.startswith(b"Subject:"))
    assert b"=?utf-8?" in subject_line
    assert first["Subject"] == reply.subject == "[#2026-000123] Drukarka nie działa – pilne"
    assert first["From"].addresses[0].addr_spec == "helpdesk@pomocnik.test"
    assert first["From"].addresses[0].display_name == "Pomocnik Serwis"
    assert first["To"].addresses[0].display_name == "Jan Kowalski"
    assert first["Date"].datetime == t0

    # Both parts, UTF-8, the reply text in each (line break kept in HTML).
    assert first.get_content_type() == "multipart/alternative"
    plain = first.get_body(("plain",))
    html = first.get_body(("html",))
    assert plain.get_content_charset() == html.get_content_charset() == "utf-8"
    assert "proszę zrestartować drukarkę" in plain.get_content()
    assert "Dzień dobry,<br>proszę zrestartować drukarkę." in html.get_content()

    # Threading: the client's original message; ours are recognisable as ours.
    assert first["In-Reply-To"] == "<orig-1@klient.example>"
    assert first["References"] == "<orig-1@klient.example>"
    assert r1.message_id.endswith("@" + DOMAIN) and is_our_message_id(r1.message_id)
    second = got[f"<{r2.message_id}>"]
    assert second["In-Reply-To"] == f"<{r1.message_id}>"
    assert second["References"].split() == ["<orig-1@klient.example>", f"<{r1.message_id}>"]
    third = got[f"<{r3.message_id}>"]
    assert third["In-Reply-To"] == "<first@nowy.example>"
    assert third["References"] == "<first@nowy.example>"

    # Auto-Submitted only on automatic mail; loop protection on everything.
    assert "Auto-Submitted" not in first
    assert second["Auto-Submitted"] == "auto-generated"
    assert third["Auto-Submitted"] == "auto-replied"
    for msg in got.values():
        assert msg["X-Auto-Response-Suppress"] == "All"
        assert msg["X-Pomocnik-Message"] == "1"
        assert msg["X-Loop"] == "helpdesk@pomocnik.test"

    for row in (r1, r2, r3):
        row = _row(db, row.id)
        assert row.status == OutboundStatus.SENT
        assert row.sent_at == t0 + timedelta(seconds=5)
        assert row.attempts == 1 and row.last_error == ""
    # Sent is sent: a later run sends nothing again.
    assert send_due(db.get_bind(), now=t0 + timedelta(days=1)) == SendResult()
    assert len(sink.messages) == 3


def test_without_a_relay_mail_waits_in_the_outbox(db, world, mail_env):
    mail_env(None)
    t0 = _now()
    row = _queue(db, "jan@klient.example", now=t0)
    db.commit()
    assert send_due(db.get_bind(), now=t0 + timedelta(hours=1)) == SendResult()
    row = _row(db, row.id)
    assert (row.status, row.attempts, row.next_attempt_at) == (OutboundStatus.PENDING, 0, t0)


def test_queued_mail_is_part_of_the_callers_transaction(db, world, sink, mail_env):
    mail_env(sink)
    t0 = _now()
    _queue(db, "jan@klient.example", now=t0)
    db.rollback()  # the reply it announced was not saved after all
    assert send_due(db.get_bind(), now=t0 + timedelta(minutes=1)) == SendResult()
    assert sink.messages == []


def test_not_yet_due_mail_is_not_sent(db, world, sink, mail_env):
    mail_env(sink)
    t0 = _now()
    row = _queue(db, "jan@klient.example", now=t0)
    db.commit()
    assert send_due(db.get_bind(), now=t0 - timedelta(seconds=1)) == SendResult()
    assert _row(db, row.id).status == OutboundStatus.PENDING and sink.messages == []


# --------------------------------------------------------------------------- TLS and login


def test_starttls_and_login(db, world, mail_env, cert):
    with SmtpSink(security="starttls", cert=cert, auth=("mailer", "s3cret!")) as sink:
        mail_env(sink, security="starttls", login=("mailer", "s3cret!"))
        t0 = _now()
        row = _queue(db, "jan@klient.example", now=t0)
        db.commit()
        result = send_due(db.get_bind(), now=t0, ssl_context=client_context(cert[0]))
        assert result == SendResult(sent=1)
        [got] = sink.messages
        assert got.tls and got.login == "mailer"
        assert got.message()["Message-ID"] == f"<{row.message_id}>"
        assert _row(db, row.id).status == OutboundStatus.SENT


def test_wrong_relay_password_is_a_temporary_failure(db, world, mail_env, cert):
    with SmtpSink(security="starttls", cert=cert, auth=("mailer", "s3cret!")) as sink:
        mail_env(sink, security="starttls", login=("mailer", "wrong"))
        t0 = _now()
        row = _queue(db, "jan@klient.example", now=t0)
        db.commit()
        result = send_due(db.get_bind(), now=t0, ssl_context=client_context(cert[0]))
        assert result == SendResult(retried=1)
        row = _row(db, row.id)
        assert row.status == OutboundStatus.PENDING and row.attempts == 1
        assert "535" in row.last_error
        assert sink.failed_logins >= 1 and sink.messages == []


def test_untrusted_relay_certificate_is_refused(db, world, mail_env, cert):
    with SmtpSink(security="starttls", cert=cert) as sink:
        mail_env(sink, security="starttls")
        t0 = _now()
        row = _queue(db, "jan@klient.example", now=t0)
        db.commit()
        # The default context does not know our self-signed certificate: never send.
        assert send_due(db.get_bind(), now=t0) == SendResult(retried=1)
        row = _row(db, row.id)
        assert row.status == OutboundStatus.PENDING and row.attempts == 1
        assert "CERTIFICATE_VERIFY_FAILED" in row.last_error
        assert sink.messages == []


def test_starttls_required_but_not_offered_is_not_sent_in_plain_text(db, world, sink,
                                                                     mail_env):
    mail_env(sink, security="starttls")
    t0 = _now()
    row = _queue(db, "jan@klient.example", now=t0)
    db.commit()
    assert send_due(db.get_bind(), now=t0) == SendResult(retried=1)
    assert "STARTTLS" in _row(db, row.id).last_error
    assert sink.messages == []


def test_implicit_ssl_with_login(db, world, mail_env, cert):
    with SmtpSink(security="ssl", cert=cert, auth=("mailer", "s3cret!")) as sink:
        mail_env(sink, security="ssl", login=("mailer", "s3cret!"))
        t0 = _now()
        row = _queue(db, "jan@klient.example", now=t0)
        db.commit()
        result = send_due(db.get_bind(), now=t0, ssl_context=client_context(cert[0]))
        assert result == SendResult(sent=1)
        [got] = sink.messages
        assert got.tls and got.login == "mailer"
        assert _row(db, row.id).status == OutboundStatus.SENT


def test_implicit_ssl_against_a_plain_relay_fails_cleanly(db, world, sink, mail_env, cert):
    mail_env(sink, security="ssl")
    t0 = _now()
    row = _queue(db, "jan@klient.example", now=t0)
    db.commit()
    assert send_due(db.get_bind(), now=t0, ssl_context=client_context(cert[0])) == SendResult(
        retried=1)
    assert _row(db, row.id).attempts == 1 and sink.messages == []


# --------------------------------------------------------------------------- retries


def test_relay_down_then_back_up(db, world, sink, mail_env):
    mail_env(sink)
    sink.stop()
    t0 = _now()
    row = _queue(db, "jan@klient.example", now=t0)
    db.commit()
    engine = db.get_bind()

    assert send_due(engine, now=t0) == SendResult(retried=1)
    row = _row(db, row.id)
    assert row.status == OutboundStatus.PENDING and row.attempts == 1
    assert row.next_attempt_at == t0 + timedelta(seconds=BACKOFF) > t0
    assert "refused" in row.last_error.lower()

    # Not due yet: nothing is tried, nothing counted.
    assert send_due(engine, now=t0 + timedelta(seconds=BACKOFF - 1)) == SendResult()
    assert _row(db, row.id).attempts == 1

    sink.start()  # the relay is back, same port
    assert send_due(engine, now=t0 + timedelta(seconds=BACKOFF)) == SendResult(sent=1)
    row = _row(db, row.id)
    assert row.status == OutboundStatus.SENT and row.attempts == 2
    assert row.sent_at == t0 + timedelta(seconds=BACKOFF)
    assert len(sink.messages) == 1


@pytest.mark.parametrize("stage", ["mail", "rcpt", "data"])
def test_temporary_refusal_is_retried_then_sent(db, world, sink, mail_env, stage):
    mail_env(sink)
    sink.refuse("451 4.3.0 Try again later", stage=stage, times=1)
    t0 = _now()
    row = _queue(db, "jan@klient.example", now=t0)
    db.commit()
    engine = db.get_bind()

    assert send_due(engine, now=t0) == SendResult(retried=1)
    row = _row(db, row.id)
    assert row.status == OutboundStatus.PENDING and row.attempts == 1
    assert row.last_error.startswith("451")
    assert sink.messages == []

    assert send_due(engine, now=row.next_attempt_at) == SendResult(sent=1)
    assert _row(db, row.id).status == OutboundStatus.SENT
    assert len(sink.messages) == 1


@pytest.mark.parametrize("stage", ["rcpt", "data"])
def test_permanent_refusal_fails_at_once_and_the_batch_goes_on(db, world, sink, mail_env,
                                                                stage):
    mail_env(sink)
    sink.refuse("550 5.1.1 No such user", stage=stage, rcpt="nobody@klient.example")
    t0 = _now()
    bad = _queue(db, "nobody@klient.example", now=t0)
    good = _queue(db, "jan@klient.example", now=t0)
    db.commit()
    engine = db.get_bind()

    assert send_due(engine, now=t0) == SendResult(sent=1, failed=1)
    bad = _row(db, bad.id)
    assert bad.status == OutboundStatus.FAILED and bad.attempts == 1
    assert bad.last_error.startswith("550") and "No such user" in bad.last_error
    assert _row(db, good.id).status == OutboundStatus.SENT
    assert [m.rcpt_tos for m in sink.messages] == [("jan@klient.example",)]
    # Failed stays failed: no more attempts, whatever the time.
    assert send_due(engine, now=t0 + timedelta(days=2)) == SendResult()
    assert _row(db, bad.id).attempts == 1


def test_refused_sender_is_our_configuration_so_it_is_retried(db, world, sink, mail_env):
    mail_env(sink)
    sink.refuse("553 5.7.1 Sender not allowed", stage="mail")
    t0 = _now()
    row = _queue(db, "jan@klient.example", now=t0)
    db.commit()
    assert send_due(db.get_bind(), now=t0) == SendResult(retried=1)
    row = _row(db, row.id)
    assert row.status == OutboundStatus.PENDING and row.last_error.startswith("553")


def test_message_too_big_for_the_relay_fails_at_once(db, world, sink, mail_env):
    mail_env(sink)
    sink.refuse("552 5.3.4 Message size exceeds fixed limit", stage="mail")
    t0 = _now()
    row = _queue(db, "jan@klient.example", now=t0)
    db.commit()
    assert send_due(db.get_bind(), now=t0) == SendResult(failed=1)
    row = _row(db, row.id)
    assert row.status == OutboundStatus.FAILED and row.last_error.startswith("552")


def test_backoff_doubles_up_to_an_hour_then_the_mail_fails(db, world, sink, mail_env):
    mail_env(sink, POMOCNIK_OUTBOX_BACKOFF_SECONDS="1000", POMOCNIK_OUTBOX_MAX_ATTEMPTS="4")
    sink.stop()
    t0 = _now()
    row = _queue(db, "jan@klient.example", now=t0)
    db.commit()
    engine = db.get_bind()

    at = t0
    for attempt, wait in ((1, 1000), (2, 2000), (3, 3600)):  # 4000 s capped at an hour
        assert send_due(engine, now=at) == SendResult(retried=1)
        row = _row(db, row.id)
        assert row.attempts == attempt and row.status == OutboundStatus.PENDING
        assert row.next_attempt_at == at + timedelta(seconds=wait)
        at = row.next_attempt_at

    assert send_due(engine, now=at) == SendResult(failed=1)
    row = _row(db, row.id)
    assert row.status == OutboundStatus.FAILED and row.attempts == 4
    sink.start()
    assert send_due(engine, now=at + timedelta(days=1)) == SendResult()
    assert sink.messages == []


def test_relay_hanging_up_mid_batch_keeps_what_was_sent(db, world, sink, mail_env):
    mail_env(sink)
    # The relay accepts two mails, then closes the connection on the third (421).
    sink.refuse("421 4.3.2 Shutting down", stage="rcpt", rcpt="c@klient.example", times=1)
    t0 = _now()
    rows = [_queue(db, f"{name}@klient.example", now=t0) for name in "abcd"]
    db.commit()
    engine = db.get_bind()

    assert send_due(engine, now=t0) == SendResult(sent=2, retried=1)
    a, b, c, d = (_row(db, r.id) for r in rows)
    assert a.status == b.status == OutboundStatus.SENT
    assert c.status == OutboundStatus.PENDING and c.attempts == 1
    # Never tried: due as before, no attempt counted.
    assert d.status == OutboundStatus.PENDING and d.attempts == 0 and d.next_attempt_at == t0

    assert send_due(engine, now=t0 + timedelta(seconds=BACKOFF)) == SendResult(sent=2)
    # Each mail exactly once, though the first batch broke off half-way.
    assert sorted(m.rcpt_tos[0][0] for m in sink.messages) == list("abcd")


def test_two_workers_at_once_never_send_a_mail_twice(db, world, sink, mail_env):
    mail_env(sink)
    t0 = _now()
    rows = [_queue(db, f"user{i}@klient.example", now=t0) for i in range(12)]
    db.commit()
    engine = db.get_bind()
    start = threading.Barrier(2)
    results: list[SendResult] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait()
            results.append(send_due(engine, now=t0))
        except BaseException as exc:  # surfaced below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(r.sent for r in results) == 12
    assert sorted(m.rcpt_tos[0] for m in sink.messages) == sorted(r.to_addr for r in rows)
    db.expire_all()
    assert set(db.exec(select(OutboundMail.status)).all()) == {OutboundStatus.SENT}


# --------------------------------------------------------------------------- admin


def test_admin_sees_the_outbox_and_sends_a_failed_mail_again(db, world, sink, mail_env):
    mail_env(sink)
    sink.refuse("550 5.7.1 Mailbox unavailable", stage="rcpt")
    t0 = _now()
    row = _queue(db, "jan@klient.example", now=t0)
    db.commit()
    engine = db.get_bind()
    assert send_due(engine, now=t0) == SendResult(failed=1)
    admin = world.actor("admin")

    [listed] = list_outbox(db, admin, status=OutboundStatus.FAILED)
    assert (listed.id, listed.to_addr, listed.status, listed.attempts) == (
        row.id, "jan@klient.example", OutboundStatus.FAILED, 1)
    assert listed.last_error.startswith("550") and listed.kind == "public_reply"
    assert list_outbox(db, admin, status=OutboundStatus.SENT) == []

    sink.accept()  # the mailbox exists again
    before = datetime.now(UTC)
    retry_outbox(db, admin, row.id)
    row = _row(db, row.id)
    assert (row.status, row.attempts, row.last_error) == (OutboundStatus.PENDING, 0, "")
    assert row.next_attempt_at >= before

    assert send_due(engine) == SendResult(sent=1)
    assert _row(db, row.id).status == OutboundStatus.SENT
    assert len(sink.messages) == 1
    [listed] = list_outbox(db, admin)
    assert listed.status == OutboundStatus.SENT and listed.sent_at is not None

    with pytest.raises(Invalid):  # already sent
        retry_outbox(db, admin, row.id)
    with pytest.raises(NotFound):
        retry_outbox(db, admin, row.id + 1000)
    with pytest.raises(Invalid):
        list_outbox(db, admin, status="lost")


@pytest.mark.parametrize("role", ["coordinator", "technician", "client", "client-manager"])
def test_only_admins_see_or_retry_the_outbox(db, world, mail_env, role):
    mail_env(None)
    t0 = _now()
    row = _queue(db, "jan@klient.example", now=t0)
    db.commit()
    row.status = OutboundStatus.FAILED
    db.commit()
    with pytest.raises(Forbidden):
        retry_outbox(db, world.actor(role), row.id)
    with pytest.raises(Forbidden):
        retry_outbox(db, world.actor(role), row.id + 1000)  # no hint whether it exists
    with pytest.raises(Forbidden):
        list_outbox(db, world.actor(role))
    assert _row(db, row.id).status == OutboundStatus.FAILED


def test_list_is_newest_first_and_limited(db, world, mail_env):
    mail_env(None)
    t0 = _now()
    rows = [_queue(db, f"u{i}@klient.example", now=t0) for i in range(3)]
    db.commit()
    listed = list_outbox(db, world.actor("admin"), limit=2)
    assert [r.id for r in listed] == [rows[2].id, rows[1].id]


# --------------------------------------------------------------------------- caps, safety


def test_automatic_mail_is_capped_per_recipient_and_window(db, world, mail_env):
    mail_env(None, POMOCNIK_MAIL_AUTO_REPLY_CAP="3",
             POMOCNIK_MAIL_AUTO_REPLY_WINDOW_MINUTES="60")
    t0 = _now()
    address = "client@example.test"

    def auto(at: datetime, to: str = address) -> OutboundMail | None:
        return enqueue(db, to_addr=to, rendered=render("auto_reply", "pl", _context()),
                       kind="auto_reply", now=at)

    # Mail people wrote does not count towards the cap.
    for i in range(2):
        _queue(db, address, now=t0 + timedelta(seconds=i))
    # Three automatic ones (address case does not matter), the fourth is dropped.
    for i, to in enumerate(("Client@Example.test", "client@example.test", "CLIENT@EXAMPLE.TEST")):
        assert auto(t0 + timedelta(minutes=i), to) is not None
    assert auto(t0 + timedelta(minutes=10)) is None
    assert _count(db, address) == 5
    # A person's reply still goes out; another address is not affected.
    assert enqueue(db, to_addr=address, rendered=render("public_reply", "pl", _context()),
                   kind="public_reply", is_auto=False, now=t0 + timedelta(minutes=11))
    assert auto(t0 + timedelta(minutes=12), "other@example.test") is not None
    assert auto(t0 + timedelta(minutes=59)) is None
    # Once the window has passed the older ones, automatic mail flows again.
    assert auto(t0 + timedelta(minutes=62)) is not None
    db.commit()
    assert _count(db, address) == 7


def test_header_injection_in_subject_and_name_stays_in_one_header(db, world, sink, mail_env):
    mail_env(sink)
    t0 = _now()
    evil = Rendered(subject="Hello\r\nBcc: victim@evil.test\r\nX-Injected: 1",
                    text="text", html="<p>html</p>")
    row = enqueue(db, to_addr="jan@klient.example", to_name="Eve\r\nCc: victim2@evil.test",
                  rendered=evil, kind="public_reply", is_auto=False, now=t0)
    assert row is not None
    db.commit()
    lines = row.raw.split(b"\r\n")
    header = lines[:lines.index(b"")]
    assert sum(line.startswith(b"Subject:") for line in header) == 1
    assert not [line for line in header if line.split(b":")[0] in (b"Bcc", b"Cc", b"X-Injected")]
    assert send_due(db.get_bind(), now=t0) == SendResult(sent=1)
    [got] = sink.messages
    assert got.rcpt_tos == ("jan@klient.example",)
    msg = got.message()
    assert msg["Subject"] == "Hello Bcc: victim@evil.test X-Injected: 1"
    assert msg["Bcc"] is None and msg["Cc"] is None and msg["X-Injected"] is None
    assert msg["To"].addresses[0].addr_spec == "jan@klient.example"
    assert row.subject == "Hello Bcc: victim@evil.test X-Injected: 1"


@pytest.mark.parametrize("address", ["jan@klient.example\r\nBcc: x@evil.test", "no-at-sign",
                                     "", "two words@klient.example", "<jan@klient.example>"])
def test_invalid_address_queues_nothing(db, world, mail_env, address):
    mail_env(None)
    before = db.exec(select(func.count()).select_from(OutboundMail)).one()
    row = enqueue(db, to_addr=address, rendered=render("public_reply", "pl", _context()),
                  kind="public_reply", is_auto=False, now=_now())
    assert row is None
    assert db.exec(select(func.count()).select_from(OutboundMail)).one() == before


def test_malformed_parent_message_id_is_left_out_not_injected(db, world, mail_env):
    mail_env(None)
    row = enqueue(db, to_addr="jan@klient.example", kind="rejected",
                  rendered=render("rejected", "en", {"original_subject": "Hi"}),
                  in_reply_to="x@y\r\nBcc: victim@evil.test", now=_now())
    assert row is not None
    assert b"In-Reply-To" not in row.raw and b"Bcc" not in row.raw


def test_international_domain_is_sent_as_idna(db, world, sink, mail_env):
    mail_env(sink)
    t0 = _now()
    row = _queue(db, "Biuro@Łódź.pl", now=t0)
    db.commit()
    assert row.to_addr == "biuro@xn--d-uga0v4h.pl"
    assert send_due(db.get_bind(), now=t0) == SendResult(sent=1)
    assert sink.messages[0].rcpt_tos == ("biuro@xn--d-uga0v4h.pl",)


# --------------------------------------------------------------------------- threading


def test_thread_headers_order_root_first_newest_last(db, world, mail_env):
    mail_env(None)
    t0 = _now()
    ticket = _ticket(db, world)
    other = _ticket(db, world, number="2026-000124")
    assert thread_headers(db, ticket.id) == (None, [])

    _inbound(db, ticket.id, "root@klient.example", t0)
    _inbound(db, other.id, "elsewhere@klient.example", t0 + timedelta(seconds=30))
    _inbound(db, None, "unmatched@klient.example", t0 + timedelta(seconds=30))
    out1 = _queue(db, "jan@klient.example", ticket_id=ticket.id, now=t0 + timedelta(minutes=1))
    _inbound(db, ticket.id, "reply-2@klient.example", t0 + timedelta(minutes=2))
    out2 = _queue(db, "jan@klient.example", ticket_id=ticket.id, now=t0 + timedelta(minutes=3))
    failed = _queue(db, "x@klient.example", ticket_id=ticket.id, now=t0 + timedelta(minutes=4))
    failed.status = OutboundStatus.FAILED  # never reached anyone: not part of the thread
    _inbound(db, ticket.id, None, t0 + timedelta(minutes=5))  # a mail without Message-ID
    _inbound(db, ticket.id, "bad id with spaces@x", t0 + timedelta(minutes=5))
    db.commit()

    expected = ["root@klient.example", out1.message_id, "reply-2@klient.example",
                out2.message_id]
    assert thread_headers(db, ticket.id) == (out2.message_id, expected)

    # enqueue threads a ticket mail by itself.
    out3 = _queue(db, "jan@klient.example", ticket_id=ticket.id, now=t0 + timedelta(minutes=6))
    msg = ReceivedMail("", (), out3.raw, None, False, None).message()
    assert msg["In-Reply-To"] == f"<{out2.message_id}>"
    assert msg["References"].split() == [f"<{m}>" for m in expected]

    # A long thread: the root and the nine newest, oldest first.
    later = [_inbound(db, ticket.id, f"later-{i}@klient.example",
                      t0 + timedelta(minutes=10 + i)).message_id for i in range(12)]
    db.commit()
    reply_to, refs = thread_headers(db, ticket.id)
    assert len(refs) == 10
    assert refs == ["root@klient.example", *later[-9:]]
    assert reply_to == later[-1]


def test_mails_queued_together_thread_as_if_each_read_the_thread_afresh(
        db, world, mail_env, open_session):
    """Several mails about one ticket in one transaction (the SLA sweep's assignee and
    coordinators) reuse the thread read for the first one; each must still get exactly
    the headers a fresh read would give, also past REFERENCES_MAX. (One recipient: our
    ids carry per-recipient reply tokens and never reach another recipient.)"""
    mail_env(None)
    t0 = _now()
    ticket = _ticket(db, world)
    _inbound(db, ticket.id, "root@klient.example", t0)
    db.commit()
    queued = []
    for n in range(12):
        row = _queue(db, "k@klient.example", ticket_id=ticket.id,
                     now=t0 + timedelta(minutes=1 + n))
        queued.append(row)
        remembered = thread_headers(db, ticket.id, "k@klient.example")
        db.info.pop("outbox.threads", None)  # forget: read the thread from the database
        assert thread_headers(db, ticket.id, "k@klient.example") == remembered, n
    db.commit()
    reply_to, refs = thread_headers(open_session(), ticket.id, "k@klient.example")
    assert reply_to == queued[-1].message_id
    assert refs[0] == "root@klient.example" and len(refs) == 10
    # every mail after the first answers the one queued before it, as when read afresh
    for before, after in itertools.pairwise(queued):
        msg = ReceivedMail("", (), after.raw, None, False, None).message()
        assert msg["In-Reply-To"] == f"<{before.message_id}>"


def test_enqueue_many_is_one_insert_threaded_like_one_by_one(db, world, mail_env, engine,
                                                           open_session):
    """enqueue_many (the SLA sweep's batch) stores what enqueue would, in one INSERT: each
    mail answers the one queued before it on its ticket, a refused address gives None and
    queues nothing, and mail queued afterwards threads after the batch's (real ids)."""
    from sqlalchemy import event

    mail_env(None)
    t0 = _now()
    ticket, other = _ticket(db, world), _ticket(db, world, "2026-000124")
    _inbound(db, ticket.id, "root@klient.example", t0)
    db.commit()
    rendered = render("sla_breach", "pl", _context())
    # a and c: one recipient (our ids carry per-recipient reply tokens, see
    # test_mail_to_one_recipient_never_references_our_mail_to_another)
    mails = [Mail("a@x.example", rendered, "sla_breach", ticket_id=ticket.id, capped=False),
             Mail("not an address", rendered, "sla_breach", ticket_id=ticket.id),
             Mail("b@x.example", rendered, "sla_breach", ticket_id=other.id, capped=False),
             Mail("a@x.example", rendered, "sla_breach", ticket_id=ticket.id, capped=False)]
    inserts: list[str] = []
    listener = lambda conn, cur, statement, *rest: (  # noqa: E731
        inserts.append(statement) if statement.startswith("INSERT INTO outbound_mail") else None)
    event.listen(engine, "before_cursor_execute", listener)
    try:
        ids = enqueue_many(db, mails, now=t0 + timedelta(minutes=1))
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert len(inserts) == 1
    assert ids[1] is None and None not in (ids[0], ids[2], ids[3])
    later = _queue(db, "a@x.example", ticket_id=ticket.id, now=t0 + timedelta(minutes=2))
    db.commit()

    rows = {row.id: row for row in open_session().exec(select(OutboundMail)).all()}
    assert set(rows) == {ids[0], ids[2], ids[3], later.id}
    a, b, c = rows[ids[0]], rows[ids[2]], rows[ids[3]]
    assert (a.to_addr, a.kind, a.ticket_id, a.is_auto) == ("a@x.example", "sla_breach",
                                                          ticket.id, True)

    def headers(row: OutboundMail):
        msg = ReceivedMail("", (), row.raw, None, False, None).message()
        return msg["In-Reply-To"], msg["References"].split() if msg["References"] else []

    assert headers(a) == ("<root@klient.example>", ["<root@klient.example>"])
    assert headers(b) == (None, [])  # another ticket, nothing to answer
    assert headers(c)[0] == f"<{a.message_id}>"
    # the next mail sees the batch's mails in order, under their real ids
    assert headers(rows[later.id]) == (f"<{c.message_id}>", [f"<{m}>" for m in (
        "root@klient.example", a.message_id, c.message_id)])


def test_mail_to_one_recipient_never_references_our_mail_to_another(db, world, mail_env):
    """Our ids on ticket mail carry the recipient's reply token (mail identity): an id
    sent to the agent would let whoever holds it pass as the agent, so a client's mail
    threads on the client's own message and our mail to the client only."""
    from helpdesk_app.mail.outbound import reply_token

    mail_env(None)
    t0 = _now()
    ticket = _ticket(db, world)
    _inbound(db, ticket.id, "root@klient.example", t0)
    to_agent = _queue(db, "agent@x.example", ticket_id=ticket.id,
                      now=t0 + timedelta(minutes=1))
    to_client = _queue(db, "jan@klient.example", ticket_id=ticket.id,
                       now=t0 + timedelta(minutes=2))
    db.commit()
    assert reply_token.issued_to(to_agent.message_id, DOMAIN, "agent@x.example", ticket.id)
    assert not reply_token.issued_to(to_agent.message_id, DOMAIN, "jan@klient.example",
                                     ticket.id)
    msg = ReceivedMail("", (), to_client.raw, None, False, None).message()
    assert msg["In-Reply-To"] == "<root@klient.example>"
    assert to_agent.message_id not in msg["References"]
    assert thread_headers(db, ticket.id, "agent@x.example") == (
        to_agent.message_id, ["root@klient.example", to_agent.message_id])
    # short enough for one header line, like the plain ids
    assert len(to_agent.message_id) <= len(compose.new_message_id(DOMAIN))


def test_our_message_ids_are_recognised(mail_env):
    mail_env(None)
    ours = compose.new_message_id(DOMAIN)
    assert "<" not in ours and ours.endswith("@" + DOMAIN)
    assert ours != compose.new_message_id(DOMAIN)
    assert is_our_message_id(ours) and is_our_message_id(f"<{ours}>")
    assert is_our_message_id(ours.upper())
    for other in (None, "", DOMAIN, "@" + DOMAIN, "x@other.test", "x@evil" + DOMAIN,
                  "x@sub." + DOMAIN):
        assert not is_our_message_id(other), other


# --------------------------------------------------------------------------- compose


def _build(**overrides) -> bytes:
    args = dict(from_addr=FROM, to_addr="jan@klient.example", to_name="Jan Żółw",
                subject="Zażółć gęślą jaźń", text="tekst", html="<p>html</p>",
                message_id="abc.123@pomocnik.test", in_reply_to=None, references=(),
                auto_submitted=None, loop_token="helpdesk@pomocnik.test", date=_now())
    args.update(overrides)
    return compose.build(**args)


@pytest.mark.parametrize("field, value", [
    ("to_addr", "jan@klient.example\r\nBcc: x@evil.test"),
    ("to_addr", "jan-at-klient.example"),
    ("from_addr", "Pomocnik <helpdesk@pomocnik.test>\nBcc: x@evil.test"),
    ("from_addr", "Pomocnik"),
    ("message_id", "abc\r\nBcc: x@evil.test"),
    ("in_reply_to", "no id here"),
    ("references", ["ok@x.test", "bad\r\n@x.test"]),
    ("date", datetime(2026, 1, 1, 12, 0)),  # naive
])
def test_build_refuses_what_could_break_out_of_a_header(field, value):
    with pytest.raises(ValueError):
        _build(**{field: value})


def test_build_folds_long_message_ids_without_encoding_them():
    long_id = "a" * 150 + "@klient.example"
    raw = _build(in_reply_to=long_id, references=[long_id, "b@klient.example"])
    assert f"<{long_id}>".encode() in raw  # intact, never as =?utf-8?...
    msg = ReceivedMail("", (), raw, None, False, None).message()
    assert msg["References"].split() == [f"<{long_id}>", "<b@klient.example>"]
    assert msg["Subject"] == "Zażółć gęślą jaźń"
    assert msg["To"].addresses[0].display_name == "Jan Żółw"
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
