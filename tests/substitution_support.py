"""Helpers shared by the substitution tests (issue 13)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from helpdesk_app.domain import actor_loading, substitutions
from helpdesk_app.domain.actor import Actor
from helpdesk_app.models import User

HOUR = timedelta(hours=1)


def real_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def plan(db, by: Actor, absent: User, substitute: User, start: datetime, end: datetime, *,
         now: datetime | None = None, keep: bool = False, note: str = "") -> int:
    """Plan a substitution through the domain (aware datetimes, no text parsing)."""
    return substitutions.create(
        db, by, substitutions.SubstitutionForm(
            absent_id=absent.id, substitute_id=substitute.id, starts=start, ends=end,
            note=note, keeps_notifications=keep), now=now)


def loaded(db, user: User, now: datetime | None = None) -> Actor:
    """The actor as the app builds it on a click (custom role + substitutions)."""
    db.expire_all()
    return actor_loading.load(db, db.get(User, user.id), now=now)
