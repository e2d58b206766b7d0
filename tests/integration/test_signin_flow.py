"""Sign-in: throttling without lockout, second factors (TOTP, e-mail code, recovery codes),
forced enrolment for a role that requires 2FA, and login alerts through the outbox."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
from signin_support import ATTACKER, LAPTOP, PHONE, code_at, mail_text, mails, six_digits
from sqlmodel import Session, select

from helpdesk_app.domain import auth, login_alerts, signin, throttle, two_factor
from helpdesk_app.domain.errors import AuthFailed, Forbidden, Invalid
from helpdesk_app.models import PendingLogin, Role, User, UserFactor
from helpdesk_app.models.base import utcnow

PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True)
def _fresh_throttle():
    throttle.reset()
    yield
    throttle.reset()


@pytest.fixture
def user(make) -> User:
    return make.user(make.org(), Role.TECHNICIAN, email="Tech@Example.test", name="Tech")


@pytest.fixture
def admin(make) -> User:
    return make.user(make.org(), Role.ADMIN, email="boss@example.test", name="Boss")


def _totp_on(db: Session, user: User) -> tuple[str, list[str]]:
    enrolment = two_factor.start_totp(db, auth.Actor.from_user(user), PASSWORD)
    codes = two_factor.confirm_totp(db, auth.Actor.from_user(user),
                                    pyotp.TOTP(enrolment.secret).now())
    return enrolment.secret, codes


def _signed_in(db: Session, email: str, client) -> str:
    return signin.claim(db, signin.sign_in(db, email, PASSWORD, client).claim, client)[0]


# ---- password step and throttling


def test_without_a_factor_the_password_opens_a_session(db: Session, user: User) -> None:
    out = signin.sign_in(db, "  tech@example.TEST ", PASSWORD, LAPTOP)
    assert out.claim and out.actor.user_id == user.id and not out.pending
    token, actor = signin.claim(db, out.claim, LAPTOP)
    assert actor == out.actor and auth.resolve_session(db, token) == actor


def test_wrong_and_unknown_get_the_same_neutral_refusal(db: Session, user: User) -> None:
    with pytest.raises(AuthFailed) as wrong:
        signin.sign_in(db, user.email, "nope-nope-nope", LAPTOP)
    with pytest.raises(AuthFailed) as unknown:
        signin.sign_in(db, "ghost@example.test", "nope-nope-nope", LAPTOP)
    assert wrong.value.key == unknown.value.key == "auth.invalid_credentials"


def test_after_five_failures_even_the_right_password_waits_on_an_unknown_device(
        db: Session, user: User) -> None:
    for _ in range(5):
        with pytest.raises(AuthFailed):
            signin.sign_in(db, user.email, "guess-guess", ATTACKER)
    assert throttle.by_account.wait(throttle.account_key(user.email)) > 0
    with pytest.raises(AuthFailed) as refused:  # same message: nothing learned
        signin.sign_in(db, user.email, PASSWORD, PHONE)
    assert refused.value.key == "auth.invalid_credentials"


def test_the_owner_still_signs_in_from_a_known_device_while_attacked(
        db: Session, user: User) -> None:
    _signed_in(db, user.email, LAPTOP)  # the laptop becomes known
    for _ in range(8):
        with pytest.raises(AuthFailed):
            signin.sign_in(db, user.email, "guess-guess", ATTACKER)
    assert signin.sign_in(db, user.email, PASSWORD, LAPTOP).claim


def test_a_throttled_address_is_refused_without_argon2(db: Session, user: User,
                                                       monkeypatch) -> None:
    for n in range(10):
        with pytest.raises(AuthFailed):
            signin.sign_in(db, f"someone{n}@example.test", "guess-guess", ATTACKER)
    assert signin.refused_fast(ATTACKER)
    monkeypatch.setattr(auth, "check_password",
                        lambda *a: pytest.fail("argon2 ran for a throttled client"))
    with pytest.raises(AuthFailed):
        signin.sign_in(db, user.email, PASSWORD, ATTACKER)
    assert not signin.refused_fast(LAPTOP)  # other addresses are not affected


def test_delays_grow_and_are_capped() -> None:
    lim = throttle.Limiter(free=2, cap=8.0)
    now = 1000.0
    waits = []
    for _ in range(7):
        lim.fail("k", now)
        waits.append(lim.wait("k", now))
    assert waits == [0.0, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    assert lim.wait("k", now + 8.0) == 0.0
    assert lim.wait("k", now + lim.window + 1) == 0.0  # old failures are forgotten
    for _ in range(5000):  # a flood stays at the cap (no overflow)
        lim.fail("flood", now)
    assert lim.wait("flood", now) == 8.0


def test_a_claim_opens_one_session_once_for_the_same_browser(db: Session, user: User) -> None:
    out = signin.sign_in(db, user.email, PASSWORD, LAPTOP)
    with pytest.raises(AuthFailed):  # a claim is not a pending second step
        signin.second_step(db, out.claim, "recovery", "x", LAPTOP)
    stolen = signin.sign_in(db, user.email, PASSWORD, LAPTOP)
    with pytest.raises(AuthFailed):  # from elsewhere: refused, and used up
        signin.claim(db, stolen.claim, ATTACKER)
    with pytest.raises(AuthFailed):
        signin.claim(db, stolen.claim, LAPTOP)
    assert signin.claim(db, out.claim, LAPTOP)[0]
    with pytest.raises(AuthFailed):
        signin.claim(db, out.claim, LAPTOP)
    late = signin.sign_in(db, user.email, PASSWORD, LAPTOP)
    row = db.exec(select(PendingLogin)).one()
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.add(row)
    db.commit()
    with pytest.raises(AuthFailed):
        signin.claim(db, late.claim, LAPTOP)


# ---- TOTP


def test_totp_enrolment_needs_the_password_and_a_first_code(db: Session, user: User) -> None:
    actor = auth.Actor.from_user(user)
    with pytest.raises(Invalid) as e:
        two_factor.start_totp(db, actor, "not-my-password")
    assert e.value.key == "signin.wrong_password"
    enrolment = two_factor.start_totp(db, actor, PASSWORD)
    assert enrolment.qr_svg_data_url.startswith("data:image/svg+xml;base64,")
    assert enrolment.uri.startswith("otpauth://totp/Pomocnik:")
    with pytest.raises(Invalid):
        two_factor.confirm_totp(db, actor, "000000" if pyotp.TOTP(enrolment.secret).now()
                                != "000000" else "111111")
    codes = two_factor.confirm_totp(db, actor, pyotp.TOTP(enrolment.secret).now())
    assert len(codes) == 10 and len(set(codes)) == 10
    assert two_factor.status(db, user).totp


def test_totp_sign_in_needs_the_second_step_and_refuses_a_replay(db: Session,
                                                                  user: User) -> None:
    secret, _codes = _totp_on(db, user)
    out = signin.sign_in(db, user.email, PASSWORD, LAPTOP)
    assert out.pending and not out.claim and out.methods == ("totp", "recovery")
    # the enrolment used the current step: the same code cannot be used again
    code = pyotp.TOTP(secret).now()
    with pytest.raises(Invalid):
        signin.second_step(db, out.pending, "totp", code, LAPTOP)
    row = db.exec(select(UserFactor).where(UserFactor.user_id == user.id)).one()
    nxt = code_at(secret, row.last_step + 1)  # the next step, within the skew window
    done = signin.second_step(db, out.pending, "totp", nxt, LAPTOP)
    token, _actor = signin.claim(db, done.claim, LAPTOP)
    assert auth.resolve_session(db, token).user_id == user.id
    with pytest.raises(AuthFailed):  # the pending sign-in is used up
        signin.second_step(db, out.pending, "totp", nxt, LAPTOP)


def test_a_code_outside_the_skew_window_is_refused(db: Session, user: User) -> None:
    secret = pyotp.random_base32()
    now = 1_800_000_000.0
    step = int(now // 30)
    assert two_factor.totp_step(secret, code_at(secret, step - 1), 0, now) == step - 1
    assert two_factor.totp_step(secret, code_at(secret, step + 1), 0, now) == step + 1
    assert two_factor.totp_step(secret, code_at(secret, step - 3), 0, now) is None
    assert two_factor.totp_step(secret, code_at(secret, step), step, now) is None  # replay


def test_five_wrong_codes_end_the_pending_sign_in(db: Session, user: User) -> None:
    _totp_on(db, user)
    out = signin.sign_in(db, user.email, PASSWORD, LAPTOP)
    for _ in range(4):
        with pytest.raises(Invalid):
            signin.second_step(db, out.pending, "totp", "12345x", LAPTOP)
    with pytest.raises(AuthFailed) as e:
        signin.second_step(db, out.pending, "totp", "12345x", LAPTOP)
    assert e.value.key == signin.START_AGAIN
    assert db.exec(select(PendingLogin)).all() == []


def test_an_expired_pending_sign_in_starts_again(db: Session, user: User) -> None:
    _totp_on(db, user)
    out = signin.sign_in(db, user.email, PASSWORD, LAPTOP)
    row = db.exec(select(PendingLogin)).one()
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.add(row)
    db.commit()
    with pytest.raises(AuthFailed) as e:
        signin.second_step(db, out.pending, "recovery", "whatever", LAPTOP)
    assert e.value.key == signin.START_AGAIN


# ---- recovery codes


def test_a_recovery_code_works_once(db: Session, user: User) -> None:
    _secret, codes = _totp_on(db, user)
    out = signin.sign_in(db, user.email, PASSWORD, LAPTOP)
    assert signin.second_step(db, out.pending, "recovery", codes[3].upper(), LAPTOP).claim
    again = signin.sign_in(db, user.email, PASSWORD, LAPTOP)
    with pytest.raises(Invalid):
        signin.second_step(db, again.pending, "recovery", codes[3], LAPTOP)
    assert two_factor.status(db, user).recovery_left == 9


def test_new_recovery_codes_replace_the_old_ones(db: Session, user: User) -> None:
    _secret, old = _totp_on(db, user)
    new = two_factor.regenerate_recovery_codes(db, auth.Actor.from_user(user), PASSWORD)
    assert not set(new) & set(old)
    out = signin.sign_in(db, user.email, PASSWORD, LAPTOP)
    with pytest.raises(Invalid):
        signin.second_step(db, out.pending, "recovery", old[0], LAPTOP)


# ---- e-mail code


def test_email_code_signs_in_once(db: Session, user: User) -> None:
    two_factor.enable_email(db, auth.Actor.from_user(user), PASSWORD)
    out = signin.sign_in(db, user.email, PASSWORD, LAPTOP)
    assert out.methods == ("email", "recovery")
    signin.send_email_code(db, out.pending)
    sent = mails(db, "signin_code", user.email)
    assert len(sent) == 1
    code = six_digits(mail_text(sent[0]))
    done = signin.second_step(db, out.pending, "email", code, LAPTOP)
    assert done.claim
    with pytest.raises(AuthFailed):
        signin.second_step(db, out.pending, "email", code, LAPTOP)


def test_an_expired_or_replaced_email_code_is_refused(db: Session, user: User) -> None:
    two_factor.enable_email(db, auth.Actor.from_user(user), PASSWORD)
    out = signin.sign_in(db, user.email, PASSWORD, LAPTOP)
    signin.send_email_code(db, out.pending)
    first = six_digits(mail_text(mails(db, "signin_code")[-1]))
    signin.send_email_code(db, out.pending)
    second = six_digits(mail_text(mails(db, "signin_code")[-1]))
    if first != second:
        with pytest.raises(Invalid):
            signin.second_step(db, out.pending, "email", first, LAPTOP)
    row = db.exec(select(PendingLogin)).one()
    row.email_code_expires_at = utcnow() - timedelta(seconds=1)
    db.add(row)
    db.commit()
    with pytest.raises(Invalid):
        signin.second_step(db, out.pending, "email", second, LAPTOP)


def test_no_email_code_is_sent_without_the_email_factor(db: Session, user: User) -> None:
    _totp_on(db, user)
    out = signin.sign_in(db, user.email, PASSWORD, LAPTOP)
    with pytest.raises(Invalid):
        signin.send_email_code(db, out.pending)
    assert mails(db, "signin_code") == []


# ---- required 2FA per role


def test_a_role_that_requires_2fa_enrols_before_anything_else(db: Session, user: User,
                                                               admin: User) -> None:
    two_factor.set_role_required(db, auth.Actor.from_user(admin), Role.TECHNICIAN, True)
    out = signin.sign_in(db, user.email, PASSWORD, LAPTOP)
    assert out.must_enrol and out.pending and not out.claim
    enrolment = signin.enrolment(db, out.pending)
    with pytest.raises(AuthFailed):  # no way round the enrolment
        signin.second_step(db, out.pending, "recovery", "x", LAPTOP)
    done = signin.finish_enrolment(db, out.pending, pyotp.TOTP(enrolment.secret).now(), LAPTOP)
    assert done.claim and len(done.recovery_codes) == 10
    assert two_factor.status(db, user).totp
    # the last factor of a required role cannot be switched off
    with pytest.raises(Invalid) as e:
        two_factor.disable_factor(db, auth.Actor.from_user(user), PASSWORD, "totp")
    assert e.value.key == "signin.factor_required"


def test_only_admins_set_policy_or_reset_factors(db: Session, user: User, admin: User) -> None:
    with pytest.raises(Forbidden):
        two_factor.set_role_required(db, auth.Actor.from_user(user), Role.CLIENT, True)
    with pytest.raises(Forbidden):
        two_factor.admin_reset_factors(db, auth.Actor.from_user(user), admin.email)


def test_admin_reset_removes_factors_and_sessions(db: Session, user: User, admin: User) -> None:
    _totp_on(db, user)
    token, _ = auth.login(db, user.email, PASSWORD)
    two_factor.admin_reset_factors(db, auth.Actor.from_user(admin), "TECH@example.test")
    assert not two_factor.status(db, user).any
    assert two_factor.status(db, user).recovery_left == 0
    assert auth.resolve_session(db, token) is None
    assert signin.sign_in(db, user.email, PASSWORD, LAPTOP).claim  # no second step now


# ---- login alerts


def test_a_new_device_sends_an_alert_in_the_users_language(db: Session, user: User,
                                                           admin: User) -> None:
    user.language = "en"
    db.add(user)
    db.commit()
    login_alerts.set_admin_subscription(db, auth.Actor.from_user(admin), True)
    _signed_in(db, user.email, LAPTOP)
    assert mails(db, "signin_new_device") == []  # the first device: nothing to compare
    _signed_in(db, user.email, LAPTOP)
    assert mails(db, "signin_new_device") == []  # known
    _signed_in(db, user.email, PHONE)
    alert = mails(db, "signin_new_device", user.email)
    assert len(alert) == 1 and alert[0].subject == "New sign-in to your Pomocnik account"
    assert "10.0.0.9" in mail_text(alert[0])
    to_admin = mails(db, "signin_admin_new_device", admin.email)
    assert len(to_admin) == 1  # in the admin's own language (Polish)
    assert to_admin[0].subject == "Alert logowania: nowe urządzenie — Tech@Example.test"


def test_failed_attempts_alert_is_debounced(db: Session, user: User) -> None:
    for _ in range(3):
        with pytest.raises(AuthFailed):
            signin.sign_in(db, user.email, "guess-guess", ATTACKER)
    assert len(mails(db, "signin_failed", user.email)) == 1
    throttle.reset()
    for _ in range(6):
        with pytest.raises(AuthFailed):
            signin.sign_in(db, user.email, "guess-guess", ATTACKER)
        throttle.reset()
    assert len(mails(db, "signin_failed", user.email)) == 1  # one per 30 minutes


def test_at_most_three_codes_are_mailed_per_sign_in(db: Session, user: User) -> None:
    two_factor.enable_email(db, auth.Actor.from_user(user), PASSWORD)
    out = signin.sign_in(db, user.email, PASSWORD, LAPTOP)
    for _ in range(signin.MAX_EMAIL_CODES):
        signin.send_email_code(db, out.pending)
    with pytest.raises(Invalid) as e:
        signin.send_email_code(db, out.pending)
    assert e.value.key == "signin.too_many_codes"
    assert len(mails(db, "signin_code", user.email)) == signin.MAX_EMAIL_CODES
