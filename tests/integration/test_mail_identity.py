"""Mail identity (issue 12) end to end over the real SMTP listener: a staff address in
From writes as staff only when it continues a thread we sent to that address (reply
token) or a trusted relay vouches for it; a client never writes into a ticket it may not
write to."""

from __future__ import annotations

import pytest
from sqlmodel import select

from helpdesk_app.config import get_settings
from helpdesk_app.domain import tickets
from helpdesk_app.i18n import t
from helpdesk_app.mail.inbound import admin_actions, pipeline
from helpdesk_app.mail.inbound.smtp import SmtpListener
from helpdesk_app.models import EventKind, InboundMail, InboundStatus, Ticket
from tests.mail_support import ADDRESS, Room, free_port, message, send

RELAY = "mx.pomocnik.test"


@pytest.fixture
def listener(room: Room):
    smtp = SmtpListener(room.engine, get_settings().mail, port=free_port()).start()
    yield smtp
    smtp.stop()


def _over_smtp(room: Room, listener, msg) -> InboundMail:
    """Send through the listener, then run the pipeline on what it stored."""
    before = {i for i in room.db.exec(select(InboundMail.id)).all()}
    send(listener.port, msg, rcpt=[ADDRESS])
    room.db.expire_all()
    [row] = [r for r in room.db.exec(select(InboundMail)).all() if r.id not in before]
    pipeline.process(room.engine, row.id)
    room.db.expire_all()
    return room.db.get(InboundMail, row.id)


def _client_ticket(room: Room, listener) -> Ticket:
    mail = _over_smtp(room, listener, message(sender="carl@org-a.test"))
    assert mail.status == InboundStatus.DONE, (mail.reason, mail.detail)
    return room.db.get(Ticket, mail.ticket_id)


def _assign_to_tech(room: Room, ticket: Ticket):
    """The technician gets our assignment mail: its Message-ID holds their reply token."""
    tech = room.world.users["technician"]
    tickets.update_ticket(room.db, room.world.actor("coordinator"), ticket.id, ticket.version,
                          {"assignee_id": tech.id})
    [ours] = room.outbox(tech.email)
    return tech, ours


def test_forged_staff_from_is_quarantined_with_the_reason_never_an_internal_note(
        room: Room, listener) -> None:
    ticket = _client_ticket(room, listener)
    tech = room.world.users["technician"]
    events_before = len(room.events(ticket.id))
    mail = _over_smtp(room, listener, message(
        sender=tech.email, subject=f"Re: [#{ticket.number}]", body="Close it, all fine"))
    assert (mail.status, mail.reason) == (InboundStatus.QUARANTINED, "staff_unverified")
    assert tech.email in mail.detail and mail.ticket_id is None
    assert len(room.events(ticket.id)) == events_before
    # admins read why, in both languages
    assert "not verified" in t("mail.reason.staff_unverified", "en")
    assert "niezweryfikowany" in t("mail.reason.staff_unverified", "pl")


def test_a_token_of_another_address_or_another_ticket_does_not_help_a_forger(
        room: Room, listener) -> None:
    ticket = _client_ticket(room, listener)
    _tech, ours = _assign_to_tech(room, ticket)
    [to_client] = [m for m in room.outbox("carl@org-a.test") if m.kind == "auto_reply"]
    coordinator = room.world.users["coordinator"]
    # the coordinator's address with the technician's token
    mail = _over_smtp(room, listener, message(
        sender=coordinator.email, subject=f"Re: [#{ticket.number}]",
        in_reply_to=ours.message_id, references=[to_client.message_id, ours.message_id]))
    assert mail.reason == "staff_unverified"
    # the technician's token, but pointed at another ticket by its number
    other = _client_ticket(room, listener)
    mail = _over_smtp(room, listener, message(
        sender=room.world.users["technician"].email, subject=f"Re: [#{other.number}]",
        in_reply_to=ours.message_id))
    assert mail.reason == "staff_unverified"
    assert all(e.kind != EventKind.NOTE for e in room.events(other.id))


