"""The user's own security page: password change (with the current one) and my sessions."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from helpdesk_app.domain import auth, my_security
from helpdesk_app.domain.errors import FormInvalid, NotFound
from helpdesk_app.models import Role, User

PASSWORD = "correct-horse-battery"


@pytest.fixture
def user(make) -> User:
    return make.user(make.org(), Role.CLIENT, email="ewa@example.test")


def test_password_change_needs_the_current_password_and_reports_each_field(
        db: Session, user: User) -> None:
    actor = auth.Actor.from_user(user)
    with pytest.raises(FormInvalid) as e:
        my_security.change_password(db, actor, "wrong", "short", "short", keep_token=None)
    assert e.value.errors["current"][0] == "signin.wrong_password"
    assert e.value.errors["new"][0] == "auth.password_too_short"
    with pytest.raises(FormInvalid) as e:
        my_security.change_password(db, actor, PASSWORD, "a-new-password", "a-new-passw0rd",
                                    keep_token=None)
    assert set(e.value.errors) == {"repeat"}
    db.refresh(user)
    assert auth.verify_user_password(db, user, PASSWORD)  # nothing changed


def test_password_change_ends_every_other_session(db: Session, user: User) -> None:
    mine, _ = auth.login(db, user.email, PASSWORD)
    other, _ = auth.login(db, user.email, PASSWORD)
    ended = my_security.change_password(db, auth.Actor.from_user(user), PASSWORD,
                                        "a-new-password", "a-new-password", keep_token=mine)
    assert ended == 1
    assert auth.resolve_session(db, mine) is not None
    assert auth.resolve_session(db, other) is None
    assert auth.login(db, user.email, "a-new-password")[0]


def test_my_sessions_lists_device_and_marks_this_one(db: Session, user: User) -> None:
    mine = auth.open_session(db, user, client_ip="10.1.1.1",
                             user_agent="Mozilla/5.0 (Windows NT 10.0) Chrome/140.0")
    auth.open_session(db, user, client_ip="10.2.2.2", user_agent="Mozilla/5.0 (iPhone) Safari/1")
    views = my_security.list_sessions(db, auth.Actor.from_user(user), mine)
    assert len(views) == 2
    current = [v for v in views if v.current]
    assert len(current) == 1 and current[0].client_ip == "10.1.1.1"
    assert my_security.device_label(current[0].user_agent) == "Chrome / Windows"


def test_sign_out_one_session_or_all_others(db: Session, user: User, make) -> None:
    actor = auth.Actor.from_user(user)
    mine = auth.open_session(db, user)
    a = auth.open_session(db, user)
    auth.open_session(db, user)
    other_id = auth.session_id_of(db, a)
    my_security.end_session(db, actor, other_id)
    assert auth.resolve_session(db, a) is None
    assert my_security.end_other_sessions(db, actor, mine) == 1
    assert [v.current for v in my_security.list_sessions(db, actor, mine)] == [True]
    # somebody else's session id: not found, and it stays open
    stranger = make.user(make.org(), Role.CLIENT)
    theirs = auth.open_session(db, stranger)
    with pytest.raises(NotFound):
        my_security.end_session(db, actor, auth.session_id_of(db, theirs))
    assert auth.resolve_session(db, theirs) is not None
