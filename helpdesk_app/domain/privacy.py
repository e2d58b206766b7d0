"""What the admin's RODO page (/admin/privacy) asks: whose data, the retention rules in
force and what they last did. The work itself: privacy_export.py, privacy_erasure.py,
retention.py. Admins only (access.require_admin)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, func, select

from helpdesk_app.config import get_settings
from helpdesk_app.domain import access, retention
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.errors import NotFound
from helpdesk_app.models import Organisation, User


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    email: str
    role: str
    organisation: str
    active: bool


@dataclass(frozen=True)
class RetentionStatus:
    ticket_years: int  # 0: off
    raw_mail_days: int  # 0: off
    last_report: dict | None


def find_person(db: Session, actor: Actor, email: str) -> Person:
    access.require_admin(actor)
    wanted = (email or "").strip().lower()
    user = db.exec(select(User).where(func.lower(User.email) == wanted)).first() if wanted \
        else None
    if user is None:
        raise NotFound("privacy.person_not_found")
    org = db.get(Organisation, user.organisation_id)
    return Person(user.id, user.full_name, user.email, user.role, org.name if org else "",
                  user.is_active)


def retention_status(db: Session, actor: Actor) -> RetentionStatus:
    access.require_admin(actor)
    s = get_settings()
    return RetentionStatus(s.retention_ticket_years, s.retention_raw_mail_days,
                           retention.last_report(db))
