"""First run: an installation without users gets its service provider and first admin.

`needs_setup` is true while no user exists; the `/setup` page and
`python -m helpdesk_app.cli create-admin` both end in `complete_setup`, which works once.
Two browser tabs racing through the form: the first write of the transaction is the
`setup.completed_at` row of `app_setting` (its key is the primary key), so the second
transaction fails on it (or finds the users of the first) and gets a Conflict.

`add_admin` adds a further administrator to an installed system (scripted installs).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, col, func, select

from helpdesk_app.domain import auth
from helpdesk_app.domain.errors import Conflict, FieldChecks, Invalid
from helpdesk_app.i18n import LANGUAGES
from helpdesk_app.models import AppSetting, Organisation, OrgKind, Role, User
from helpdesk_app.models.base import utcnow

SETUP_DONE = "setup.completed_at"
DEFAULT_LANGUAGE = "default_language"
DEFAULT_TIMEZONE = "default_timezone"
_EMAIL = re.compile(r"^[^@\s<>]{1,64}@[^@\s<>]+\.[^@\s<>.]+$")
_NAME_MAX = 200


@dataclass(frozen=True)
class SetupForm:
    provider_name: str
    admin_name: str
    admin_email: str
    password: str
    repeat: str
    language: str
    timezone: str


def needs_setup(db: Session) -> bool:
    return db.exec(select(User.id).limit(1)).first() is None


def get_setting(db: Session, key: str, default: str = "") -> str:
    row = db.get(AppSetting, key)
    return row.value if row is not None else default


def installation_defaults(db: Session) -> tuple[str, str]:
    """(language, time zone) for new accounts: as chosen at setup, else the environment's
    POMOCNIK_LANGUAGE / POMOCNIK_TIMEZONE."""
    from helpdesk_app.config import get_settings

    settings = get_settings()
    return (get_setting(db, DEFAULT_LANGUAGE, settings.default_language),
            get_setting(db, DEFAULT_TIMEZONE, settings.default_timezone))


def set_setting(db: Session, key: str, value: str) -> None:
    """Store one installation setting (the caller commits)."""
    row = db.get(AppSetting, key) or AppSetting(key=key)
    row.value, row.updated_at = value, utcnow()
    db.add(row)


def _text(value: str, key: str) -> str:
    value = " ".join((value or "").split())
    if not value:
        raise Invalid(key)
    if len(value) > _NAME_MAX:
        raise Invalid("setup.too_long", max=_NAME_MAX)
    return value


def _email(db: Session, value: str) -> str:
    address = (value or "").strip().lower()
    if not _EMAIL.match(address) or len(address) > 320:
        raise Invalid("setup.email_invalid")
    if db.exec(select(User.id).where(func.lower(User.email) == address)).first():
        raise Invalid("setup.email_taken")
    return address


def _language(value: str) -> str:
    if value not in LANGUAGES:
        raise Invalid("prefs.unknown_language")
    return value


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value or "")
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid("prefs.unknown_timezone") from None
    return value


def _checked(db: Session, form: SetupForm, checks: FieldChecks) -> dict:
    out = {
        "provider": checks.run("provider_name", _text, form.provider_name,
                               "setup.provider_required"),
        "name": checks.run("admin_name", _text, form.admin_name, "setup.name_required"),
        "email": checks.run("admin_email", _email, db, form.admin_email),
        "language": checks.run("language", _language, form.language),
        "timezone": checks.run("timezone", _timezone, form.timezone),
    }
    out["hash"] = checks.run("password", auth.hash_password, form.password or "",
                             email=out["email"] or "", name=out["name"] or "")
    if (form.password or "") != (form.repeat or ""):
        checks.fail("repeat", "account.password_mismatch")
    return out


def _provider(db: Session, name: str, checks: FieldChecks) -> Organisation | None:
    """The provider organisation, renamed to `name` (created when there is none)."""
    org = db.exec(select(Organisation).where(Organisation.kind == OrgKind.PROVIDER)
                  .order_by(col(Organisation.id))).first()
    clash = db.exec(select(Organisation).where(Organisation.name == name)).first()
    if clash is not None and (org is None or clash.id != org.id):
        checks.fail("provider_name", "setup.provider_taken")
        return None
    if org is None:
        org = Organisation(name=name, kind=OrgKind.PROVIDER)
    org.name = name
    db.add(org)
    return org


def complete_setup(db: Session, form: SetupForm) -> User:
    """Create the provider organisation and the first admin, store the default language and
    time zone; commits. `FormInvalid` for bad input (field by field), `Conflict` once any
    user exists (setup done, or another tab was faster)."""
    if not needs_setup(db):
        raise Conflict("setup.already_done")
    checks = FieldChecks()
    values = _checked(db, form, checks)
    checks.done()
    try:
        # The lock: a second transaction cannot insert the same key.
        db.add(AppSetting(key=SETUP_DONE, value=utcnow().isoformat()))
        db.flush()
        if not needs_setup(db):
            raise Conflict("setup.already_done")
        org = _provider(db, values["provider"], checks)
        checks.done()
        db.flush()
        admin = User(email=values["email"], full_name=values["name"],
                     password_hash=values["hash"], role=Role.ADMIN, organisation_id=org.id,
                     language=values["language"], timezone=values["timezone"])
        db.add(admin)
        set_setting(db, DEFAULT_LANGUAGE, values["language"])
        set_setting(db, DEFAULT_TIMEZONE, values["timezone"])
        db.commit()
    except (IntegrityError, OperationalError):
        db.rollback()
        raise Conflict("setup.already_done") from None
    except Exception:
        db.rollback()
        raise
    return admin


def add_admin(db: Session, *, name: str, email: str, password: str, language: str,
              timezone: str) -> User:
    """A further administrator in the provider organisation of an installed system;
    commits. `FormInvalid` for bad input, `Conflict` when there is no provider yet."""
    org = db.exec(select(Organisation).where(Organisation.kind == OrgKind.PROVIDER)
                  .order_by(col(Organisation.id))).first()
    if org is None:
        raise Conflict("setup.no_provider")
    checks = FieldChecks()
    form = SetupForm(org.name, name, email, password, password, language, timezone)
    values = _checked(db, form, checks)
    checks.done()
    admin = User(email=values["email"], full_name=values["name"], password_hash=values["hash"],
                 role=Role.ADMIN, organisation_id=org.id, language=values["language"],
                 timezone=values["timezone"])
    db.add(admin)
    try:
        db.commit()
    except IntegrityError:
        db.rollback()
        raise Conflict("setup.email_taken") from None
    return admin
