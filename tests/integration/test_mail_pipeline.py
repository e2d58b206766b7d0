"""The inbound pipeline end to end: real SMTP into the listener, stored raw, filtered,
onto tickets (SQLite and PostgreSQL)."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from helpdesk_app.config import get_settings
from helpdesk_app.domain import tickets, workflow
from helpdesk_app.mail.inbound import pipeline, store
from helpdesk_app.mail.inbound.filters import deliver
from helpdesk_app.mail.inbound.filters.sender import TRIAGE_ORGANISATION
from helpdesk_app.mail.inbound.smtp import SmtpListener
from helpdesk_app.models import (
    Attachment,
    Channel,
    EventKind,
    InboundMail,
    InboundStatus,
    MailSource,
    Organisation,
    Role,
    Ticket,
    TimelineEvent,
    User,
)
from tests.conftest import Factory
from tests.mail_support import ADDRESS, Room, free_port, message, message_id_of, send


def _ticket_of(room: Room, mail: InboundMail) -> Ticket:
    assert mail.status == InboundStatus.DONE, (mail.status, mail.reason, mail.detail)
    return room.db.get(Ticket, mail.ticket_id)


# --------------------------------------------------------------------------- new tickets


def test_mail_from_a_client_opens_a_ticket_and_answers_with_its_number(room: Room) -> None:
    msg = message(sender="carl@org-a.test", subject="Drukarka nie drukuje",
                  body="Zażółć gęślą jaźń — drukarka drukuje puste strony.",
                  attachments=[("raport.pdf", b"%PDF-1.4 test", "application/pdf")])
    mail = room.deliver(msg, mail_from="carl@org-a.test")
    ticket = _ticket_of(room, mail)
    assert ticket.subject == "Drukarka nie drukuje"
    assert ticket.requester_id == room.world.users["client"].id
    assert ticket.channel == Channel.EMAIL
    assert ticket.queue_id == room.world.queue2.id  # the channel's queue
    created = room.events(ticket.id)[0]
    assert created.kind == EventKind.CREATED and "Zażółć gęślą jaźń" in created.body
    assert created.data["mail_id"] == mail.id and mail.event_id == created.id
    files = room.db.exec(select(Attachment).where(Attachment.ticket_id == ticket.id)).all()
    assert [f.filename for f in files] == ["raport.pdf"]
    # the auto-reply: ticket number, threaded to the client's message, marked automatic
    [reply] = room.outbox("carl@org-a.test")
    assert reply.kind == "auto_reply" and reply.is_auto and reply.ticket_id == ticket.id
    raw = reply.raw.decode("utf-8", "replace")
    assert f"[#{ticket.number}]" in reply.subject
    assert f"<{message_id_of(msg)}>" in raw and "Auto-Submitted: auto-replied" in raw


def test_unknown_sender_from_a_verified_domain_becomes_a_client_of_that_organisation(
        room: Room) -> None:
    mail = room.deliver(message(sender="nowa.osoba@org-a.test", sender_name="Nowa Osoba"))
    ticket = _ticket_of(room, mail)
    user = room.db.get(User, ticket.requester_id)
    assert (user.email, user.full_name, user.role) == ("nowa.osoba@org-a.test", "Nowa Osoba",
                                                       Role.CLIENT)
    assert user.organisation_id == room.world.org_a.id
    assert user.password_hash == "!"  # cannot log in until a password is set


def test_unknown_sender_policy_triage(room: Room, make: Factory,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    triage = make.queue("Triage")
    monkeypatch.setenv("POMOCNIK_MAIL_TRIAGE_QUEUE", "Triage")
    get_settings.cache_clear()
    ticket = _ticket_of(room, room.deliver(message(sender="stranger@elsewhere.test")))
    assert ticket.queue_id == triage.id
    org = room.db.get(Organisation, ticket.organisation_id)
    assert org.name == TRIAGE_ORGANISATION


def test_unknown_sender_policy_reject_answers_politely_and_opens_nothing(
        room: Room, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POMOCNIK_MAIL_UNKNOWN_SENDER", "reject")
    get_settings.cache_clear()
    before = room.db.exec(select(func.count()).select_from(Ticket)).one()
    mail = room.deliver(message(sender="stranger@elsewhere.test", subject="Oferta"))
    assert mail.status == InboundStatus.REJECTED and mail.ticket_id is None
    assert room.db.exec(select(func.count()).select_from(Ticket)).one() == before
    [reply] = room.outbox("stranger@elsewhere.test")
    assert reply.kind == "rejected" and "Oferta" in reply.subject
    # an automatic message from an unknown sender is not even answered
    mail = room.deliver(message(sender="robot@elsewhere.test",
                                headers={"Auto-Submitted": "auto-generated"}))
    assert mail.status == InboundStatus.REJECTED
    assert room.outbox("robot@elsewhere.test") == []


def test_unknown_sender_policy_quarantine(room: Room, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POMOCNIK_MAIL_UNKNOWN_SENDER", "quarantine")
    get_settings.cache_clear()
    mail = room.deliver(message(sender="stranger@elsewhere.test"))
    assert (mail.status, mail.reason) == (InboundStatus.QUARANTINED, "unknown_sender")
    # "create ticket anyway": the admin's decision overrides the policy
    room.db.execute(InboundMail.__table__.update().where(InboundMail.id == mail.id)
                    .values(status=InboundStatus.RECEIVED))
    room.db.commit()
    assert pipeline.process(room.engine, mail.id, force=True) == InboundStatus.DONE


# --------------------------------------------------------------------------- threading


def _new_ticket(room: Room, **kw) -> tuple[Ticket, EmailMessage]:
    msg = message(sender="carl@org-a.test", **kw)
    return _ticket_of(room, room.deliver(msg)), msg


@pytest.mark.parametrize("prefix", ["Re: ", "RE: ", "Odp: ", "ODP: ", "Fwd: ", "PD: ", "AW: ",
                                    "WG: ", "Re[2]: ", "Re: Odp: "])
def test_ticket_number_in_the_subject_makes_a_follow_up(room: Room, prefix: str) -> None:
    ticket, _ = _new_ticket(room)
    reply = message(sender="carl@org-a.test", subject=f"{prefix}[#{ticket.number}] Printer",
                    body="Still broken.\n\nW dniu 20.11.2026 o 10:00 Pomocnik pisze:\n> old text")
    mail = room.deliver(reply)
    assert _ticket_of(room, mail).id == ticket.id
    event = room.events(ticket.id)[-1]
    assert (event.kind, event.is_public, event.body) == (EventKind.REPLY, True, "Still broken.")
    # follow-ups get no auto-reply; only the first message did
    assert [m.kind for m in room.outbox("carl@org-a.test")] == ["auto_reply"]


def test_reply_to_our_message_id_finds_the_ticket_without_a_number(room: Room) -> None:
    ticket, _ = _new_ticket(room)
    [ours] = room.outbox("carl@org-a.test")
    reply = message(sender="carl@org-a.test", subject="Re: your message",
                    in_reply_to=ours.message_id, references=[ours.message_id])
    assert _ticket_of(room, room.deliver(reply)).id == ticket.id


def test_someone_elses_ticket_number_does_not_let_a_stranger_write_into_it(room: Room) -> None:
    ticket, _ = _new_ticket(room)
    other = room.world.users["other-client"]
    other.email = "olga@org-b.test"
    room.db.add(other)
    room.db.commit()
    mail = room.deliver(message(sender="olga@org-b.test", subject=f"Re: [#{ticket.number}]"))
    assert _ticket_of(room, mail).id != ticket.id
    assert "not the sender's ticket" in mail.detail
    assert all(e.author_id != other.id for e in room.events(ticket.id))


def _closed(room: Room) -> Ticket:
    ticket, _ = _new_ticket(room)
    tickets.update_ticket(room.db, room.world.actor("admin"), ticket.id, ticket.version,
                          {"status": "closed"})
    return ticket


def test_a_reply_to_a_closed_ticket_reopens_it_where_the_workflow_allows(room: Room) -> None:
    # the same rule as a reply on the web (domain/closed_replies.py)
    ticket = _closed(room)
    mail = room.deliver(message(sender="carl@org-a.test", subject=f"Re: [#{ticket.number}]",
                                body="It broke again"))
    assert _ticket_of(room, mail).id == ticket.id
    room.db.expire_all()
    assert room.db.get(Ticket, ticket.id).status == "open"
    reply, change = room.events(ticket.id)[-2:]
    assert (reply.kind, reply.is_public, "It broke again" in reply.body) == (
        EventKind.REPLY, True, True)
    assert change.data == {"old": "closed", "new": "open"}


def test_a_reply_to_a_closed_ticket_the_workflow_keeps_closed_opens_a_follow_up(
        room: Room) -> None:
    ticket = _closed(room)
    workflow.save_transitions(room.db, room.world.actor("admin"), None, [
        ("new", "open"), ("open", "resolved"), ("resolved", "closed")])
    mail = room.deliver(message(sender="carl@org-a.test", subject=f"Re: [#{ticket.number}]",
                                body="It broke again"))
    new = _ticket_of(room, mail)
    assert new.id != ticket.id
    created = room.events(new.id)[0]
    assert created.data["follows"] == ticket.number and ticket.number in created.body
    room.db.expire_all()
    assert room.db.get(Ticket, ticket.id).status == "closed"


def test_staff_mail_on_a_closed_ticket_is_a_note_on_it_as_on_the_web(room: Room) -> None:
    ticket, _ = _new_ticket(room)
    tech = room.world.users["technician"]
    # (staff From counts only on a reply to our mail to them: the assignment mail)
    tickets.update_ticket(room.db, room.world.actor("coordinator"), ticket.id, ticket.version,
                          {"assignee_id": tech.id})
    [ours] = room.outbox(tech.email)
    room.db.refresh(ticket)
    tickets.update_ticket(room.db, room.world.actor("admin"), ticket.id, ticket.version,
                          {"status": "closed"})
    mail = room.deliver(message(sender=tech.email, subject=f"Re: [#{ticket.number}]",
                                body="For the record: replaced the fuser",
                                in_reply_to=ours.message_id))
    assert _ticket_of(room, mail).id == ticket.id
    note = room.events(ticket.id)[-1]
    assert (note.kind, note.is_public, note.author_id) == (EventKind.NOTE, False, tech.id)
    room.db.expire_all()
    assert room.db.get(Ticket, ticket.id).status == "closed"


def test_staff_reply_by_mail_is_an_internal_note_never_a_public_reply(room: Room) -> None:
    ticket, _ = _new_ticket(room)
    tech = room.world.users["technician"]
    # staff From counts only on a reply to our mail to them (test_mail_identity.py)
    tickets.update_ticket(room.db, room.world.actor("coordinator"), ticket.id, ticket.version,
                          {"assignee_id": tech.id})
    [ours] = room.outbox(tech.email)
    mail = room.deliver(message(sender=tech.email, subject=f"Re: [#{ticket.number}]",
                                body="Internal: the toner is counterfeit",
                                in_reply_to=ours.message_id))
    event = room.events(_ticket_of(room, mail).id)[-1]
    assert (event.kind, event.is_public, event.author_id) == (EventKind.NOTE, False, tech.id)
    # a new mail from staff with no ticket is not a ticket for a client: an admin decides
    mail = room.deliver(message(sender=tech.email, subject="Lunch?"))
    assert (mail.status, mail.reason) == (InboundStatus.QUARANTINED, "staff_new_mail")


# --------------------------------------------------------------------------- loops & noise


@pytest.mark.parametrize("headers", [
    {"Auto-Submitted": "auto-generated"},
    {"X-Auto-Response-Suppress": "All"},
    {"Precedence": "bulk"},
    {"List-Id": "<ogloszenia.org-a.test>"},
    {"List-Unsubscribe": "<mailto:leave@org-a.test>"},
    {"X-Loop": "something@org-a.test"},
])
def test_noisy_mail_makes_a_ticket_but_never_an_auto_reply(room: Room, headers) -> None:
    mail = room.deliver(message(sender="carl@org-a.test", headers=headers))
    _ticket_of(room, mail)
    assert room.outbox("carl@org-a.test") == []


@pytest.mark.parametrize("sender", ["mailer-daemon@org-a.test", "noreply@org-a.test",
                                    "no-reply@org-a.test", "postmaster@org-a.test"])
def test_machine_senders_are_never_answered(room: Room, sender: str) -> None:
    _ticket_of(room, room.deliver(message(sender=sender)))
    assert room.outbox(sender) == []


def test_out_of_office_reply_lands_as_internal_note_and_does_not_reopen(room: Room) -> None:
    ticket, _ = _new_ticket(room)
    [ours] = room.outbox("carl@org-a.test")
    status_before = room.db.get(Ticket, ticket.id).status
    ooo = message(sender="carl@org-a.test", subject="Automatic reply: [#" + ticket.number + "]",
                  body="I am out of office until Monday.", in_reply_to=ours.message_id,
                  headers={"Auto-Submitted": "auto-replied"})
    mail = room.deliver(ooo)
    event = room.events(_ticket_of(room, mail).id)[-1]
    assert (event.kind, event.is_public, event.data.get("mail_automatic")) == (
        EventKind.NOTE, False, True)
    room.db.expire_all()
    assert room.db.get(Ticket, ticket.id).status == status_before
    assert len(room.outbox("carl@org-a.test")) == 1  # no answer to the auto-reply


def test_our_own_mail_coming_back_is_ignored(room: Room) -> None:
    ticket, _ = _new_ticket(room)
    [ours] = room.outbox("carl@org-a.test")
    events_before = len(room.events(ticket.id))
    mail = room.deliver(ours.raw)
    assert (mail.status, mail.reason) == (InboundStatus.IGNORED, "own_mail")
    assert len(room.events(ticket.id)) == events_before


def test_the_same_message_twice_lands_once(room: Room) -> None:
    msg = message(sender="carl@org-a.test")
    first = room.deliver(msg)
    second = room.deliver(msg)
    assert first.status == InboundStatus.DONE
    assert (second.status, second.reason, second.ticket_id) == (
        InboundStatus.IGNORED, "duplicate", first.ticket_id)


def _dsn(original_id: str, recipient: str) -> bytes:
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.org-a.test>\r\n"
        f"To: {ADDRESS}\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        f"Message-ID: <bounce-{original_id}@mx.org-a.test>\r\nAuto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.org-a.test\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: <{original_id}>\r\nSubject: whatever\r\n\r\n--B--\r\n"
    ).encode()


def test_a_bounce_of_our_mail_is_linked_to_its_ticket(room: Room) -> None:
    ticket, _ = _new_ticket(room)
    [ours] = room.outbox("carl@org-a.test")
    mail = room.deliver(_dsn(ours.message_id, "carl@org-a.test"), mail_from="")
    assert _ticket_of(room, mail).id == ticket.id
    note = room.events(ticket.id)[-1]
    assert note.kind == EventKind.NOTE and not note.is_public
    assert note.data["mail_bounce"]["status"] == "5.1.1"
    assert "carl@org-a.test" in note.body
    room.db.refresh(ours)
    assert "bounced 5.1.1" in ours.last_error
    # a bounce of something we never sent creates nothing
    mail = room.deliver(_dsn("unknown@nowhere.test", "x@org-a.test"), mail_from="")
    assert (mail.status, mail.reason) == (InboundStatus.IGNORED, "bounce_unmatched")


def test_automatic_mail_to_one_address_is_capped(room: Room,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POMOCNIK_MAIL_AUTO_REPLY_CAP", "2")
    get_settings.cache_clear()
    for n in range(4):
        _ticket_of(room, room.deliver(message(sender="carl@org-a.test", subject=f"Issue {n}")))
    assert len(room.outbox("carl@org-a.test")) == 2


# --------------------------------------------------------------------------- limits & errors


def test_over_limit_mail_is_quarantined_and_does_not_block_the_next(
        room: Room, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POMOCNIK_MAIL_MAX_MB", "1")
    get_settings.cache_clear()
    big = message(sender="carl@org-a.test", subject="Huge",
                  attachments=[("dump.bin", b"\0" * (1024 * 1024 + 10), "application/x")])
    raw_ids = [store.store_raw(room.db, m.as_bytes(), source=MailSource.SMTP,
                               rcpt_to=[ADDRESS])
               for m in (big, message(sender="carl@org-a.test", subject="Small"))]
    result = pipeline.process_pending(room.engine)
    assert result.processed == 2
    room.db.expire_all()
    huge, small = (room.db.get(InboundMail, i) for i in raw_ids)
    assert (huge.status, huge.reason) == (InboundStatus.QUARANTINED, "too_large")
    assert small.status == InboundStatus.DONE
    assert huge.raw == big.as_bytes()  # kept whole for the admin
    # the admin's "create ticket anyway" (limits give way)
    room.db.execute(InboundMail.__table__.update().where(InboundMail.id == huge.id)
                    .values(status=InboundStatus.RECEIVED, attempts=0))
    room.db.commit()
    assert pipeline.process(room.engine, huge.id, force=True) == InboundStatus.DONE


def test_an_unexpected_error_quarantines_only_that_message(
        room: Room, monkeypatch: pytest.MonkeyPatch) -> None:
    real = deliver.run

    def explode_on_first(db, ctx):
        if ctx.parsed.subject == "Boom":
            raise RuntimeError("disk on fire")
        return real(db, ctx)

    monkeypatch.setattr(deliver, "run", explode_on_first)
    monkeypatch.setattr("helpdesk_app.mail.inbound.pipeline.FILTERS",
                        (*pipeline.FILTERS[:-1], deliver))
    ids = [store.store_raw(room.db, message(sender="carl@org-a.test", subject=s).as_bytes(),
                           source=MailSource.SMTP, rcpt_to=[ADDRESS]) for s in ("Boom", "Fine")]
    pipeline.process_pending(room.engine)
    room.db.expire_all()
    boom, fine = (room.db.get(InboundMail, i) for i in ids)
    assert (boom.status, boom.reason) == (InboundStatus.QUARANTINED, "processing_error")
    assert "disk on fire" in boom.detail
    assert fine.status == InboundStatus.DONE
    # nothing half-written for the failed one
    assert room.db.exec(select(func.count()).select_from(Ticket)
                        .where(Ticket.subject == "Boom")).one() == 0


def test_a_message_that_keeps_killing_the_worker_is_quarantined(room: Room) -> None:
    mail_id = store.store_raw(room.db, message(sender="carl@org-a.test").as_bytes(),
                              source=MailSource.SMTP, rcpt_to=[ADDRESS])
    # three earlier attempts died without a word (the attempt counter survived them)
    room.db.execute(InboundMail.__table__.update().where(InboundMail.id == mail_id)
                    .values(attempts=pipeline.MAX_ATTEMPTS))
    room.db.commit()
    assert pipeline.process(room.engine, mail_id) == InboundStatus.QUARANTINED
    room.db.expire_all()
    assert room.db.get(InboundMail, mail_id).reason == "processing_failed"


def test_processing_twice_never_makes_two_tickets(room: Room) -> None:
    mail = room.deliver(message(sender="carl@org-a.test"))
    assert pipeline.process(room.engine, mail.id) == InboundStatus.DONE
    assert room.db.exec(select(func.count()).select_from(TimelineEvent).where(
        TimelineEvent.kind == EventKind.CREATED)).one() == 1


# --------------------------------------------------------------------------- real SMTP


@pytest.fixture
def listener(room: Room):
    woken: list[int] = []
    smtp = SmtpListener(room.engine, get_settings().mail, on_stored=woken.append,
                        port=free_port()).start()
    smtp.woken = woken
    yield smtp
    smtp.stop()


def test_smtp_listener_stores_the_exact_bytes_before_answering(room: Room, listener) -> None:
    msg = message(sender="carl@org-a.test", subject="Przez SMTP — zażółć",
                  body="Treść ąęłńóśźż")
    send(listener.port, msg, mail_from="carl@org-a.test", rcpt=[ADDRESS])
    [row] = room.db.exec(select(InboundMail)).all()
    assert row.status == InboundStatus.RECEIVED and listener.woken == [row.id]
    assert row.source == MailSource.SMTP and row.mail_from == "carl@org-a.test"
    assert row.rcpt_to == [ADDRESS] and row.channel_id == room.channel.id
    assert row.message_id == message_id_of(msg)
    assert msg.as_bytes().replace(b"\r\n", b"\n").strip() in row.raw.replace(b"\r\n", b"\n")
    assert _ticket_of(room, _process(room, row)).subject == "Przez SMTP — zażółć"


def _process(room: Room, row: InboundMail) -> InboundMail:
    pipeline.process(room.engine, row.id)
    room.db.expire_all()
    return room.db.get(InboundMail, row.id)


def test_smtp_listener_refuses_unknown_recipients_when_channels_exist(
        room: Room, listener) -> None:
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        send(listener.port, message(sender="carl@org-a.test", to="nobody@pomocnik.test"),
             mail_from="carl@org-a.test", rcpt=["nobody@pomocnik.test"])
    assert room.db.exec(select(func.count()).select_from(InboundMail)).one() == 0


def test_smtp_listener_answers_451_when_it_cannot_store(room: Room, tmp_path) -> None:
    from helpdesk_app.db import make_engine

    broken = make_engine(f"sqlite:///{tmp_path / 'missing-dir' / 'x.db'}")
    smtp = SmtpListener(broken, get_settings().mail, port=free_port()).start()
    try:
        with pytest.raises((smtplib.SMTPDataError, smtplib.SMTPRecipientsRefused)) as err:
            send(smtp.port, message(sender="carl@org-a.test"), mail_from="carl@org-a.test",
                 rcpt=[ADDRESS])
        code = getattr(err.value, "smtp_code", None) or next(
            iter(err.value.recipients.values()))[0]
        assert code == 451  # temporary: the sender keeps the message and retries
    finally:
        smtp.stop()


# --------------------------------------------------------------------------- real IMAP


def test_imap_mailbox_to_tickets_with_processed_and_quarantine_folders(
        room: Room, monkeypatch: pytest.MonkeyPatch) -> None:
    from helpdesk_app.mail.inbound import imap
    from tests.imap_server import dovecot_server

    monkeypatch.setenv("POMOCNIK_MAIL_MAX_MB", "1")
    get_settings.cache_clear()
    with dovecot_server() as server:
        room.channel.imap_host, room.channel.imap_port = server.host, server.port
        room.channel.imap_security = "none"
        room.channel.imap_username, room.channel.imap_password = server.user, server.password
        room.db.add(room.channel)
        room.db.commit()
        ok = message(sender="carl@org-a.test", subject="Przez IMAP")
        huge = message(sender="carl@org-a.test", subject="Za duży",
                       attachments=[("x.bin", b"\1" * (1024 * 1024 + 1), "application/x")])
        server.append(ok.as_bytes())
        server.append(huge.as_bytes())
        result = imap.poll_channel(room.engine, room.channel.id,
                                   process=lambda i: pipeline.process(room.engine, i))
        assert (result.error, result.stored, result.moved) == ("", 2, 2)
        assert server.messages("INBOX") == []
        [processed] = server.messages("Processed")
        [quarantined] = server.messages("Quarantine")
        assert b"Przez IMAP" in processed and b"Subject: Za =?utf-8?q?du" in quarantined
        room.db.expire_all()
        rows = room.db.exec(select(InboundMail).order_by(col(InboundMail.id))).all()
        assert [r.status for r in rows] == [InboundStatus.DONE, InboundStatus.QUARANTINED]
        assert room.db.get(Ticket, rows[0].ticket_id).subject == "Przez IMAP"
        # polling again finds nothing new and stores nothing twice
        again = imap.poll_channel(room.engine, room.channel.id,
                                  process=lambda i: pipeline.process(room.engine, i))
        assert (again.fetched, again.stored) == (0, 0)
