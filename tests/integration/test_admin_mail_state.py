"""AdminMailState (/admin/mail) driven through its handlers, as a crafted websocket message
would call them: admins configure addresses, work the quarantine and the outbox; everybody
else is sent to their start page, on load and on every direct call (no change)."""

from __future__ import annotations

import json
import re
import uuid
from email.message import EmailMessage

import pytest
from sqlalchemy import update
from sqlmodel import select
from state_support import call_handler, state_for

from helpdesk_app.config import get_settings
from helpdesk_app.db import get_engine, session_scope
from helpdesk_app.i18n import format_datetime, t
from helpdesk_app.mail.inbound import pipeline, store
from helpdesk_app.models import (
    InboundMail,
    MailChannel,
    MailSource,
    OutboundMail,
    OutboundStatus,
    User,
)
from helpdesk_app.state.admin_mail import AdminMailState

ADMIN = "admin@pomocnik.example"
STAFF = "anna.nowak@pomocnik.example"
CLIENT = "ewa.lewandowska@wodociagi-lodz.example"
OTHERS = ("koordynator@pomocnik.example", STAFF, CLIENT)
CHANNEL = "pomoc@pomocnik.example"
_TOAST = re.compile(r'\["(success|error|warning|info)"\]\(("(?:[^"\\]|\\.)*")')


def _state(email: str | None) -> AdminMailState:
    return state_for(AdminMailState, email)


def _call(name: str, state, *args):
    return call_handler(AdminMailState, name, state, *args)


def _toasts(result) -> list[tuple[str, str]]:
    """(kind, text) of every toast among a handler's returned events."""
    specs = result if isinstance(result, list) else [result]
    found = []
    for spec in specs:
        for _name, value in getattr(spec, "args", ()) or ():
            match = _TOAST.search(str(value))
            if match:
                found.append((match.group(1), json.loads(match.group(2))))
    return found


def _admin(lang: str = "pl") -> AdminMailState:
    state = _state(ADMIN)
    state.ui_lang = lang
    assert _call("on_load", state) is not None  # clears the password input
    assert state.error == ""
    return state


def _deliver(sender: str, subject: str, body: str = "Dzień dobry, proszę o pomoc.") -> int:
    """Store like the SMTP listener does and run the pipeline once; returns the mail id."""
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, CHANNEL, subject
    msg["Message-ID"] = f"<{uuid.uuid4().hex}@client.example>"
    msg.set_content(body)
    with session_scope() as db:
        mail_id = store.store_raw(db, msg.as_bytes(), source=MailSource.SMTP, mail_from=sender,
                                  rcpt_to=[CHANNEL])
    pipeline.process(get_engine(), mail_id)
    return mail_id


def _mail(mail_id: int) -> InboundMail:
    with session_scope() as db:
        return db.get(InboundMail, mail_id)


def _row(state: AdminMailState, mail_id: int):
    return next((r for r in state.in_rows if r.id == str(mail_id)), None)


def _channels() -> dict[str, MailChannel]:
    with session_scope() as db:
        return {c.address: c for c in db.exec(select(MailChannel)).all()}


@pytest.fixture
def policy(demo_db, monkeypatch: pytest.MonkeyPatch):
    """Switch POMOCNIK_MAIL_UNKNOWN_SENDER for the rest of a test."""
    def use(value: str) -> None:
        monkeypatch.setenv("POMOCNIK_MAIL_UNKNOWN_SENDER", value)
        get_settings.cache_clear()

    return use


# --------------------------------------------------------------------------- access


def test_page_redirects_everybody_but_admins(demo_db):
    for email, target in zip(OTHERS, ("/agent", "/agent", "/portal"), strict=True):
        assert target in str(_call("on_load", _state(email)))
    assert "/login" in str(_call("on_load", _state(None)))
    admin = _admin()
    assert CHANNEL in [r.address for r in admin.channel_rows]
    assert admin.c_id == "" and admin.c_imap_port == "993"  # an empty form for a new address


