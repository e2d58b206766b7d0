"""filters/sender.py: who sent the message. Known users are themselves; strangers from a
verified client domain become clients of that organisation; everyone else follows the
unknown-sender policy (triage / reject / quarantine)."""

from __future__ import annotations

import pytest
from mail_filter_support import make_room, stored_context

from helpdesk_app.config import get_settings
from helpdesk_app.domain import notification_dispatch as dispatch
from helpdesk_app.mail.inbound.filters import sender
from helpdesk_app.models import InboundStatus, Organisation, Role
from tests.mail_support import Room, message


@pytest.fixture
def room(db, world, monkeypatch: pytest.MonkeyPatch) -> Room:
    return make_room(db, world, monkeypatch)


def policy(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("POMOCNIK_MAIL_UNKNOWN_SENDER", value)
    get_settings.cache_clear()


def ctx_for(room: Room, address: str, *, force: bool = False, **kw):
    return stored_context(room.db, message(sender=address, **kw), force=force)


def test_a_known_active_user_is_the_sender(room: Room) -> None:
    ctx = ctx_for(room, "Carl@Org-A.test")
    assert sender.run(room.db, ctx) is None
    assert ctx.sender.id == room.world.users["client"].id and not ctx.sender_created


def test_a_deactivated_user_is_quarantined(room: Room) -> None:
    carl = room.world.users["client"]
    carl.is_active = False
    room.db.add(carl)
    room.db.commit()
    outcome = sender.run(room.db, ctx_for(room, "carl@org-a.test"))
    assert (outcome.status, outcome.reason) == (InboundStatus.QUARANTINED, "sender_inactive")


def test_someone_of_a_deactivated_organisation_is_quarantined(room: Room) -> None:
    carl = room.world.users["client"]
    org = room.db.get(Organisation, carl.organisation_id)
    org.is_active = False
    room.db.add(org)
    room.db.commit()
    outcome = sender.run(room.db, ctx_for(room, "carl@org-a.test"))
    assert (outcome.status, outcome.reason) == (InboundStatus.QUARANTINED, "sender_inactive")


def test_a_stranger_from_a_verified_domain_becomes_a_client_of_it(room: Room) -> None:
    msg = message(sender="nowa.osoba@org-a.test", sender_name="Nowa  Osoba")
    msg["Content-Language"] = "en-GB"  # (set_content drops Content-* headers set before it)
    ctx = stored_context(room.db, msg)
    assert sender.run(room.db, ctx) is None
    user = ctx.sender
    assert (user.email, user.full_name, user.role, user.organisation_id, user.language) == (
        "nowa.osoba@org-a.test", "Nowa Osoba", Role.CLIENT, room.world.org_a.id, "en")
    assert user.password_hash == sender.NO_PASSWORD and ctx.sender_created and not ctx.triage


def test_a_nameless_stranger_is_named_after_the_address(room: Room) -> None:
    ctx = ctx_for(room, "jan.k@org-a.test")
    sender.run(room.db, ctx)
    assert ctx.sender.full_name == "jan.k"


def test_unknown_sender_triage_files_them_under_the_unknown_senders_organisation(
        room: Room, monkeypatch: pytest.MonkeyPatch) -> None:
    policy(monkeypatch, "triage")
    ctx = ctx_for(room, "stranger@elsewhere.test")
    assert sender.run(room.db, ctx) is None
    org = room.db.get(Organisation, ctx.sender.organisation_id)
    assert org.name == sender.TRIAGE_ORGANISATION and ctx.triage


def test_unknown_sender_reject_answers_politely(room: Room,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    policy(monkeypatch, "reject")
    outcome = sender.run(room.db, ctx_for(room, "stranger@elsewhere.test", subject="Oferta"))
    assert (outcome.status, outcome.reason) == (InboundStatus.REJECTED, "unknown_sender")
    [reply] = room.outbox("stranger@elsewhere.test")
    assert reply.kind == "rejected" and "Oferta" in reply.subject


def test_the_rejection_goes_through_notify(room: Room,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    policy(monkeypatch, "reject")
    calls = []
    real = dispatch.rejected
    monkeypatch.setattr(dispatch, "rejected",
                        lambda db, **kw: calls.append(kw) or real(db, **kw))
    sender.run(room.db, ctx_for(room, "stranger@elsewhere.test", subject="Oferta"))
    [kw] = calls
    assert (kw["to_addr"], kw["original_subject"]) == ("stranger@elsewhere.test", "Oferta")
    assert kw["in_reply_to"]
    assert [m.kind for m in room.outbox("stranger@elsewhere.test")] == [dispatch.REJECTED]


def test_unknown_sender_reject_never_answers_automatic_mail(
        room: Room, monkeypatch: pytest.MonkeyPatch) -> None:
    policy(monkeypatch, "reject")
    ctx = ctx_for(room, "robot@elsewhere.test")
    ctx.no_auto_reply = "auto_submitted"
    assert sender.run(room.db, ctx).status == InboundStatus.REJECTED
    assert room.outbox("robot@elsewhere.test") == []


def test_unknown_sender_quarantine(room: Room, monkeypatch: pytest.MonkeyPatch) -> None:
    policy(monkeypatch, "quarantine")
    outcome = sender.run(room.db, ctx_for(room, "stranger@elsewhere.test"))
    assert (outcome.status, outcome.reason, outcome.detail) == (
        InboundStatus.QUARANTINED, "unknown_sender", "stranger@elsewhere.test")


def test_create_anyway_overrides_the_policy_with_triage(
        room: Room, monkeypatch: pytest.MonkeyPatch) -> None:
    policy(monkeypatch, "quarantine")
    ctx = ctx_for(room, "stranger@elsewhere.test", force=True)
    assert sender.run(room.db, ctx) is None and ctx.triage


def test_a_message_without_any_usable_sender_is_quarantined(room: Room) -> None:
    ctx = stored_context(room.db, b"From: nobody\r\nSubject: x\r\n\r\nbody\r\n", mail_from="")
    outcome = sender.run(room.db, ctx)
    assert (outcome.status, outcome.reason) == (InboundStatus.QUARANTINED, "no_sender")


def test_reply_to_or_the_envelope_stand_in_for_a_missing_from(room: Room) -> None:
    ctx = stored_context(room.db, b"From: nobody\r\nReply-To: carl@org-a.test\r\n\r\nx\r\n",
                         mail_from="")
    assert sender.run(room.db, ctx) is None and ctx.sender.email == "carl@org-a.test"
    ctx = stored_context(room.db, b"From: nobody\r\n\r\nx\r\n", mail_from="carl@org-a.test")
    assert sender.run(room.db, ctx) is None and ctx.sender.email == "carl@org-a.test"
