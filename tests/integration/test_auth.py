"""Local login, server-side sessions with idle/absolute expiry, preferences."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from helpdesk_app.domain import auth
from helpdesk_app.domain.errors import AuthFailed, Invalid
from helpdesk_app.models import Role, User, UserSession
from helpdesk_app.models.base import utcnow

PASSWORD = "correct-horse-battery"  # the factory users' password (see conftest)


@pytest.fixture(autouse=True)
def _same_password_as_factory(password: str) -> None:
    assert password == PASSWORD


@pytest.fixture
def client(make):
    org = make.org()
    return make.user(org, Role.CLIENT, email="Jan.Kowalski@Example.test", name="Jan")


def _session_row(db: Session, user: User) -> UserSession:
    return db.exec(select(UserSession).where(UserSession.user_id == user.id)).one()


def test_login_ok_returns_token_and_actor(db: Session, client: User) -> None:
    token, actor = auth.login(db, "  jan.kowalski@example.TEST ", PASSWORD)
    assert len(token) >= 32
    assert actor.user_id == client.id and actor.role == Role.CLIENT
    row = _session_row(db, client)
    # Only a hash of the token is stored.
    assert row.token_hash != token and token not in row.token_hash
    assert not row.revoked
    assert row.expires_at - row.created_at == timedelta(hours=12)
    assert auth.resolve_session(db, token) == actor


def test_each_login_gets_its_own_token(db: Session, client: User) -> None:
    t1, _ = auth.login(db, client.email, PASSWORD)
    t2, _ = auth.login(db, client.email, PASSWORD)
    assert t1 != t2
    auth.logout(db, t1)
    assert auth.resolve_session(db, t1) is None
    assert auth.resolve_session(db, t2) is not None


def test_wrong_password_and_unknown_email_fail_identically(db: Session, client: User) -> None:
    with pytest.raises(AuthFailed) as wrong:
        auth.login(db, client.email, PASSWORD + "x")
    with pytest.raises(AuthFailed) as unknown:
        auth.login(db, "nobody@example.test", PASSWORD)
    with pytest.raises(AuthFailed) as empty:
        auth.login(db, "", "")
    assert type(wrong.value) is type(unknown.value) is type(empty.value) is AuthFailed
    assert wrong.value.key == unknown.value.key == empty.value.key == "auth.invalid_credentials"
    assert wrong.value.params == unknown.value.params == {}
    assert str(wrong.value) == str(unknown.value)
    assert db.exec(select(UserSession)).all() == []


def test_inactive_user_refused(db: Session, make) -> None:
    org = make.org()
    user = make.user(org, Role.TECHNICIAN, active=False)
    with pytest.raises(AuthFailed) as exc:
        auth.login(db, user.email, PASSWORD)
    assert exc.value.key == "auth.invalid_credentials"
    assert db.exec(select(UserSession)).all() == []


def test_deactivated_user_loses_open_session(db: Session, client: User) -> None:
    token, _ = auth.login(db, client.email, PASSWORD)
    client.is_active = False
    db.add(client)
    db.commit()
    assert auth.resolve_session(db, token) is None


@pytest.mark.parametrize("token", [None, "", "not-a-real-token"])
def test_resolve_unknown_token(db: Session, client: User, token) -> None:
    auth.login(db, client.email, PASSWORD)
    assert auth.resolve_session(db, token) is None


def test_idle_timeout(db: Session, client: User) -> None:
    token, _ = auth.login(db, client.email, PASSWORD)
    row = _session_row(db, client)
    row.last_seen_at = utcnow() - timedelta(minutes=119)
    db.add(row)
    db.commit()
    assert auth.resolve_session(db, token) is not None  # still inside the 120 min window
    db.refresh(row)
    # Activity was recorded, sliding the idle window.
    assert utcnow() - row.last_seen_at < timedelta(minutes=1)
    row.last_seen_at = utcnow() - timedelta(minutes=121)
    db.add(row)
    db.commit()
    assert auth.resolve_session(db, token) is None
    db.refresh(row)
    assert row.revoked
    # Once expired, fresh activity does not revive it.
    row.last_seen_at = utcnow()
    db.add(row)
    db.commit()
    assert auth.resolve_session(db, token) is None


def test_idle_timeout_is_configurable(db: Session, client: User, monkeypatch) -> None:
    from helpdesk_app.config import get_settings

    monkeypatch.setenv("POMOCNIK_SESSION_IDLE_MINUTES", "5")
    get_settings.cache_clear()
    token, _ = auth.login(db, client.email, PASSWORD)
    row = _session_row(db, client)
    row.last_seen_at = utcnow() - timedelta(minutes=6)
    db.add(row)
    db.commit()
    assert auth.resolve_session(db, token) is None


def test_absolute_timeout(db: Session, client: User) -> None:
    token, _ = auth.login(db, client.email, PASSWORD)
    row = _session_row(db, client)
    # Active a moment ago, but past the absolute lifetime.
    row.expires_at = utcnow() - timedelta(seconds=1)
    row.last_seen_at = utcnow()
    db.add(row)
    db.commit()
    assert auth.resolve_session(db, token) is None
    db.refresh(row)
    assert row.revoked


def test_logout_revokes(db: Session, client: User) -> None:
    token, _ = auth.login(db, client.email, PASSWORD)
    auth.logout(db, token)
    assert _session_row(db, client).revoked
    assert auth.resolve_session(db, token) is None
    auth.logout(db, token)  # twice is harmless
    auth.logout(db, None)
    auth.logout(db, "unknown")


def test_session_seen_from_another_connection(db: Session, client: User, open_session) -> None:
    token, actor = auth.login(db, client.email, PASSWORD)
    other = open_session()
    assert auth.resolve_session(other, token) == actor
    auth.logout(other, token)
    assert auth.resolve_session(open_session(), token) is None


def test_hash_password_refuses_short(db: Session) -> None:
    with pytest.raises(Invalid) as exc:
        auth.hash_password("short")
    assert exc.value.key == "auth.password_too_short"
    assert exc.value.params == {"min": auth.MIN_PASSWORD_LENGTH}


def test_set_preferences(db: Session, client: User) -> None:
    _token, actor = auth.login(db, client.email, PASSWORD)
    updated = auth.set_preferences(db, actor, language="en", timezone="America/New_York")
    assert (updated.language, updated.timezone) == ("en", "America/New_York")
    db.expire_all()
    stored = db.get(User, client.id)
    assert (stored.language, stored.timezone) == ("en", "America/New_York")
    # Only what is given changes.
    again = auth.set_preferences(db, updated, language="pl")
    assert (again.language, again.timezone) == ("pl", "America/New_York")


@pytest.mark.parametrize("language", ["de", "", "PL", "english"])
def test_set_preferences_rejects_unknown_language(db: Session, client: User, language) -> None:
    from helpdesk_app.domain.actor import Actor

    with pytest.raises(Invalid) as exc:
        auth.set_preferences(db, Actor.from_user(client), language=language)
    assert exc.value.key == "prefs.unknown_language"
    db.expire_all()
    assert db.get(User, client.id).language == "pl"


@pytest.mark.parametrize("tz", ["Mars/Olympus", "", "../../etc/passwd", "Europe/Warsaw "])
def test_set_preferences_rejects_unknown_timezone(db: Session, client: User, tz) -> None:
    from helpdesk_app.domain.actor import Actor

    with pytest.raises(Invalid) as exc:
        auth.set_preferences(db, Actor.from_user(client), timezone=tz)
    assert exc.value.key == "prefs.unknown_timezone"
    db.expire_all()
    assert db.get(User, client.id).timezone == "Europe/Warsaw"


def test_weak_hash_is_upgraded_on_login(db, make, password, cheap_argon2) -> None:
    """A stored hash with outdated parameters is replaced at the next successful login."""
    production, _dummy = cheap_argon2
    user = make.user(make.org())  # stored with the cheap test parameters
    old = user.password_hash
    auth._hasher, saved = production, auth._hasher
    try:
        auth.login(db, user.email, password)
    finally:
        auth._hasher = saved
    db.expire_all()
    new = db.get(User, user.id).password_hash
    assert new != old and not production.check_needs_rehash(new)
    assert production.verify(new, password)


def test_end_sessions_revokes_all_but_the_kept_one(db: Session, client: User) -> None:
    kept, _ = auth.login(db, client.email, PASSWORD)
    other, _ = auth.login(db, client.email, PASSWORD)
    assert auth.end_sessions(db, client.id, keep_token=kept) == 1
    db.commit()
    assert auth.resolve_session(db, kept) is not None
    assert auth.resolve_session(db, other) is None
    assert auth.end_sessions(db, client.id) == 1
    db.commit()
    assert auth.resolve_session(db, kept) is None