def test_direct_calls_by_non_admins_are_refused_and_change_nothing(demo_db):
    quarantined = _deliver(STAFF, "Nowa sprawa " + uuid.uuid4().hex[:6])
    assert _mail(quarantined).status == "quarantined"
    with session_scope() as db:
        outbound = db.exec(select(OutboundMail.id)).first()
    channels_before = _channels()
    for email, target in zip(OTHERS, ("/agent", "/agent", "/portal"), strict=True):
        s = _state(email)  # sent to their own start page, as on load
        s.c_address, s.c_name = f"hack-{email.split('@')[0]}@pomocnik.example", "Hack"
        s.c_id = str(channels_before[CHANNEL].id)  # and an existing address
        for name, args in (("save_channel", ()), ("retry_mail", (quarantined,)),
                           ("force_mail", (quarantined,)), ("refresh", ()),
                           ("set_inbound_filter", ("quarantined",)),
                           ("set_outbox_filter", ("failed",)),
                           ("edit_channel", (str(channels_before[CHANNEL].id),))):
            result = _call(name, s, *args)
            assert target in str(result) and _toasts(result) == [], (email, name)
        if outbound is not None:
            assert target in str(_call("retry_outbound", s, outbound))
        assert s.in_rows == [] and s.out_rows == [] and s.channel_rows == []
        assert s.c_imap_host == ""  # edit_channel filled nothing
    assert _channels().keys() == channels_before.keys()
    assert _channels()[CHANNEL].name == channels_before[CHANNEL].name
    assert _mail(quarantined).status == "quarantined"
    assert _mail(quarantined).attempts == 1  # never run again

    anonymous = _state(None)
    for name, args in (("save_channel", ()), ("retry_mail", (quarantined,)),
                       ("refresh", ()), ("retry_outbound", (1,))):
        assert "/login" in str(_call(name, anonymous, *args))


# --------------------------------------------------------------------------- addresses


def test_admin_adds_an_address_with_an_imap_mailbox_and_the_password_stays_server_side(
        demo_db):
    s = _admin("en")
    address = f"serwis-{uuid.uuid4().hex[:6]}@pomocnik.example"
    queue = s.queue_opts[-1]
    contract = s.contract_opts[0]
    _call("new_channel", s)
    _call("set_value", s, "c_address", "  " + address.upper() + " ")
    _call("set_value", s, "c_name", "Serwis")
    _call("set_value", s, "c_queue", queue.value)
    _call("set_value", s, "c_contract", contract.value)
    _call("set_value", s, "c_imap_host", "imap.pomocnik.example")
    _call("set_value", s, "c_imap_port", "143")
    _call("set_value", s, "c_imap_security", "starttls")
    _call("set_value", s, "c_imap_username", "serwis")
    _call("set_password", s, "tajne-haslo-1")
    _call("set_value", s, "imap_password", "sneaky")  # not a form field: ignored
    result = _call("save_channel", s)
    assert ("success", "Address saved.") in _toasts(result)
    assert s.error == "" and s.form_errors == {}

    stored = _channels()[address]
    assert (stored.name, stored.queue_id, stored.contract_id) == (
        "Serwis", int(queue.value), int(contract.value))
    assert (stored.imap_host, stored.imap_port, stored.imap_security, stored.imap_username,
            stored.imap_password) == ("imap.pomocnik.example", 143, "starttls", "serwis",
                                      "tajne-haslo-1")
    row = next(r for r in s.channel_rows if r.address == address)
    assert (row.queue, row.contract, row.active) == (queue.label, contract.label, True)
    assert row.imap == "imap.pomocnik.example:143 (starttls)"
    # the form now edits the saved address; the password is known to exist, never shown
    assert s.c_id == str(stored.id) and s.c_has_password
    assert "tajne-haslo-1" not in json.dumps(s.dict(), default=str)

    # Edit with an empty password: the stored one is kept; a new one replaces it.
    other = _state(ADMIN)
    _call("on_load", other)
    _call("edit_channel", other, str(stored.id))
    assert (other.c_address, other.c_imap_username, other.c_has_password) == (
        address, "serwis", True)
    _call("set_value", other, "c_active", False)
    _call("set_value", other, "c_contract", "all")  # the "no contract" entry
    assert _toasts(_call("save_channel", other))[0][0] == "success"
    stored = _channels()[address]
    assert (stored.is_active, stored.contract_id, stored.imap_password) == (
        False, None, "tajne-haslo-1")
    _call("set_password", other, "nowe-haslo-2")
    _call("save_channel", other)
    assert _channels()[address].imap_password == "nowe-haslo-2"


