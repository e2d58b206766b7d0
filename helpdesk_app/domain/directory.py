"""Look-ups for pickers and labels: queues, organisations, people."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from helpdesk_app.config import get_settings
from helpdesk_app.domain import access, auth, user_search
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.errors import Forbidden, FormInvalid
from helpdesk_app.models import Organisation, OrgKind, Queue, Role, User

PICKER_LIMIT = 50  # a picker shows this many matches; typing narrows it
_EMAIL = re.compile(r"^[^@\s<>]{1,64}@[^@\s<>]+\.[^@\s<>.]+$")


@dataclass(frozen=True)
class Option:
    id: int
    label: str


def is_email(address: str) -> bool:
    """A plausible e-mail address (lower-cased by the caller), at most 320 characters."""
    return len(address) <= 320 and _EMAIL.match(address) is not None


def account_enabled(db: Session, user: User) -> bool:
    """May this account sign in / keep its session: the user and their organisation are
    both active (deactivating either locks the account out at once)."""
    if not user.is_active:
        return False
    org = db.get(Organisation, user.organisation_id)
    return org is not None and org.is_active


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
    rows = db.exec(select(Queue).where(Queue.is_active.is_(True))
                   .order_by(col(Queue.position), col(Queue.name))).all()
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


def _client_label(user: User, org: Organisation) -> str:
    return f"{user.full_name} ({org.name})"


def find_clients(db: Session, actor: Actor, text: str = "", *,
                 limit: int = PICKER_LIMIT) -> list[Option]:
    """Requesters for the new-ticket picker: active clients whose name, e-mail or
    organisation contains every word typed (any case), at most `limit` of them, by name.
    Never the whole directory: it stays fast with 100,000 clients."""
    access.require_staff(actor)
    query = (select(User, Organisation)
             .join(Organisation, Organisation.id == User.organisation_id)
             .where(User.role == Role.CLIENT, col(User.is_active).is_(True)))
    likes = user_search.words(text)
    for like in likes:
        # Organisations are few: match their names first (Unicode-aware lower()), then
        # the people by their folded name and e-mail with a plain LIKE.
        org_ids = db.exec(select(Organisation.id).where(
            func.lower(Organisation.name).like(like, escape="\\"))).all()
        match = col(User.search_text).like(like, escape="\\")
        query = query.where(or_(match, col(User.organisation_id).in_(org_ids))
                            if org_ids else match)
    # Nothing typed: walk the (role, full_name) index and stop after `limit` rows. Words
    # typed: sort only the matches (`|| ''` keeps SQLite from walking the whole index).
    order = col(User.full_name) if not likes else col(User.full_name).op("||")("")
    rows = db.exec(query.order_by(order, col(User.id)).limit(limit)).all()
    return [Option(u.id, _client_label(u, o)) for u, o in rows]


def client_label(db: Session, actor: Actor, user_id: int) -> str:
    """The picker label of one client (the chosen requester), "" when not a client."""
    access.require_staff(actor)
    row = db.exec(select(User, Organisation)
                  .join(Organisation, Organisation.id == User.organisation_id)
                  .where(User.id == user_id, User.role == Role.CLIENT)).first()
    return _client_label(*row) if row else ""


def create_contact(db: Session, actor: Actor, full_name: str, email: str,
                   organisation_id: int | None) -> Option:
    """A new client contact, from the new-ticket form ("new contact"), staff only. The
    account has no password: the person follows their tickets by mail until invited."""
    access.require_staff(actor)
    name = " ".join((full_name or "").split())[:200]
    address = (email or "").strip().lower()
    errors: dict[str, tuple[str, dict]] = {}
    if not name:
        errors["name"] = ("contact.name_required", {})
    if not _EMAIL.match(address) or len(address) > 320:
        errors["email"] = ("contact.email_invalid", {})
    elif user_by_email(db, address) is not None:
        errors["email"] = ("contact.email_taken", {})
    org = db.get(Organisation, organisation_id) if organisation_id else None
    if org is None or org.kind != OrgKind.CLIENT:
        errors["organisation"] = ("contact.organisation_required", {})
    if errors:
        raise FormInvalid(errors)
    settings = get_settings()
    user = User(email=address, full_name=name, password_hash=auth.NO_PASSWORD, role=Role.CLIENT,
                organisation_id=org.id, language=settings.default_language,
                timezone=settings.default_timezone)
    db.add(user)
    db.commit()
    return Option(user.id, _client_label(user, org))
