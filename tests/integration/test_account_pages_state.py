"""The public account pages as the browser drives them: the reset form's answer never tells
whether an address has an account; link pages show their form only for a valid link."""

from __future__ import annotations

import re
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from sqlmodel import Session, select
from state_support import call_handler, state_for

from helpdesk_app.config import get_settings
from helpdesk_app.domain import auth, invitations
from helpdesk_app.domain.actor import Actor
from helpdesk_app.models import OutboundMail, Role
from helpdesk_app.state.accounts import (
    RESET_MAILER,
    InviteState,
    ResetRequestState,
    ResetState,
)
from helpdesk_app.state.session import LoginState

NEW_PASSWORD = "zielona-herbata-o-pomocy"


@pytest.fixture
def app_db(db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DATABASE_URL", db_url)
    get_settings.cache_clear()
    return db_url


@pytest.fixture
def people(app_db, make):
    provider = make.org("Serwis IT", kind="provider")
    return {"admin": make.user(provider, Role.ADMIN, email="admin@serwis.test"),
            "ewa": make.user(make.org("Wodociągi"), Role.CLIENT, email="ewa@wod.test",
                             name="Ewa Lewandowska")}


def _visible(state) -> dict:
    """What the browser receives of the page's own state (var name -> value)."""
    return {k.removesuffix("_rx_state_"): v
            for k, v in state.dict()[state.get_full_name()].items()}


def _mailer_idle() -> None:
    """The reset mail is prepared after the answer, on the one mailer thread: wait for it."""
    RESET_MAILER.submit(lambda: None).result(timeout=30)


def _with_token(state, token: str):
    state.router._page.params["token"] = token
    return state


def _token_from_last_mail(db: Session, path: str) -> str:
    db.expire_all()
    mail = db.exec(select(OutboundMail).order_by(OutboundMail.id.desc())).first()
    text = message_from_bytes(mail.raw, policy=default_policy).get_body(
        preferencelist=("plain",)).get_content()
    return re.search(re.escape(path) + r"([A-Za-z0-9_\-]+)", text).group(1)


def test_reset_form_answers_the_same_for_known_and_unknown_addresses(db: Session,
                                                                     people) -> None:
    answers = []
    for email in ("ewa@wod.test", "nobody@wod.test"):
        state = state_for(ResetRequestState, None)
        call_handler(ResetRequestState, "on_load", state)
        call_handler(ResetRequestState, "submit", state, {"email": email})
        answers.append(_visible(state))
        _mailer_idle()
    assert answers[0] == answers[1] and answers[0]["sent"] is True
    assert "60 min" in answers[0]["sent_message"]
    mails = db.exec(select(OutboundMail)).all()
    assert [m.to_addr for m in mails] == ["ewa@wod.test"]


def test_reset_link_page_sets_the_password_and_prefills_sign_in(db: Session, people) -> None:
    state = state_for(ResetRequestState, None)
    call_handler(ResetRequestState, "submit", state, {"email": "ewa@wod.test"})
    _mailer_idle()
    token = _token_from_last_mail(db, "/reset/")
    page = _with_token(state_for(ResetState, None), token)
    call_handler(ResetState, "on_load", page)
    assert page.valid and page.intro_text == "Wybierz nowe hasło do konta ewa@wod.test."
    assert token not in str(_visible(page))  # the token is never kept in state
    call_handler(ResetState, "submit", page, {"password": "password1", "repeat": "password1"})
    assert "najczęściej używanych" in page.form_errors["password"] and page.valid
    call_handler(ResetState, "submit", page, {"password": NEW_PASSWORD,
                                              "repeat": NEW_PASSWORD})
    assert page.done and page.form_errors == {}
    login = state_for(LoginState, None)
    assert login.email == ""  # (another tab's sign-in form is not touched)
    db.expire_all()
    assert auth.login(db, "ewa@wod.test", NEW_PASSWORD)[1].email == "ewa@wod.test"
    # the used link now shows the "invalid link" message instead of the form
    again = _with_token(state_for(ResetState, None), token)
    call_handler(ResetState, "on_load", again)
    assert not again.valid and not again.done


@pytest.mark.parametrize("token", ["", "nonsense", "x" * 500])
def test_unknown_links_show_no_form_and_cannot_set_a_password(db: Session, people,
                                                              token: str) -> None:
    page = _with_token(state_for(InviteState, None), token)
    call_handler(InviteState, "on_load", page)
    assert not page.valid and page.title_text == "Zaproszenie"
    call_handler(InviteState, "submit", page, {"password": NEW_PASSWORD,
                                               "repeat": NEW_PASSWORD})
    assert page.error == "Ten link jest nieprawidłowy, wygasł lub został już użyty."
    assert not page.done


def test_invite_page_greets_the_invitee_and_accepts(db: Session, people) -> None:
    invitations.send_invitation(db, Actor.from_user(people["admin"]), people["ewa"].id)
    token = _token_from_last_mail(db, "/invite/")
    page = _with_token(state_for(InviteState, None), token)
    call_handler(InviteState, "on_load", page)
    assert page.valid and page.title_text == "Witaj, Ewa Lewandowska"
    call_handler(InviteState, "submit", page, {"password": NEW_PASSWORD,
                                               "repeat": NEW_PASSWORD + "!"})
    assert page.form_errors == {"repeat": "Hasła nie są takie same."}
    call_handler(InviteState, "submit", page, {"password": NEW_PASSWORD,
                                               "repeat": NEW_PASSWORD})
    assert page.done
    db.expire_all()
    auth.login(db, "ewa@wod.test", NEW_PASSWORD)
