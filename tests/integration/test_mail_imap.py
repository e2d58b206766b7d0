"""The IMAP poller against a real Dovecot on 127.0.0.1 (tests/imap_server.py), on SQLite
and PostgreSQL: raw bytes kept exactly, messages moved only after the commit, one bad
message never blocking the others, no duplicate rows after a crash, server problems
recorded on the channel instead of raised."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import imap_server
import pytest
from imap_server import DOVECOT, ImapServer, dovecot_server, group_processes
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from helpdesk_app.mail.inbound import imap
from helpdesk_app.mail.inbound.store import store_raw
from helpdesk_app.models import InboundMail, InboundStatus, MailChannel
from helpdesk_app.models.base import utcnow

_seq = itertools.count(1)
SECURITY_FOR_TLS = {"none": "none", "starttls": "starttls", "implicit": "ssl"}


@pytest.fixture
def server() -> Iterator[ImapServer]:
    with dovecot_server() as s:
        yield s


def _mail(n: int, subject: str | None = None) -> bytes:
    """A message with an 8-bit UTF-8 body and CRLF line ends, as mail clients send it."""
    return (f"From: Client {n} <client{n}@example.test>\r\n"
            "To: helpdesk@example.test\r\n"
            f"Subject: {subject or f'Request {n}'}\r\n"
            f"Message-ID: <req-{n}-{uuid.uuid4().hex[:8]}@example.test>\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "Content-Transfer-Encoding: 8bit\r\n"
            "\r\n"
            f"Zażółć gęślą jaźń #{n}\r\n").encode()


def _channel(db: Session, server: ImapServer, **overrides) -> MailChannel:
    values = dict(address=f"helpdesk-{next(_seq)}@example.test", imap_host=server.host,
                  imap_port=server.port, imap_security=SECURITY_FOR_TLS[server.tls],
                  imap_username=server.user, imap_password=server.password)
    values.update(overrides)
    channel = MailChannel(**values)
    db.add(channel)
    db.commit()
    return channel


def _rows(engine: Engine) -> list[InboundMail]:
    with Session(engine) as s:
        return list(s.exec(select(InboundMail).order_by(InboundMail.id)).all())


def _fresh_channel(engine: Engine, channel_id: int) -> MailChannel:
    with Session(engine) as s:
        return s.get(MailChannel, channel_id)


def _pipeline(engine: Engine, decide: Callable[[InboundMail], str],
              calls: list[int]) -> Callable[[int], str]:
    """A stand-in for the real pipeline: decides a status from the stored row (or
    raises) and records it in its own session, as the pipeline does."""
    def process(mail_id: int) -> str:
        calls.append(mail_id)
        with Session(engine) as s:
            mail = s.get(InboundMail, mail_id)
            status = decide(mail)
            mail.status = status
            mail.processed_at = utcnow()
            s.add(mail)
            s.commit()
        return status
    return process


# --------------------------------------------------------------------------- happy path


def test_poll_stores_exact_bytes_and_moves_to_processed(db: Session, server: ImapServer):
    sent = [_mail(n) for n in range(3)]
    uids = [server.append(raw) for raw in sent]
    assert "Processed" not in server.folders()
    channel = _channel(db, server)
    engine = db.get_bind()

    result = imap.poll_channel(engine, channel.id)

    assert (result.error, result.fetched, result.stored, result.duplicates, result.moved,
            result.failed) == ("", 3, 3, 0, 3, 0)
    assert result.outcomes == {InboundStatus.RECEIVED: 3}
    assert result.channel_id == channel.id
    rows = _rows(engine)
    assert [r.raw for r in rows] == sent  # byte for byte, 8-bit body included
    uidvalidity = server.uidvalidity("INBOX")
    assert [r.source_key for r in rows] == [f"{channel.id}:{uidvalidity}:{u}" for u in uids]
    assert {(r.source, r.channel_id, r.status) for r in rows} == {
        ("imap", channel.id, InboundStatus.RECEIVED)}
    assert rows[0].subject == "Request 0"
    # moved, not copied: INBOX is empty (no \Deleted leftovers either)
    assert server.uids("INBOX", include_deleted=True) == []
    assert server.messages("Processed") == sent
    assert server.messages("Quarantine") == []  # created, empty
    fresh = _fresh_channel(engine, channel.id)
    assert fresh.imap_last_error == ""
    assert fresh.imap_polled_at is not None


def test_empty_mailbox_is_a_clean_poll(db: Session, server: ImapServer):
    channel = _channel(db, server, imap_last_error="old problem")
    result = imap.poll_channel(db.get_bind(), channel.id)
    assert (result.error, result.fetched, result.moved) == ("", 0, 0)
    assert _fresh_channel(db.get_bind(), channel.id).imap_last_error == ""
    assert {"Processed", "Quarantine"} <= set(server.folders())


def test_outcomes_route_messages_to_processed_or_quarantine(db: Session, server: ImapServer):
    by_subject = {"ok": InboundStatus.DONE, "spam": InboundStatus.QUARANTINED,
                  "auto": InboundStatus.IGNORED, "stranger": InboundStatus.REJECTED}
    sent = {subject: _mail(n, subject) for n, subject in enumerate(by_subject)}
    for raw in sent.values():
        server.append(raw)
    # a subfolder (Dovecot's maildir separator is ".") and a name that needs quoting
    channel = _channel(db, server, imap_processed_folder="Helpdesk.Done",
                       imap_quarantine_folder="Held back")
    engine = db.get_bind()
    calls: list[int] = []

    result = imap.poll_channel(
        engine, channel.id, process=_pipeline(engine, lambda m: by_subject[m.subject], calls))

    assert result.error == ""
    assert result.outcomes == {InboundStatus.DONE: 1, InboundStatus.QUARANTINED: 1,
                               InboundStatus.IGNORED: 1, InboundStatus.REJECTED: 1}
    assert calls == [r.id for r in _rows(engine)]  # each processed once, in UID order
    assert server.messages("Held back") == [sent["spam"]]
    assert server.messages("Helpdesk.Done") == [sent["ok"], sent["auto"], sent["stranger"]]
    assert server.messages("INBOX") == []


# --------------------------------------------------------------------------- failures


def test_a_failing_message_stays_and_the_others_go_through(db: Session, server: ImapServer):
    sent = [_mail(0), _mail(1, "poison"), _mail(2)]
    for raw in sent:
        server.append(raw)
    channel = _channel(db, server)
    engine = db.get_bind()

    def decide(mail: InboundMail) -> str:
        if mail.subject == "poison":
            raise RuntimeError("pipeline bug")
        return InboundStatus.DONE

    calls: list[int] = []
    result = imap.poll_channel(engine, channel.id, process=_pipeline(engine, decide, calls))

    assert result.error == ""  # one bad message is not a channel problem
    assert (result.stored, result.moved, result.failed) == (3, 2, 1)
    assert server.messages("INBOX") == [sent[1]]
    assert server.messages("Processed") == [sent[0], sent[2]]
    poison = next(r for r in _rows(engine) if r.subject == "poison")
    assert poison.status == InboundStatus.RECEIVED  # stored: nothing is lost

    # next poll: the same message again, now processed fine; still only one row for it
    calls.clear()
    again = imap.poll_channel(engine, channel.id,
                              process=_pipeline(engine, lambda m: InboundStatus.DONE, calls))
    assert (again.fetched, again.stored, again.duplicates, again.moved) == (1, 0, 1, 1)
    assert calls == [poison.id]
    assert len(_rows(engine)) == 3
    assert server.messages("INBOX") == []
    assert server.messages("Processed") == sent[0:1] + sent[2:3] + sent[1:2]


@pytest.mark.parametrize(("stored_status", "processed_again", "folder"), [
    (InboundStatus.RECEIVED, True, "Processed"),  # crashed before processing
    (InboundStatus.DONE, False, "Processed"),  # crashed between processing and move
    (InboundStatus.QUARANTINED, False, "Quarantine"),
])
def test_repoll_after_a_crash_between_store_and_move(
        db: Session, server: ImapServer, stored_status: str, processed_again: bool,
        folder: str):
    raw = _mail(7)
    uid = server.append(raw)
    channel = _channel(db, server)
    engine = db.get_bind()
    # What a poll that died right after the commit left behind: the row, and the
    # message still in INBOX.
    key = f"{channel.id}:{server.uidvalidity('INBOX')}:{uid}"
    mail_id = store_raw(db, raw, source="imap", channel_id=channel.id, source_key=key)
    db.get(InboundMail, mail_id).status = stored_status
    db.commit()

    calls: list[int] = []
    result = imap.poll_channel(engine, channel.id,
                               process=_pipeline(engine, lambda m: InboundStatus.DONE, calls))

    assert (result.fetched, result.stored, result.duplicates, result.moved) == (1, 0, 1, 1)
    assert calls == ([mail_id] if processed_again else [])
    assert [r.id for r in _rows(engine)] == [mail_id]  # no second row
    assert server.messages("INBOX") == []
    assert server.messages(folder) == [raw]


def test_wrong_password_is_recorded_not_raised(db: Session, server: ImapServer):
    raw = _mail(1)
    server.append(raw)
    channel = _channel(db, server, imap_password="not-the-password")
    engine = db.get_bind()

    result = imap.poll_channel(engine, channel.id)

    assert "login" in result.error and "Authentication failed" in result.error
    assert "not-the-password" not in result.error
    fresh = _fresh_channel(engine, channel.id)
    assert fresh.imap_last_error == result.error
    assert fresh.imap_polled_at is not None
    assert _rows(engine) == []
    assert server.messages("INBOX") == [raw]

    # fixed by the admin: the next poll works and clears the error
    db.get(MailChannel, channel.id).imap_password = server.password
    db.commit()
    fixed = imap.poll_channel(engine, channel.id)
    assert (fixed.error, fixed.stored) == ("", 1)
    assert _fresh_channel(engine, channel.id).imap_last_error == ""


def test_unreachable_server_is_recorded_not_raised(db: Session, server: ImapServer):
    channel = _channel(db, server)
    server.stop()  # nothing listens on that port any more

    result = imap.poll_channel(db.get_bind(), channel.id)

    assert result.error.startswith(f"cannot connect to 127.0.0.1:{server.port}")
    assert _fresh_channel(db.get_bind(), channel.id).imap_last_error == result.error


def test_server_dying_mid_poll_keeps_what_was_stored(db: Session, server: ImapServer):
    sent = [_mail(1), _mail(2)]
    for raw in sent:
        server.append(raw)
    channel = _channel(db, server)
    engine = db.get_bind()

    def decide(mail: InboundMail) -> str:
        server.stop()  # the server goes away while the first message is processed
        return InboundStatus.DONE

    result = imap.poll_channel(engine, channel.id, process=_pipeline(engine, decide, []))

    assert "lost" in result.error
    assert (result.stored, result.moved) == (1, 0)
    assert [r.raw for r in _rows(engine)] == [sent[0]]
    assert _fresh_channel(engine, channel.id).imap_last_error == result.error


@pytest.mark.parametrize(("overrides", "expected"), [
    ({"imap_folder": "Nope"}, "cannot open folder 'Nope'"),
    ({"imap_processed_folder": "INBOX"}, "must differ from the polled folder"),
    ({"imap_quarantine_folder": "inbox"}, "must differ from the polled folder"),
    ({"imap_processed_folder": " "}, "must not be empty"),
    ({"imap_security": "tls13"}, "unknown IMAP security"),
])
def test_bad_mailbox_settings_are_recorded(db: Session, server: ImapServer, overrides: dict,
                                           expected: str):
    raw = _mail(1)
    server.append(raw)
    channel = _channel(db, server, **overrides)

    result = imap.poll_channel(db.get_bind(), channel.id)

    assert expected in result.error
    assert _fresh_channel(db.get_bind(), channel.id).imap_last_error == result.error
    assert _rows(db.get_bind()) == []
    assert server.messages("INBOX") == [raw]


def test_unknown_channel_returns_an_error(db: Session):
    result = imap.poll_channel(db.get_bind(), 424242)
    assert result.error == "mail channel 424242 not found"


# --------------------------------------------------------------------------- limits, TLS


def test_batch_limit_takes_the_oldest_first(db: Session, server: ImapServer):
    sent = [_mail(n) for n in range(5)]
    for raw in sent:
        server.append(raw)
    channel = _channel(db, server)
    engine = db.get_bind()

    first = imap.poll_channel(engine, channel.id, batch=2)
    assert (first.fetched, first.moved) == (2, 2)
    assert server.messages("Processed") == sent[:2]
    assert server.messages("INBOX") == sent[2:]

    second = imap.poll_channel(engine, channel.id, batch=2)
    assert second.moved == 2
    assert server.messages("INBOX") == sent[4:]
    assert [r.raw for r in _rows(engine)] == sent[:4]


@pytest.mark.parametrize("tls", ["implicit", "starttls"])
def test_tls_with_a_context_that_trusts_the_server(db: Session, tls: str):
    with dovecot_server(tls=tls) as server:
        raw = _mail(1)
        server.append(raw)
        channel = _channel(db, server)
        engine = db.get_bind()

        # The system CAs do not know the self-signed test certificate: refused.
        refused = imap.poll_channel(engine, channel.id)
        assert "CERTIFICATE_VERIFY_FAILED" in refused.error
        assert _rows(engine) == []

        ok = imap.poll_channel(engine, channel.id, ssl_context=server.ssl_context())
        assert (ok.error, ok.stored, ok.moved) == ("", 1, 1)
        assert [r.raw for r in _rows(engine)] == [raw]
        assert server.messages("Processed") == [raw]
        assert _fresh_channel(engine, channel.id).imap_last_error == ""


def test_starttls_required_but_not_offered_never_logs_in_plain(db: Session,
                                                               server: ImapServer):
    server.append(_mail(1))
    channel = _channel(db, server, imap_security="starttls")
    logins = server.log().count("Login: user=")

    result = imap.poll_channel(db.get_bind(), channel.id)

    assert result.error.startswith("STARTTLS with")
    assert server.log().count("Login: user=") == logins  # no password sent in clear
    assert _rows(db.get_bind()) == []


@pytest.mark.parametrize("capability", [
    "IMAP4rev1 LITERAL+ UIDPLUS",  # no MOVE: COPY + \Deleted + UID EXPUNGE
    "IMAP4rev1 LITERAL+",  # not even UIDPLUS: COPY + \Deleted + EXPUNGE
])
def test_servers_without_move(db: Session, capability: str):
    with dovecot_server(capability=capability) as server:
        sent = [_mail(1), _mail(2, "spam"), _mail(3, "poison")]
        for raw in sent:
            server.append(raw)
        with server.client() as c:
            assert b"MOVE" not in c.capabilities()
        channel = _channel(db, server)
        engine = db.get_bind()

        def decide(mail: InboundMail) -> str:
            if mail.subject == "poison":
                raise RuntimeError("pipeline bug")
            return InboundStatus.QUARANTINED if mail.subject == "spam" else InboundStatus.DONE

        result = imap.poll_channel(engine, channel.id, process=_pipeline(engine, decide, []))

        assert (result.error, result.moved, result.failed) == ("", 2, 1)
        assert server.messages("Processed") == [sent[0]]
        assert server.messages("Quarantine") == [sent[1]]
        # the failed one is untouched: neither copied nor flagged \Deleted
        assert server.uids("INBOX", include_deleted=True) == server.uids("INBOX")
        assert server.messages("INBOX") == [sent[2]]


# --------------------------------------------------------------------------- poll_all


def test_poll_all_polls_active_imap_channels_only(db: Session):
    users = {"one@example.test": "pw-one", "two@example.test": "pw-two"}
    with dovecot_server(users) as server:
        one, two = (_mail(1), _mail(2))
        server.append(one, user="one@example.test")
        server.append(two, user="two@example.test")
        active = _channel(db, server, imap_username="one@example.test",
                          imap_password="pw-one")
        _channel(db, server, imap_username="two@example.test", imap_password="pw-two",
                 is_active=False)
        _channel(db, server, imap_host="")  # SMTP-only channel
        broken = _channel(db, server, imap_username="one@example.test",
                          imap_password="wrong")
        engine = db.get_bind()

        results = imap.poll_all(engine)

        assert [(r.channel_id, r.stored, bool(r.error)) for r in results] == [
            (active.id, 1, False), (broken.id, 0, True)]
        assert [r.raw for r in _rows(engine)] == [one]
        assert server.messages("INBOX", user="two@example.test") == [two]


# --------------------------------------------------------------------------- the helper


def test_dovecot_helper_leaves_no_process_or_files_behind():
    with dovecot_server() as server:
        pgid, root = server.pgid, server.root
        assert group_processes(pgid)  # master and its helpers
        assert Path(root, "dovecot.conf").exists()
    assert group_processes(pgid) == []
    assert not root.exists()


@pytest.mark.parametrize(("ci", "outcome"), [("", pytest.skip.Exception),
                                             ("true", pytest.fail.Exception)])
def test_missing_dovecot_skips_but_fails_in_ci(monkeypatch: pytest.MonkeyPatch, ci: str,
                                               outcome: type[BaseException]):
    monkeypatch.setattr(imap_server, "DOVECOT", DOVECOT.with_name("no-such-dovecot"))
    monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match="Dovecot not found"):
        imap_server.require_dovecot()