@pytest.mark.parametrize(("field", "value", "error_field", "key"), [
    ("c_address", "not an address", "address", "mail.address_invalid"),
    ("c_address", CHANNEL, "address", "mail.address_taken"),
    ("c_imap_port", "99999", "imap_port", "mail.imap_port_invalid"),
    ("c_imap_port", "imap", "imap_port", "mail.imap_port_invalid"),
    ("c_imap_username", "", "imap_username", "mail.imap_username_required"),
    ("c_imap_security", "tls-please", "imap_security", "mail.imap_security_invalid"),
    ("c_imap_processed", "INBOX", "imap_processed_folder", "mail.folders_must_differ"),
    ("c_imap_quarantine", "   ", "imap_quarantine_folder", "mail.folder_invalid"),
    ("c_queue", "999999", "queue", "ticket.queue_invalid"),
])
def test_invalid_address_form_is_refused_with_a_translated_toast_and_keeps_the_form(
        demo_db, field, value, error_field, key):
    s = _admin()
    _call("new_channel", s)
    fresh = f"nowy-{uuid.uuid4().hex[:6]}@pomocnik.example"
    for name, text in (("c_address", fresh), ("c_imap_host", "imap.example"),
                       ("c_imap_username", "u"), (field, value)):
        _call("set_value", s, name, text)
    before = _channels()
    result = _call("save_channel", s)
    expected = t(key, "pl", folder="imap_quarantine_folder")
    assert _toasts(result) == [("error", t("form.invalid", "pl"))]
    assert s.error == t("form.invalid", "pl")
    assert not expected.startswith("mail.") and s.form_errors == {error_field: expected}
    assert getattr(s, field) == value  # nothing typed is lost
    assert _channels().keys() == before.keys()


def test_saving_an_address_deleted_meanwhile_is_not_found(demo_db):
    s = _admin()
    _call("new_channel", s)
    s.c_id, s.c_address = "987654", f"gone-{uuid.uuid4().hex[:6]}@pomocnik.example"
    assert _toasts(_call("save_channel", s)) == [("error", t("mail.channel_not_found", "pl"))]


# --------------------------------------------------------------------------- mail log


def test_mail_log_filters_and_translates_reasons_in_the_admins_time_zone(demo_db):
    subject = "Nowa sprawa od technika " + uuid.uuid4().hex[:6]
    staff_mail = _deliver(STAFF, subject)
    done_mail = _deliver(CLIENT, "Awaria wodomierza " + uuid.uuid4().hex[:6])
    s = _admin("en")
    row = _row(s, staff_mail)
    assert (row.subject, row.mail_from, row.status, row.status_label) == (
        subject, STAFF, "quarantined", "Quarantined")
    assert row.reason == "New mail from staff (staff cannot be a requester)"
    assert row.detail == STAFF and row.quarantined and row.ticket_number == ""
    stored = _mail(staff_mail)
    assert row.received == format_datetime(stored.received_at, "en", s.user_tz)
    assert row.size.endswith(("B", "KB")) and row.size[0].isdigit()
    done = _row(s, done_mail)
    assert (done.status, done.reason, done.quarantined) == ("done", "New ticket", False)
    assert re.fullmatch(r"\d{4}-\d{6}", done.ticket_number)

    _call("set_inbound_filter", s, "quarantined")
    assert s.in_filter == "quarantined"
    assert _row(s, staff_mail) is not None and _row(s, done_mail) is None
    assert {r.status for r in s.in_rows} == {"quarantined"}
    result = _call("set_inbound_filter", s, "lost")  # not a status: refused, filter kept
    assert _toasts(result) == [("error", t("mail.status_invalid", "en"))]
    assert s.in_filter == "quarantined" and _row(s, staff_mail) is not None
    _call("set_inbound_filter", s, "all")
    assert s.in_filter == "" and _row(s, done_mail) is not None


def test_unknown_reason_shows_the_raw_key(demo_db):
    mail_id = _deliver(STAFF, "Klucz " + uuid.uuid4().hex[:6])
    with session_scope() as db:
        db.execute(update(InboundMail).where(InboundMail.id == mail_id)
                   .values(reason="some_future_reason"))
        db.commit()
    assert _row(_admin(), mail_id).reason == "some_future_reason"


def test_create_anyway_for_staff_mail_stays_quarantined_and_says_why(demo_db):
    mail_id = _deliver(STAFF, "Nowa sprawa " + uuid.uuid4().hex[:6])
    s = _admin()
    _call("set_inbound_filter", s, "quarantined")
    result = _call("force_mail", s, mail_id)
    reason = t("mail.reason.staff_new_mail", "pl")
    [(kind, text)] = _toasts(result)
    assert kind == "warning"
    assert reason in text and t("mail.status.quarantined", "pl") in text
    assert _mail(mail_id).status == "quarantined" and _mail(mail_id).ticket_id is None
    assert _row(s, mail_id).reason == reason  # the list was refreshed


