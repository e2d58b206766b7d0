"""Look-ups for pickers and labels: queues, organisations, people."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, select

from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.errors import Forbidden
from helpdesk_app.models import Organisation, OrgKind, Queue, Role, User


@dataclass(frozen=True)
class Option:
    id: int
    label: str


def user_by_email(db: Session, address: str) -> User | None:
    """The account for an e-mail address, case-insensitively (`address` lowercased).

    The exact match uses the unique index and finds every address stored in lower case
    (all the app writes); only otherwise is the whole table compared case-insensitively.
    (No `lower(email)` index: SQLite's lower() is swapped for a Unicode-aware one in
    db.py, which an index built elsewhere would not match.)"""
    if not address:
        return None
    user = db.exec(select(User).where(User.email == address)).first()
    if user is None:
        user = db.exec(select(User).where(func.lower(User.email) == address)).first()
    return user


def queues(db: Session) -> list[Option]:
    rows = db.exec(select(Queue).where(Queue.is_active.is_(True)).order_by(Queue.name)).all()
    return [Option(q.id, q.name) for q in rows]


def agents(db: Session, actor: Actor) -> list[Option]:
    """People a ticket can be assigned to. Staff only: clients never see the roster."""
    if not actor.is_staff:
        raise Forbidden()
    rows = db.exec(
        select(User)
        .where(User.role.in_(Role.STAFF), User.is_active.is_(True))
        .order_by(User.full_name)
    ).all()
    return [Option(u.id, u.full_name) for u in rows]


def client_organisations(db: Session, actor: Actor) -> list[Option]:
    if not actor.is_staff:
        raise Forbidden()
    rows = db.exec(
        select(Organisation).where(Organisation.kind == OrgKind.CLIENT).order_by(Organisation.name)
    ).all()
    return [Option(o.id, o.name) for o in rows]


def client_users(db: Session, actor: Actor) -> list[Option]:
    """Requesters an agent may open a ticket for, labelled with their organisation."""
    if not actor.is_staff:
        raise Forbidden()
    rows = db.exec(
        select(User, Organisation)
        .join(Organisation, Organisation.id == User.organisation_id)
        .where(User.role == Role.CLIENT, User.is_active.is_(True))
        .order_by(Organisation.name, User.full_name)
    ).all()
    return [Option(u.id, f"{u.full_name} ({o.name})") for u, o in rows]
