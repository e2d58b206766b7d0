"""Invitations and password reset: one-time, time-limited links stored hashed; the reset
form answers the same whoever asks; a mail goes only to an existing active account."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from sqlmodel import Session, select

from helpdesk_app.config import get_settings
from helpdesk_app.domain import account_tokens, auth, invitations, password_reset
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.auth import NO_PASSWORD
from helpdesk_app.domain.errors import Forbidden, FormInvalid, Invalid, NotFound
from helpdesk_app.models import AccountToken, OutboundMail, Role, TokenPurpose, User
from helpdesk_app.models.base import utcnow

NEW_PASSWORD = "zielona-herbata-o-pomocy"


def _mails(db: Session, to: str | None = None) -> list[OutboundMail]:
    query = select(OutboundMail).order_by(OutboundMail.id)
    if to:
        query = query.where(OutboundMail.to_addr == to.lower())
    return list(db.exec(query).all())


def _text(mail: OutboundMail) -> str:
    msg = message_from_bytes(mail.raw, policy=default_policy)
    return msg.get_body(preferencelist=("plain",)).get_content()


def _link_token(mail: OutboundMail, path: str) -> str:
    found = re.search(re.escape(get_settings().base_url + path) + r"([A-Za-z0-9_\-]+)",
                      _text(mail))
    assert found, _text(mail)
    return found.group(1)


@pytest.fixture
def people(make):
    provider = make.org("Serwis IT", kind="provider")
    client_org = make.org("Wodociągi")
    return {
        "admin": make.user(provider, Role.ADMIN, email="admin@serwis.test", name="Ala Admin"),
        "tech": make.user(provider, Role.TECHNICIAN, email="tech@serwis.test"),
        "client": make.user(client_org, Role.CLIENT, email="Ewa@Wodociagi.test",
                            name="Ewa Lewandowska"),
    }


def _invite(db: Session, people, who: str = "client") -> str:
    invitations.send_invitation(db, Actor.from_user(people["admin"]), people[who].id)
    return _link_token(_mails(db, people[who].email)[-1], "/invite/")


# --------------------------------------------------------------------------- invitations


def test_invitation_mail_carries_a_link_and_only_its_hash_is_stored(db: Session, people) -> None:
    people["client"].language = "en"
    db.add(people["client"])
    db.commit()
    token = _invite(db, people)
    [mail] = _mails(db, "ewa@wodociagi.test")
    assert mail.kind == "invitation" and not mail.is_auto
    assert mail.subject == "Invitation to the Serwis IT helpdesk"
    assert "Ala Admin invites you" in _text(mail)
    [row] = db.exec(select(AccountToken)).all()
    assert row.purpose == TokenPurpose.INVITE and row.user_id == people["client"].id
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in row.token_hash and row.created_by == people["admin"].id
    assert row.expires_at - row.created_at == timedelta(days=7)


def test_invitation_is_written_in_the_invitees_language(db: Session, people) -> None:
    _invite(db, people)  # the factory's users speak Polish
    [mail] = _mails(db, "ewa@wodociagi.test")
    assert mail.subject == "Zaproszenie do systemu obsługi zgłoszeń Serwis IT"
    assert "Ustaw hasło" in _text(mail)


def test_only_admins_invite(db: Session, people) -> None:
    with pytest.raises(Forbidden):
        invitations.send_invitation(db, Actor.from_user(people["tech"]),
                                    people["client"].id)
    with pytest.raises(NotFound):
        invitations.send_invitation(db, Actor.from_user(people["admin"]), 99999)
    assert _mails(db) == [] and db.exec(select(AccountToken)).all() == []


def test_inactive_users_are_not_invited(db: Session, people) -> None:
    people["client"].is_active = False
    db.add(people["client"])
    db.commit()
    with pytest.raises(Invalid) as exc:
        invitations.send_invitation(db, Actor.from_user(people["admin"]),
                                    people["client"].id)
    assert exc.value.key == "account.invite_inactive"
    assert _mails(db) == []


def test_accepting_sets_the_password_once_and_the_user_can_sign_in(db: Session, people) -> None:
    user = people["client"]
    user.password_hash = NO_PASSWORD  # created from mail: no password yet
    db.add(user)
    db.commit()
    token = _invite(db, people)
    assert invitations.invitee(db, token).id == user.id
    invitations.accept(db, token, NEW_PASSWORD, NEW_PASSWORD)
    _token, actor = auth.login(db, "ewa@wodociagi.test", NEW_PASSWORD)
    assert actor.user_id == user.id
    # single use
    assert invitations.invitee(db, token) is None
    with pytest.raises(Invalid) as exc:
        invitations.accept(db, token, "inna-dluga-fraza-42", "inna-dluga-fraza-42")
    assert exc.value.key == "account.link_invalid"
    auth.login(db, "ewa@wodociagi.test", NEW_PASSWORD)  # the first password still holds


def test_a_new_invitation_replaces_the_previous_link(db: Session, people) -> None:
    first = _invite(db, people)
    second = _invite(db, people)
    assert invitations.invitee(db, first) is None
    assert invitations.invitee(db, second) is not None


def test_a_refused_password_leaves_the_link_usable(db: Session, people) -> None:
    token = _invite(db, people)
    with pytest.raises(FormInvalid) as exc:
        invitations.accept(db, token, "short", "short")
    assert exc.value.errors["password"][0] == "auth.password_too_short"
    with pytest.raises(FormInvalid) as exc:
        invitations.accept(db, token, NEW_PASSWORD, NEW_PASSWORD + "x")
    assert exc.value.errors == {"repeat": ("account.password_mismatch", {})}
    with pytest.raises(FormInvalid) as exc:
        invitations.accept(db, token, "Ewa Lewandowska", "Ewa Lewandowska")
    assert exc.value.errors["password"][0] == "auth.password_personal"
    invitations.accept(db, token, NEW_PASSWORD, NEW_PASSWORD)


def test_expired_links_do_not_work(db: Session, people) -> None:
    user = people["client"]
    long_ago = utcnow() - timedelta(days=8)
    token = account_tokens.issue(db, user, TokenPurpose.INVITE, now=long_ago)
    db.commit()
    assert invitations.invitee(db, token) is None
    with pytest.raises(Invalid) as exc:
        invitations.accept(db, token, NEW_PASSWORD, NEW_PASSWORD)
    assert exc.value.key == "account.link_invalid"


def test_a_link_of_one_purpose_does_not_open_the_other(db: Session, people) -> None:
    token = _invite(db, people)
    assert password_reset.account_for(db, token) is None
    with pytest.raises(Invalid):
        password_reset.complete(db, token, NEW_PASSWORD, NEW_PASSWORD)


def test_link_lifetimes_are_configurable(db: Session, people,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POMOCNIK_INVITE_TTL_HOURS", "2")
    monkeypatch.setenv("POMOCNIK_RESET_TTL_MINUTES", "15")
    get_settings.cache_clear()
    assert account_tokens.ttl(TokenPurpose.INVITE) == timedelta(hours=2)
    assert account_tokens.ttl(TokenPurpose.RESET) == timedelta(minutes=15)
    now = utcnow()
    token = account_tokens.issue(db, people["client"], TokenPurpose.RESET,
                                 now=now - timedelta(minutes=16))
    db.commit()
    assert password_reset.account_for(db, token) is None


# --------------------------------------------------------------------------- password reset


def test_reset_for_an_unknown_or_inactive_address_sends_nothing(db: Session, people) -> None:
    password_reset.request_reset(db, "nobody@wodociagi.test")
    password_reset.request_reset(db, "")
    password_reset.request_reset(db, "not an address")
    people["tech"].is_active = False
    db.add(people["tech"])
    db.commit()
    password_reset.request_reset(db, "tech@serwis.test")
    assert _mails(db) == [] and db.exec(select(AccountToken)).all() == []


def test_reset_mails_a_link_that_sets_a_new_password_and_ends_sessions(db: Session,
                                                                      people) -> None:
    old_token, _ = auth.login(db, "ewa@wodociagi.test", "correct-horse-battery")
    password_reset.request_reset(db, "  EWA@wodociagi.test ")
    [mail] = _mails(db)
    assert mail.kind == "password_reset" and mail.to_addr == "ewa@wodociagi.test"
    token = _link_token(mail, "/reset/")
    assert password_reset.account_for(db, token).email == "Ewa@Wodociagi.test"
    password_reset.complete(db, token, NEW_PASSWORD, NEW_PASSWORD)
    assert auth.resolve_session(db, old_token) is None  # signed out everywhere
    auth.login(db, "ewa@wodociagi.test", NEW_PASSWORD)
    with pytest.raises(Invalid):
        password_reset.complete(db, token, "jeszcze-inne-haslo-7", "jeszcze-inne-haslo-7")


def test_using_one_reset_link_closes_the_others(db: Session, people) -> None:
    password_reset.request_reset(db, "ewa@wodociagi.test")
    password_reset.request_reset(db, "ewa@wodociagi.test")
    first, second = (_link_token(m, "/reset/") for m in _mails(db))
    password_reset.complete(db, second, NEW_PASSWORD, NEW_PASSWORD)
    assert password_reset.account_for(db, first) is None
    assert all(row.used_at is not None for row in db.exec(select(AccountToken)).all())


def test_an_account_created_from_mail_claims_itself_through_reset(db: Session, people) -> None:
    user = people["client"]
    user.password_hash = NO_PASSWORD
    db.add(user)
    db.commit()
    password_reset.request_reset(db, user.email)
    token = _link_token(_mails(db)[-1], "/reset/")
    password_reset.complete(db, token, NEW_PASSWORD, NEW_PASSWORD)
    assert auth.login(db, user.email, NEW_PASSWORD)[1].user_id == user.id


def test_reset_mails_are_capped_per_address(db: Session, people,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POMOCNIK_MAIL_AUTO_REPLY_CAP", "3")
    get_settings.cache_clear()
    for _ in range(5):
        password_reset.request_reset(db, "ewa@wodociagi.test")
    assert len(_mails(db)) == 3
    # no dangling links for the mails that were not sent
    assert len(db.exec(select(AccountToken)).all()) == 3


def test_a_link_of_a_deactivated_account_stops_working(db: Session, people) -> None:
    password_reset.request_reset(db, "ewa@wodociagi.test")
    token = _link_token(_mails(db)[-1], "/reset/")
    user = db.get(User, people["client"].id)
    user.is_active = False
    db.add(user)
    db.commit()
    assert password_reset.account_for(db, token) is None
    with pytest.raises(Invalid):
        password_reset.complete(db, token, NEW_PASSWORD, NEW_PASSWORD)