def test_retry_after_fixing_the_cause_and_create_anyway_make_tickets(demo_db, policy):
    policy("quarantine")
    first = _deliver(f"nowy.{uuid.uuid4().hex[:6]}@firma-spoza.example", "Pierwsza")
    second = _deliver(f"inny.{uuid.uuid4().hex[:6]}@firma-spoza.example", "Druga")
    assert _mail(first).reason == _mail(second).reason == "unknown_sender"
    s = _admin()

    # retry without fixing anything: still quarantined, for the same reason
    [(kind, text)] = _toasts(_call("retry_mail", s, str(first)))
    assert kind == "warning" and t("mail.reason.unknown_sender", "pl") in text

    policy("triage")  # the admin's fix: unknown senders now go to triage
    [(kind, text)] = _toasts(_call("retry_mail", s, str(first)))
    number = _row(s, first).ticket_number
    assert kind == "success" and number and number in text
    assert _mail(first).status == "done"

    policy("quarantine")
    [(kind, text)] = _toasts(_call("force_mail", s, second))  # policy gives way
    assert kind == "success" and _mail(second).status == "done"
    assert _row(s, second).ticket_number in text


def test_retry_of_a_message_not_in_quarantine_or_unknown_is_refused(demo_db):
    done = _deliver(CLIENT, "Gotowe " + uuid.uuid4().hex[:6])
    s = _admin()
    for handler in ("retry_mail", "force_mail"):
        assert _toasts(_call(handler, s, done)) == [
            ("error", t("mail.not_quarantined", "pl"))]
        assert _toasts(_call(handler, s, 10_000_000)) == [("error", t("mail.not_found", "pl"))]
        assert _toasts(_call(handler, s, "1; drop")) == [("error", t("mail.not_found", "pl"))]
    assert _mail(done).status == "done"


# --------------------------------------------------------------------------- outbox


def test_outbox_lists_filters_and_retries_failed_mail(demo_db):
    _deliver(CLIENT, "Potwierdź " + uuid.uuid4().hex[:6])  # queues an auto-reply
    with session_scope() as db:
        mail = db.exec(select(OutboundMail).where(OutboundMail.to_addr == CLIENT,
                                                  OutboundMail.kind == "auto_reply")
                       .order_by(OutboundMail.id.desc())).first()
        db.execute(update(OutboundMail).where(OutboundMail.id == mail.id).values(
            status=OutboundStatus.FAILED, attempts=8, last_error="550 mailbox full"))
        db.commit()
    s = _admin("en")
    row = next(r for r in s.out_rows if r.id == str(mail.id))
    assert (row.to_addr, row.kind, row.status_label, row.attempts, row.last_error) == (
        CLIENT, "Acknowledgement", "Failed", 8, "550 mailbox full")
    assert row.retryable and row.next_attempt == ""
    assert re.fullmatch(r"\d{4}-\d{6}", row.ticket_number) and row.ticket_number in row.subject

    _call("set_outbox_filter", s, "failed")
    assert {r.status for r in s.out_rows} == {"failed"}
    assert _toasts(_call("set_outbox_filter", s, "lost")) == [
        ("error", t("error.invalid", "en"))]
    assert s.out_filter == "failed"

    assert _toasts(_call("retry_outbound", s, row.id)) == [
        ("success", t("mail_admin.outbox_retried", "en"))]
    with session_scope() as db:
        again = db.get(OutboundMail, mail.id)
    assert (again.status, again.attempts, again.last_error) == ("pending", 0, "")
    assert all(r.id != row.id for r in s.out_rows)  # no longer failed

    # a sent mail is not sent twice
    with session_scope() as db:
        db.execute(update(OutboundMail).where(OutboundMail.id == mail.id)
                   .values(status=OutboundStatus.SENT))
        db.commit()
    assert _toasts(_call("retry_outbound", s, row.id))[0][0] == "error"
    assert _toasts(_call("retry_outbound", s, 10_000_000))[0][0] == "error"
    with session_scope() as db:
        assert db.get(OutboundMail, mail.id).status == "sent"


def test_an_admin_demoted_mid_session_is_refused(demo_db):
    s = _admin()
    mail_id = _deliver(STAFF, "Degradacja " + uuid.uuid4().hex[:6])
    with session_scope() as db:
        admin = db.exec(select(User).where(User.email == ADMIN)).one()
        admin.role = "technician"
        db.add(admin)
        db.commit()
    try:
        result = _call("force_mail", s, mail_id)  # now staff: to their start page
        assert "/agent" in str(result) and _toasts(result) == []
        assert _mail(mail_id).attempts == 1
    finally:
        with session_scope() as db:
            admin = db.exec(select(User).where(User.email == ADMIN)).one()
            admin.role = "admin"
            db.add(admin)
            db.commit()