def test_genuine_staff_reply_to_our_notification_is_an_internal_note(
        room: Room, listener) -> None:
    ticket = _client_ticket(room, listener)
    tech, ours = _assign_to_tech(room, ticket)
    mail = _over_smtp(room, listener, message(
        sender=tech.email, subject=f"Re: [#{ticket.number}] Printer broken",
        body="Internal: the toner is counterfeit",
        in_reply_to=ours.message_id, references=[ours.message_id]))
    assert (mail.status, mail.ticket_id) == (InboundStatus.DONE, ticket.id), mail.detail
    event = room.events(ticket.id)[-1]
    assert (event.kind, event.is_public, event.author_id) == (EventKind.NOTE, False, tech.id)
    # threading by the token alone (no number in the subject) works as well
    mail = _over_smtp(room, listener, message(sender=tech.email, subject="Re: your mail",
                                              in_reply_to=ours.message_id))
    assert mail.ticket_id == ticket.id


def _auth_results(value: str) -> dict[str, str]:
    return {"Authentication-Results": value}


def test_staff_mail_vouched_for_by_the_trusted_relay_is_staff_content(
        room: Room, listener, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POMOCNIK_MAIL_TRUSTED_AUTHSERV_IDS", RELAY)
    get_settings.cache_clear()
    ticket = _client_ticket(room, listener)
    tech = room.world.users["technician"]
    domain = tech.email.rsplit("@", 1)[1]
    mail = _over_smtp(room, listener, message(
        sender=tech.email, subject=f"Re: [#{ticket.number}]", body="Checked on site",
        headers=_auth_results(f"{RELAY}; dkim=pass header.d={domain}; spf=pass")))
    assert (mail.status, mail.ticket_id) == (InboundStatus.DONE, ticket.id), mail.detail
    assert "vouched" in mail.detail
    event = room.events(ticket.id)[-1]
    assert (event.kind, event.author_id) == (EventKind.NOTE, tech.id)


@pytest.mark.parametrize("header", [
    "evil.example; dkim=pass header.d=example.test",  # not our relay
    f"{RELAY}; dkim=pass header.d=attacker.example",  # a pass, for another domain
    f"{RELAY}; spf=pass smtp.mailfrom=example.test",  # SPF alone says nothing of From
    f"{RELAY}; dkim=fail header.d=example.test",
])
def test_relay_results_that_do_not_vouch_leave_staff_mail_quarantined(
        room: Room, listener, monkeypatch: pytest.MonkeyPatch, header: str) -> None:
    monkeypatch.setenv("POMOCNIK_MAIL_TRUSTED_AUTHSERV_IDS", RELAY)
    get_settings.cache_clear()
    ticket = _client_ticket(room, listener)
    tech = room.world.users["technician"]
    assert tech.email.endswith("@example.test")
    mail = _over_smtp(room, listener, message(
        sender=tech.email, subject=f"Re: [#{ticket.number}]", headers=_auth_results(header)))
    assert (mail.status, mail.reason) == (InboundStatus.QUARANTINED, "staff_unverified")


def test_reject_policy_rejects_forged_staff_mail_without_answering_it(
        room: Room, listener, monkeypatch: pytest.MonkeyPatch) -> None:
    ticket = _client_ticket(room, listener)
    monkeypatch.setenv("POMOCNIK_MAIL_UNKNOWN_SENDER", "reject")
    get_settings.cache_clear()
    tech = room.world.users["technician"]
    mail = _over_smtp(room, listener, message(sender=tech.email,
                                              subject=f"Re: [#{ticket.number}]"))
    assert (mail.status, mail.reason) == (InboundStatus.REJECTED, "staff_unverified")
    assert room.outbox(tech.email) == []  # the real colleague gets no backscatter


def test_an_admin_can_accept_a_quarantined_staff_mail(room: Room, listener) -> None:
    ticket = _client_ticket(room, listener)
    tech = room.world.users["technician"]
    mail = _over_smtp(room, listener, message(sender=tech.email,
                                              subject=f"Re: [#{ticket.number}]"))
    assert mail.reason == "staff_unverified"
    status = admin_actions.create_anyway(room.db, room.engine, room.world.actor("admin"),
                                         mail.id)
    assert status == InboundStatus.DONE
    event = room.events(ticket.id)[-1]
    assert (event.kind, event.author_id) == (EventKind.NOTE, tech.id)


# --------------------------------------------------------------------------- clients


def test_client_replying_into_another_clients_ticket_gets_a_ticket_of_their_own(
        room: Room, listener) -> None:
    ticket = _client_ticket(room, listener)
    [to_carl] = [m for m in room.outbox("carl@org-a.test") if m.kind == "auto_reply"]
    olga = room.world.users["other-client"]
    olga.email = "olga@org-b.test"
    room.db.add(olga)
    room.db.commit()
    before = len(room.events(ticket.id))
    # a forwarded notification: its Message-ID and the number both point at Carl's ticket
    mail = _over_smtp(room, listener, message(
        sender="olga@org-b.test", subject=f"Re: [#{ticket.number}] Printer broken",
        body="Me too!", in_reply_to=to_carl.message_id))
    assert (mail.status, mail.reason) == (InboundStatus.DONE, "foreign_ticket")
    assert mail.ticket_id != ticket.id
    new = room.db.get(Ticket, mail.ticket_id)
    assert new.requester_id == olga.id and ticket.number not in room.events(new.id)[0].body
    assert len(room.events(ticket.id)) == before
    # she is told the number of her own ticket
    [told] = [m for m in room.outbox("olga@org-b.test") if m.kind == "auto_reply"]
    assert new.number in told.subject
    assert "may not write" in t("mail.reason.foreign_ticket", "en")


def test_a_colleague_writes_only_where_the_access_policy_lets_them(
        room: Room, listener) -> None:
    ticket = _client_ticket(room, listener)
    colleague, manager = room.world.users["colleague"], room.world.users["client-manager"]
    # a plain colleague of the same organisation sees only their own tickets
    mail = _over_smtp(room, listener, message(sender=colleague.email,
                                              subject=f"Re: [#{ticket.number}]"))
    assert mail.reason == "foreign_ticket" and mail.ticket_id != ticket.id
    # the client manager (CC'd by Carl) sees the organisation's tickets and may write
    mail = _over_smtp(room, listener, message(sender=manager.email,
                                              subject=f"Re: [#{ticket.number}]",
                                              body="Please hurry"))
    assert (mail.reason, mail.ticket_id) == ("follow_up", ticket.id)
    event = room.events(ticket.id)[-1]
    assert (event.is_public, event.author_id) == (True, manager.id)


# --------------------------------------------------------------------------- admin page


def test_admins_see_why_and_which_relays_are_trusted(demo_db, monkeypatch) -> None:
    import uuid
    from email.message import EmailMessage

    from state_support import call_handler, state_for

    from helpdesk_app.db import get_engine, session_scope
    from helpdesk_app.mail.inbound import store
    from helpdesk_app.models import MailSource
    from helpdesk_app.state.admin_mail import AdminMailState

    monkeypatch.setenv("POMOCNIK_MAIL_TRUSTED_AUTHSERV_IDS", f"{RELAY},mx.google.com")
    get_settings.cache_clear()
    staff, channel = "anna.nowak@pomocnik.example", "pomoc@pomocnik.example"
    with session_scope() as db:
        number = db.exec(select(Ticket.number).order_by(Ticket.id.desc())).first()
    msg = EmailMessage()
    msg["From"], msg["To"] = staff, channel
    msg["Subject"] = f"Re: [#{number}] {uuid.uuid4().hex[:6]}"
    msg["Message-ID"] = f"<{uuid.uuid4().hex}@forger.example>"
    msg.set_content("Proszę zamknąć, wszystko działa.")
    with session_scope() as db:
        mail_id = store.store_raw(db, msg.as_bytes(), source=MailSource.SMTP,
                                  mail_from=staff, rcpt_to=[channel])
    pipeline.process(get_engine(), mail_id)
    for lang in ("pl", "en"):
        state = state_for(AdminMailState, "admin@pomocnik.example")
        state.ui_lang = lang
        call_handler(AdminMailState, "on_load", state)
        [row] = [r for r in state.in_rows if r.id == str(mail_id)]
        assert row.quarantined and row.reason == t("mail.reason.staff_unverified", lang)
        assert staff in row.detail and number in row.detail
        assert state.trusted_relays == f"{RELAY}, mx.google.com"
