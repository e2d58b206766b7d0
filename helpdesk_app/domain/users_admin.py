"""Admin: users — create, edit, deactivate / reactivate; the paged, searchable list.

Every change is one function here (the audit log hooks them). Nobody is ever deleted:
people with history are deactivated (their sessions end at once). New accounts have no
password (`auth.NO_PASSWORD`): they set one through an invitation.

The list stays fast with 100,000 client users (benchmarks/user_admin_list.py): it walks
a name index (`ix_user_name`, `ix_user_role_name`, `ix_user_org_name`) and stops after a
page; typed words match the folded `search_text` with a plain LIKE, as the pickers do."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from helpdesk_app.domain import access, audit, auth, directory, substitutions, user_search
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.errors import Conflict, FieldChecks, Forbidden, NotFound
from helpdesk_app.i18n import LANGUAGES
from helpdesk_app.models import Organisation, OrgKind, Role, User

PER_PAGE = 25
MAX_PAGE = 4000  # deep OFFSETs cost a walk: past this, narrow the search instead
# Which organisation kinds each role may belong to. People of a subcontractor
# organisation have the subcontractor role (they see only tickets handed to them).
ROLE_ORG_KINDS: dict[str, tuple[str, ...]] = {
    Role.ADMIN: (OrgKind.PROVIDER,),
    Role.COORDINATOR: (OrgKind.PROVIDER,),
    Role.TECHNICIAN: (OrgKind.PROVIDER,),
    Role.CLIENT: (OrgKind.CLIENT,),
    Role.SUBCONTRACTOR: (OrgKind.SUBCONTRACTOR,),
}


def _require_user_admin(actor: Actor, *roles: str) -> None:
    """Who may manage users: "users.manage"; `roles` are the roles of the account touched
    (a user manager who is not an admin may not reach admins, see access.py)."""
    access.require_account_manager(actor, *roles)


@dataclass(frozen=True)
class UserInput:
    full_name: str
    email: str
    role: str
    organisation_id: int | None
    is_client_manager: bool = False
    language: str = "pl"
    timezone: str = "Europe/Warsaw"


@dataclass(frozen=True)
class UserFilter:
    text: str = ""
    role: str = ""  # "" = every role
    organisation_id: int | None = None
    active: bool | None = None  # None = active and inactive
    page: int = 1
    per_page: int = PER_PAGE


@dataclass(frozen=True)
class UserRow:
    id: int
    full_name: str
    email: str
    role: str
    organisation_id: int
    organisation: str
    organisation_active: bool
    is_client_manager: bool
    language: str
    timezone: str
    is_active: bool
    has_password: bool


@dataclass(frozen=True)
class UserPage:
    rows: list[UserRow]
    total: int
    page: int
    pages: int


def _row(u: User, org: Organisation) -> UserRow:
    return UserRow(u.id, u.full_name, u.email, u.role, org.id, org.name, org.is_active,
                   u.is_client_manager, u.language, u.timezone, u.is_active,
                   u.password_hash != auth.NO_PASSWORD)


def list_users(db: Session, actor: Actor, flt: UserFilter = UserFilter()) -> UserPage:
    """One page of users by name, with the total that match."""
    _require_user_admin(actor)
    where = []
    if flt.role in Role.ALL:
        where.append(User.role == flt.role)
    if flt.organisation_id:
        where.append(User.organisation_id == flt.organisation_id)
    if flt.active is not None:
        where.append(col(User.is_active).is_(flt.active))
    likes = user_search.words(flt.text)
    for like in likes:
        # Organisations are few: match their names first, then people by folded text.
        org_ids = db.exec(select(Organisation.id).where(
            func.lower(Organisation.name).like(like, escape="\\"))).all()
        match = col(User.search_text).like(like, escape="\\")
        where.append(or_(match, col(User.organisation_id).in_(org_ids)) if org_ids else match)
    per_page = max(1, min(flt.per_page, 200))
    if likes:
        ids, total, page = _matching_page(db, where, flt.page, per_page)
    else:
        # Nothing typed: count on an index, then walk a name index and stop after a page.
        total = db.exec(select(func.count()).select_from(User).where(*where)).one()
        page = min(max(1, flt.page), _pages(total, per_page))
        ids = list(db.exec(select(User.id).where(*where).order_by(col(User.full_name),
                                                                  col(User.id))
                           .offset((page - 1) * per_page).limit(per_page)).all())
    pages = _pages(total, per_page)
    rows = db.exec(select(User, Organisation)
                   .join(Organisation, Organisation.id == User.organisation_id)
                   .where(col(User.id).in_(ids))).all() if ids else []
    by_id = {u.id: _row(u, o) for u, o in rows}
    return UserPage([by_id[i] for i in ids if i in by_id], total, page, pages)


def _pages(total: int, per_page: int) -> int:
    return max(1, min(MAX_PAGE, -(-total // per_page)))


def _matching_page(db: Session, where: list, page: int,
                   per_page: int) -> tuple[list[int], int, int]:
    """Words typed: every row must be read for its text anyway, so one pass gives both
    the page and the total (`count(*) OVER ()`), sorting only the matches (`|| ''` keeps
    SQLite from walking the whole name index instead). A page past the end: the last."""
    order = (col(User.full_name).op("||")(""), col(User.id))
    query = select(User.id, func.count().over()).where(*where).order_by(*order)
    rows = db.exec(query.offset((max(1, page) - 1) * per_page).limit(per_page)).all()
    if rows or page <= 1:
        return [r[0] for r in rows], rows[0][1] if rows else 0, max(1, page)
    total = db.exec(select(func.count()).select_from(User).where(*where)).one()
    return _matching_page(db, where, _pages(total, per_page), per_page) if total else ([], 0, 1)


def get_user(db: Session, actor: Actor, user_id: int) -> UserRow:
    _require_user_admin(actor)
    row = db.exec(select(User, Organisation)
                  .join(Organisation, Organisation.id == User.organisation_id)
                  .where(User.id == user_id)).first()
    if row is None:
        raise NotFound("useradmin.not_found")
    return _row(*row)


def _active_admins(db: Session) -> int:
    return db.exec(select(func.count()).select_from(User).where(
        User.role == Role.ADMIN, col(User.is_active).is_(True))).one()


def _validate(db: Session, data: UserInput, user: User | None) -> tuple[str, str, Organisation]:
    """Every field checked at once; returns the cleaned name, e-mail and organisation."""
    checks = FieldChecks()
    name = " ".join((data.full_name or "").split())
    if not name:
        checks.fail("full_name", "useradmin.name_required")
    elif len(name) > 200:
        checks.fail("full_name", "useradmin.name_too_long", max=200)
    email = (data.email or "").strip().lower()
    if not directory.is_email(email):
        checks.fail("email", "useradmin.email_invalid")
    else:
        other = directory.user_by_email(db, email)
        if other is not None and (user is None or other.id != user.id):
            checks.fail("email", "useradmin.email_taken")
    org = db.get(Organisation, data.organisation_id) if data.organisation_id else None
    if data.role not in Role.ALL:
        checks.fail("role", "useradmin.role_invalid")
    if org is None:
        checks.fail("organisation", "useradmin.organisation_required")
    else:
        if data.role in Role.ALL and org.kind not in ROLE_ORG_KINDS[data.role]:
            checks.fail("organisation", f"useradmin.org_kind_for_{data.role}")
        if not org.is_active and (user is None or user.organisation_id != org.id):
            checks.fail("organisation", "useradmin.organisation_inactive")
    if data.is_client_manager and data.role != Role.CLIENT:
        checks.fail("is_client_manager", "useradmin.manager_only_clients")
    if data.language not in LANGUAGES:
        checks.fail("language", "useradmin.language_invalid")
    try:
        ZoneInfo(data.timezone or "")
    except (ZoneInfoNotFoundError, ValueError):
        checks.fail("timezone", "useradmin.timezone_invalid")
    checks.done()
    assert org is not None
    return name, email, org


# What the audit log compares (never the password hash).
_AUDITED = ("full_name", "email", "role", "organisation_id", "is_client_manager", "language",
            "timezone")


def _target(user: User) -> audit.Target:
    return audit.Target("user", user.id, user.email)


def create_user(db: Session, actor: Actor, data: UserInput) -> int:
    """A new account without a password (it is set through an invitation)."""
    _require_user_admin(actor, data.role)
    name, email, org = _validate(db, data, None)
    user = User(email=email, full_name=name, password_hash=auth.NO_PASSWORD, role=data.role,
                organisation_id=org.id, is_client_manager=data.is_client_manager,
                language=data.language, timezone=data.timezone)
    db.add(user)
    db.flush()
    audit.record(db, actor, "user.created", target=_target(user),
                 details=audit.changes(None, user, _AUDITED))
    db.commit()
    return user.id


def update_user(db: Session, actor: Actor, user_id: int, data: UserInput) -> None:
    _require_user_admin(actor)
    user = db.get(User, user_id)
    if user is None:
        raise NotFound("useradmin.not_found")
    _require_user_admin(actor, user.role, data.role)
    if user.id == actor.user_id and data.role != user.role and actor.role != Role.ADMIN:
        raise Forbidden()  # a user manager does not promote themself
    name, email, org = _validate(db, data, user)
    if user.role == Role.ADMIN and data.role != Role.ADMIN:
        if user.id == actor.user_id:
            raise Conflict("useradmin.cannot_demote_self")
        if user.is_active and _active_admins(db) <= 1:
            raise Conflict("useradmin.last_admin")
    before = audit.snapshot(user, _AUDITED)
    user.full_name, user.email, user.role, user.organisation_id = name, email, data.role, org.id
    user.is_client_manager = data.is_client_manager
    user.language, user.timezone = data.language, data.timezone
    db.add(user)
    details = audit.changes(before, user, _AUDITED)
    audit.record_change(db, actor, "user.updated", target=_target(user), details=details)
    if "role" in details:
        audit.record(db, actor, "user.role_changed", target=_target(user),
                     details={"role": details["role"]})
    db.commit()


def set_user_active(db: Session, actor: Actor, user_id: int, active: bool) -> None:
    """Deactivate (their sessions end now; they keep their history) or reactivate."""
    _require_user_admin(actor)
    user = db.get(User, user_id)
    if user is None:
        raise NotFound("useradmin.not_found")
    _require_user_admin(actor, user.role)
    if not active:
        if user.id == actor.user_id:
            raise Conflict("useradmin.cannot_deactivate_self")
        if user.role == Role.ADMIN and user.is_active and _active_admins(db) <= 1:
            raise Conflict("useradmin.last_admin")
    was_active = user.is_active
    user.is_active = bool(active)
    db.add(user)
    ended = auth.end_sessions(db, user.id) if not active else 0
    # their planned and running substitutions go with them (each audited on its own)
    cancelled = substitutions.cancel_for_user(db, actor, user.id) if not active else 0
    if was_active != user.is_active:
        details: dict = {"is_active": [was_active, user.is_active]}
        if ended:
            details["sessions_ended"] = ended
        if cancelled:
            details["substitutions_cancelled"] = cancelled
        audit.record(db, actor, "user.reactivated" if active else "user.deactivated",
                     target=_target(user), details=details)
    db.commit()
