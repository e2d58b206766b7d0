"""Second factors: TOTP (pyotp, QR as server-side SVG), a one-time code by e-mail, and ten
single-use recovery codes. Enrolling, disabling and regenerating need the password.

Security events (one function each, each writes its audit entry): `confirm_totp`,
`enable_email`, `disable_factor`, `regenerate_recovery_codes`, `admin_reset_factors` /
`reset_user_factors`, `set_role_required` (forced enrolment at sign-in: domain/signin.py).
An entry names the factor, never a code or secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import secrets
from dataclasses import dataclass

import pyotp
import segno
from sqlmodel import Session, col, delete, func, select

from helpdesk_app.domain import access, audit, auth
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.errors import Forbidden, Invalid, NotFound
from helpdesk_app.models import (
    FactorKind,
    PendingLogin,
    RecoveryCode,
    Role,
    SecurityPolicy,
    User,
    UserFactor,
)
from helpdesk_app.models.base import utcnow

ISSUER = "Pomocnik"
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i look-alikes


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _user_target(user_id: int, email: str) -> audit.Target:
    return audit.Target("user", user_id, email)


@dataclass(frozen=True)
class FactorStatus:
    totp: bool
    email: bool
    recovery_left: int
    required: bool  # the user's role requires a second factor

    @property
    def any(self) -> bool:
        return self.totp or self.email


@dataclass(frozen=True)
class TotpEnrolment:
    secret: str  # shown once as text, for apps that cannot scan
    uri: str
    qr_svg_data_url: str  # data: URL (CSP allows data: images), rendered on the server


# ---- policy per role


def required_for(db: Session, role: str) -> bool:
    row = db.get(SecurityPolicy, role)
    return bool(row and row.require_2fa)


def required_roles(db: Session) -> set[str]:
    return {r.role for r in db.exec(select(SecurityPolicy)).all() if r.require_2fa}


def set_role_required(db: Session, actor: Actor, role: str, required: bool) -> None:
    """Admin: whether users of `role` must use a second factor. Commits."""
    if actor.role != Role.ADMIN:
        raise Forbidden()
    if role not in Role.ALL:
        raise Invalid("signin.unknown_role")
    row = db.get(SecurityPolicy, role) or SecurityPolicy(role=role)
    was = bool(row.require_2fa)
    row.require_2fa = required
    db.add(row)
    if was != bool(required):
        audit.record(db, actor, "config.security.two_factor_required.updated",
                     target=audit.Target("security_policy", role, role),
                     details={"role": role, "required": [was, bool(required)]})
    db.commit()


# ---- status


def confirmed_factors(db: Session, user_id: int) -> dict[str, UserFactor]:
    rows = db.exec(select(UserFactor).where(UserFactor.user_id == user_id,
                                            col(UserFactor.confirmed).is_(True))).all()
    return {r.kind: r for r in rows}


def status(db: Session, user: User) -> FactorStatus:
    factors = confirmed_factors(db, user.id)
    left = db.exec(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, col(RecoveryCode.used_at).is_(None))).one()
    return FactorStatus(totp=FactorKind.TOTP in factors, email=FactorKind.EMAIL in factors,
                        recovery_left=left, required=required_for(db, user.role))


# ---- TOTP


def _qr_data_url(uri: str) -> str:
    out = io.BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", scale=5, border=2, xmldecl=False)
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode()


def totp_enrolment(secret: str, email: str) -> TotpEnrolment:
    uri = pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)
    return TotpEnrolment(secret=secret, uri=uri, qr_svg_data_url=_qr_data_url(uri))


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_step(secret: str, code: str, after_step: int, now: float | None = None) -> int | None:
    """The time step `code` matches (the current one, or one either side for clock skew),
    if it is later than `after_step` (an accepted step is never accepted again); else None."""
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(utcnow()) if now is None else int(now // totp.interval)
    for step in (current - 1, current, current + 1):
        if step > after_step and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _require_password(db: Session, actor: Actor, password: str) -> User:
    user = db.get(User, actor.user_id)
    if user is None:
        raise NotFound()
    if not auth.verify_user_password(db, user, password):
        raise Invalid("signin.wrong_password")
    return user


def start_totp(db: Session, actor: Actor, password: str) -> TotpEnrolment:
    """Begin enrolment: a new secret, kept unconfirmed until `confirm_totp`. Commits."""
    user = _require_password(db, actor, password)
    row = db.exec(select(UserFactor).where(UserFactor.user_id == user.id,
                                           UserFactor.kind == FactorKind.TOTP)).first()
    if row is not None and row.confirmed:
        raise Invalid("signin.totp_already_on")
    row = row or UserFactor(user_id=user.id, kind=FactorKind.TOTP)
    row.secret, row.last_step = new_totp_secret(), 0
    db.add(row)
    db.commit()
    return totp_enrolment(row.secret, user.email)


def confirm_totp(db: Session, actor: Actor, code: str) -> list[str]:
    """The first code from the app turns TOTP on. Returns new recovery codes when the user
    had none left (shown once), else []. Commits."""
    row = db.exec(select(UserFactor).where(UserFactor.user_id == actor.user_id,
                                           UserFactor.kind == FactorKind.TOTP)).first()
    if row is None or row.confirmed:
        raise Invalid("signin.totp_not_started")
    step = totp_step(row.secret, code, row.last_step)
    if step is None:
        raise Invalid("signin.wrong_code")
    row.confirmed, row.last_step = True, step
    db.add(row)
    codes = _codes_if_none(db, actor.user_id)
    audit.record(db, actor, "auth.two_factor.enabled",
                 target=_user_target(actor.user_id, actor.email),
                 details={"factor": FactorKind.TOTP})
    db.commit()
    return codes


def save_enrolled_totp(db: Session, user_id: int, secret: str, step: int) -> list[str]:
    """Forced enrolment at sign-in (the password was checked there): store a confirmed TOTP
    factor. Returns the first recovery codes. The caller commits."""
    row = db.exec(select(UserFactor).where(UserFactor.user_id == user_id,
                                           UserFactor.kind == FactorKind.TOTP)).first()
    row = row or UserFactor(user_id=user_id, kind=FactorKind.TOTP)
    row.secret, row.confirmed, row.last_step = secret, True, step
    db.add(row)
    return _codes_if_none(db, user_id)


def check_totp(db: Session, user_id: int, code: str) -> bool:
    """A sign-in code: right, and not a replay of an already accepted step. The caller
    commits (the accepted step is stored)."""
    row = confirmed_factors(db, user_id).get(FactorKind.TOTP)
    if row is None:
        return False
    step = totp_step(row.secret, code, row.last_step)
    if step is None:
        return False
    row.last_step = step
    db.add(row)
    return True


# ---- e-mail code as a factor


def enable_email(db: Session, actor: Actor, password: str) -> list[str]:
    """Turn on sign-in codes by e-mail. Returns new recovery codes if none were left."""
    user = _require_password(db, actor, password)
    row = db.exec(select(UserFactor).where(UserFactor.user_id == user.id,
                                           UserFactor.kind == FactorKind.EMAIL)).first()
    row = row or UserFactor(user_id=user.id, kind=FactorKind.EMAIL)
    was_on = bool(row.confirmed)
    row.confirmed = True
    db.add(row)
    codes = _codes_if_none(db, user.id)
    if not was_on:
        audit.record(db, actor, "auth.two_factor.enabled",
                     target=_user_target(user.id, user.email),
                     details={"factor": FactorKind.EMAIL})
    db.commit()
    return codes


def disable_factor(db: Session, actor: Actor, password: str, kind: str) -> None:
    """Turn one factor off. The last factor of a user whose role requires 2FA stays."""
    if kind not in FactorKind.ALL:
        raise Invalid("signin.unknown_factor")
    user = _require_password(db, actor, password)
    factors = confirmed_factors(db, user.id)
    if kind in factors and len(factors) == 1 and required_for(db, user.role):
        raise Invalid("signin.factor_required")
    db.exec(delete(UserFactor).where(UserFactor.user_id == user.id, UserFactor.kind == kind))
    if len(factors) <= 1:  # no factor left: recovery codes recover nothing
        db.exec(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    if kind in factors:
        audit.record(db, actor, "auth.two_factor.disabled",
                     target=_user_target(user.id, user.email), details={"factor": kind})
    db.commit()


# ---- recovery codes


def _new_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(12))  # ~59 bits
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def _normal(code: str) -> str:
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())


def _replace_codes(db: Session, user_id: int) -> list[str]:
    db.exec(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    codes = [_new_code() for _ in range(RECOVERY_CODES)]
    for c in codes:
        db.add(RecoveryCode(user_id=user_id, code_hash=sha256(_normal(c))))
    return codes


def _codes_if_none(db: Session, user_id: int) -> list[str]:
    left = db.exec(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user_id, col(RecoveryCode.used_at).is_(None))).one()
    return [] if left else _replace_codes(db, user_id)


def regenerate_recovery_codes(db: Session, actor: Actor, password: str) -> list[str]:
    """Ten new codes (the old ones stop working), shown once. Commits."""
    user = _require_password(db, actor, password)
    if not confirmed_factors(db, user.id):
        raise Invalid("signin.no_factor")
    codes = _replace_codes(db, user.id)
    audit.record(db, actor, "auth.two_factor.recovery_regenerated",
                 target=_user_target(user.id, user.email))
    db.commit()
    return codes


def use_recovery_code(db: Session, user_id: int, code: str) -> bool:
    """Spend one recovery code. The caller commits."""
    row = db.exec(select(RecoveryCode).where(RecoveryCode.user_id == user_id,
                                             RecoveryCode.code_hash == sha256(_normal(code)),
                                             col(RecoveryCode.used_at).is_(None))).first()
    if row is None:
        return False
    row.used_at = utcnow()
    db.add(row)
    return True


# ---- admin


def admin_reset_factors(db: Session, actor: Actor, email: str) -> User:
    """Admin: remove every factor and recovery code of the user with `email` (lost phone).
    Their open sessions end too. Commits. If their role requires 2FA they enrol again at
    their next sign-in."""
    if actor.role != Role.ADMIN:
        raise Forbidden()
    user = db.exec(select(User).where(func.lower(User.email) == (email or "").strip().lower())
                   ).first()
    if user is None:
        raise Invalid("signin.no_such_user")
    return reset_user_factors(db, actor, user.id)


def reset_user_factors(db: Session, actor: Actor, user_id: int) -> User:
    """`admin_reset_factors` by user id, for the user admin page: user managers may reset
    anyone but an admin (access.require_account_manager). Commits."""
    access.require_account_manager(actor)
    user = db.get(User, user_id)
    if user is None:
        raise NotFound()
    access.require_account_manager(actor, user.role)
    removed = sorted(confirmed_factors(db, user.id))
    db.exec(delete(UserFactor).where(UserFactor.user_id == user.id))
    db.exec(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.exec(delete(PendingLogin).where(PendingLogin.user_id == user.id))
    ended = auth.end_sessions(db, user.id)
    audit.record(db, actor, "auth.two_factor.reset", target=_user_target(user.id, user.email),
                 details={"factors": removed, "sessions_ended": ended})
    db.commit()
    return user
