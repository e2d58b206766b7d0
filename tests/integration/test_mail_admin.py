"""Admin functions of the mail channel: addresses, the quarantine's retry and
"create ticket anyway", the raw download - admins only."""

from __future__ import annotations

import pytest
from sqlmodel import select

from helpdesk_app.config import get_settings
from helpdesk_app.domain import mail_admin
from helpdesk_app.domain.errors import Forbidden, FormInvalid, Invalid, NotFound
from helpdesk_app.mail.inbound import admin_actions
from helpdesk_app.models import InboundMail, InboundStatus, MailChannel
from tests.mail_support import Room, message

NON_ADMINS = ("coordinator", "technician", "client", "client-manager")


def test_admin_adds_and_edits_an_address_and_the_password_never_comes_back(room: Room) -> None:
    admin = room.world.actor("admin")
    data = mail_admin.ChannelData(address=" Serwis@Pomocnik.TEST ", name="Serwis",
                                  queue_id=room.world.queue.id, imap_host="imap.example",
                                  imap_username="serwis", imap_password="s3cret")
    channel_id = mail_admin.save_channel(room.db, admin, None, data)
    view = next(c for c in mail_admin.list_channels(room.db, admin) if c.id == channel_id)
    assert (view.address, view.has_password, view.imap_host) == (
        "serwis@pomocnik.test", True, "imap.example")
    assert not hasattr(view, "imap_password")
    data.name, data.imap_password = "Serwis IT", None  # None keeps the stored password
    mail_admin.save_channel(room.db, admin, channel_id, data)
    stored = room.db.get(MailChannel, channel_id)
    room.db.refresh(stored)
    assert (stored.name, stored.imap_password) == ("Serwis IT", "s3cret")


@pytest.mark.parametrize("change, field, key", [
    ({"address": "not-an-address"}, "address", "mail.address_invalid"),
    ({"address": "helpdesk@pomocnik.test"}, "address", "mail.address_taken"),
    ({"queue_id": 999_999}, "queue", "ticket.queue_invalid"),
    ({"imap_host": "imap.example", "imap_username": ""}, "imap_username",
     "mail.imap_username_required"),
    ({"imap_host": "imap.example", "imap_username": "u", "imap_security": "tls"},
     "imap_security", "mail.imap_security_invalid"),
    ({"imap_host": "imap.example", "imap_username": "u", "imap_port": 70000},
     "imap_port", "mail.imap_port_invalid"),
    ({"imap_host": "imap.example", "imap_username": "u", "imap_processed_folder": "INBOX"},
     "imap_processed_folder", "mail.folders_must_differ"),
])
def test_bad_address_settings_are_refused_with_a_clear_message(room: Room, change, field,
                                                               key: str) -> None:
    data = mail_admin.ChannelData(address="nowy@pomocnik.test")
    for name, value in change.items():
        setattr(data, name, value)
    with pytest.raises(FormInvalid) as err:
        mail_admin.save_channel(room.db, room.world.actor("admin"), None, data)
    assert err.value.key == "form.invalid"
    assert {f: k for f, (k, _params) in err.value.errors.items()} == {field: key}
    assert room.db.exec(select(MailChannel).where(
        MailChannel.address == "nowy@pomocnik.test")).first() is None


def test_every_bad_address_setting_is_reported_at_once(room: Room) -> None:
    data = mail_admin.ChannelData(address="helpdesk@pomocnik.test", queue_id=999_999,
                                  imap_host="imap.example", imap_username=" ",
                                  imap_port=0, imap_security="tls", imap_folder="INBOX",
                                  imap_processed_folder=" ",
                                  imap_quarantine_folder="inbox  ")
    with pytest.raises(FormInvalid) as err:
        mail_admin.save_channel(room.db, room.world.actor("admin"), None, data)
    assert {f: k for f, (k, _params) in err.value.errors.items()} == {
        "address": "mail.address_taken", "queue": "ticket.queue_invalid",
        "imap_port": "mail.imap_port_invalid", "imap_security": "mail.imap_security_invalid",
        "imap_username": "mail.imap_username_required",
        "imap_processed_folder": "mail.folder_invalid"}
    assert err.value.errors["imap_processed_folder"][1] == {"folder": "imap_processed_folder"}


@pytest.mark.parametrize("role", NON_ADMINS)
def test_only_admins_touch_the_mail_channel(room: Room, role: str) -> None:
    actor = room.world.actor(role)
    mail = room.deliver(message(sender="carl@org-a.test"))
    for call in (lambda: mail_admin.list_channels(room.db, actor),
                 lambda: mail_admin.save_channel(room.db, actor, None,
                                                 mail_admin.ChannelData(address="x@y.test")),
                 lambda: mail_admin.list_inbound(room.db, actor),
                 lambda: mail_admin.raw_message(room.db, actor, mail.id),
                 lambda: mail_admin.reopen_quarantined(room.db, actor, mail.id),
                 lambda: admin_actions.retry(room.db, room.engine, actor, mail.id),
                 lambda: admin_actions.create_anyway(room.db, room.engine, actor, mail.id)):
        with pytest.raises(Forbidden):
            call()


def test_quarantine_retry_after_fixing_the_cause_and_create_anyway(
        room: Room, monkeypatch: pytest.MonkeyPatch, make) -> None:
    admin = room.world.actor("admin")
    monkeypatch.setenv("POMOCNIK_MAIL_UNKNOWN_SENDER", "quarantine")
    get_settings.cache_clear()
    first = room.deliver(message(sender="new.person@elsewhere.test", subject="Pierwsza"))
    second = room.deliver(message(sender="other.person@elsewhere.test", subject="Druga"))
    [row, _] = mail_admin.list_inbound(room.db, admin, status=InboundStatus.QUARANTINED)
    assert (row.id, row.reason, row.subject) == (second.id, "unknown_sender", "Druga")
    # the admin adds the sender as a client, then retries: the mail lands on a ticket
    make.user(room.world.org_b, email="new.person@elsewhere.test")
    assert admin_actions.retry(room.db, room.engine, admin, first.id) == InboundStatus.DONE
    # "create ticket anyway": the unknown sender goes to the triage organisation
    assert (admin_actions.create_anyway(room.db, room.engine, admin, second.id)
            == InboundStatus.DONE)
    done = {r.id: r for r in mail_admin.list_inbound(room.db, admin)}
    assert done[first.id].ticket_number and done[second.id].ticket_number
    # a message that is not quarantined cannot be re-run
    with pytest.raises(Invalid) as err:
        admin_actions.retry(room.db, room.engine, admin, first.id)
    assert err.value.key == "mail.not_quarantined"
    with pytest.raises(NotFound):
        admin_actions.create_anyway(room.db, room.engine, admin, 999_999)
    with pytest.raises(Invalid):
        mail_admin.list_inbound(room.db, admin, status="bogus")


def test_reopen_only_puts_the_message_back_and_the_mail_side_runs_the_pipeline(
        room: Room, monkeypatch: pytest.MonkeyPatch) -> None:
    """domain/mail_admin reopens (admin check, fresh attempts); mail/inbound/admin_actions
    runs the pipeline after it - and never for someone the domain refused."""
    admin = room.world.actor("admin")
    monkeypatch.setenv("POMOCNIK_MAIL_UNKNOWN_SENDER", "quarantine")
    get_settings.cache_clear()
    mail = room.deliver(message(sender="new.person@elsewhere.test", subject="Trzecia"))
    room.db.refresh(mail)
    assert (mail.status, mail.reason) == (InboundStatus.QUARANTINED, "unknown_sender")

    runs: list[tuple[int, bool]] = []
    monkeypatch.setattr(admin_actions.pipeline, "process",
                        lambda engine, mail_id, *, force=False: runs.append((mail_id, force))
                        or InboundStatus.DONE)
    with pytest.raises(Forbidden):
        admin_actions.create_anyway(room.db, room.engine, room.world.actor("technician"),
                                    mail.id)
    assert runs == []
    assert admin_actions.create_anyway(room.db, room.engine, admin, mail.id) == "done"
    assert runs == [(mail.id, True)]
    room.db.refresh(mail)  # reopened by the domain; the (stubbed) pipeline did nothing
    assert (mail.status, mail.attempts, mail.reason, mail.detail) == (
        InboundStatus.RECEIVED, 0, "", "")


def test_raw_download_is_the_exact_message(room: Room) -> None:
    msg = message(sender="carl@org-a.test", subject="Surowa")
    mail = room.deliver(msg)
    raw = mail_admin.raw_message(room.db, room.world.actor("admin"), mail.id)
    assert raw == msg.as_bytes() == room.db.get(InboundMail, mail.id).raw
