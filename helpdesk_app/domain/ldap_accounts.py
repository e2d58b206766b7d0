"""Directory accounts (issue 16): who a directory person is in the helpdesk, and signing
them in with their directory password.

- A person's role, organisation and queues come from the directory's group mappings
  (`LdapDirectory.group_mappings`). With any mapping, only members of a mapped group may
  sign in; without, everyone the base and filter cover gets the default role.
- The account is created at the first sign-in (just in time) and brought up to date at
  every sign-in and sync: name, e-mail, phone, department, role, organisation, queues.
  Its password hash stays unusable: the directory password is checked by the directory
  at every sign-in and never stored.
- Someone the directory no longer has, or who left every mapped group, is deactivated
  (their sessions end at their next request: `directory.account_enabled`).
- Local accounts are untouched: an admin created by the setup page signs in locally even
  while every directory is down.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, func, select

from helpdesk_app.domain import audit, ldap_client
from helpdesk_app.domain.errors import AuthFailed
from helpdesk_app.domain.ldap_client import DirectoryError, DirectoryPerson
from helpdesk_app.domain.user_search import search_text
from helpdesk_app.models import (
    LdapDirectory,
    Organisation,
    OrgKind,
    QueueMember,
    Role,
    User,
)

NO_PASSWORD = "!"  # the same unusable hash as domain/auth.NO_PASSWORD (no import cycle)
# most privileged first: a person in two mapped groups gets the higher role
_RANK = (Role.ADMIN, Role.COORDINATOR, Role.TECHNICIAN, Role.SUBCONTRACTOR, Role.CLIENT)
UNAVAILABLE = "auth.directory_unavailable"


@dataclass(frozen=True)
class Placement:
    """Where the directory puts a person; `allowed` False: in no mapped group."""
    allowed: bool
    role: str = Role.CLIENT
    organisation_id: int | None = None
    queue_ids: tuple[int, ...] = ()


def active_directories(db: Session) -> list[LdapDirectory]:
    return list(db.exec(select(LdapDirectory).where(LdapDirectory.is_active.is_(True))
                        .order_by(LdapDirectory.position, LdapDirectory.id)).all())


def placement(db: Session, d: LdapDirectory, person: DirectoryPerson) -> Placement:
    mapped = [m for m in d.group_mappings if str(m.get("group", "")).lower() in person.groups]
    if d.group_mappings and not mapped:
        return Placement(False)
    roles = [m["role"] for m in mapped if m.get("role") in _RANK] or [d.default_role]
    role = min(roles, key=_RANK.index)
    org_id = next((m["organisation_id"] for m in mapped if m.get("organisation_id")),
                  d.default_organisation_id)
    if role in Role.STAFF:  # staff belong to the provider, whatever a mapping says
        org_id = _provider_id(db)
    queues = sorted({int(q) for m in mapped for q in m.get("queue_ids", []) or []})
    return Placement(org_id is not None, role, org_id, tuple(queues))


def _provider_id(db: Session) -> int | None:
    """The provider organisation's id, asked once per session (a sync places thousands)."""
    if "provider_id" not in db.info:
        db.info["provider_id"] = db.exec(select(Organisation.id).where(
            Organisation.kind == OrgKind.PROVIDER)).first()
    return db.info["provider_id"]


def linked_account(db: Session, d: LdapDirectory, person: DirectoryPerson) -> User | None:
    """The account of this person: linked by DN or login, else the account of their
    e-mail address when it has no password of its own (a contact made from mail)."""
    user = db.exec(select(User).where(User.ldap_directory_id == d.id,
                                      User.ldap_login == person.login)).first()
    if user is None and person.email:
        user = db.exec(select(User).where(func.lower(User.email) == person.email)).first()
        if user is not None and (user.ldap_directory_id not in (None, d.id)
                                 or user.password_hash != NO_PASSWORD):
            return None  # someone else's directory account, or a local account: not ours
    return user


def _email_taken(db: Session, email: str) -> bool:
    return db.exec(select(User.id).where(func.lower(User.email) == email)).first() is not None


def _values(d: LdapDirectory, person: DirectoryPerson, where: Placement) -> dict:
    values = {"email": person.email, "full_name": person.full_name[:200],
              "phone": person.phone[:60], "department": person.department[:200],
              "role": where.role, "organisation_id": where.organisation_id,
              "ldap_directory_id": d.id, "ldap_dn": person.dn[:500],
              "ldap_login": person.login[:200], "is_active": True}
    if where.role not in (Role.TECHNICIAN, Role.COORDINATOR):
        values["custom_role_id"] = None  # custom roles refine technicians / coordinators
    return values


def differs(user: User, d: LdapDirectory, person: DirectoryPerson, where: Placement,
            queues: set[int]) -> bool:
    """Whether `apply` would change this account (the sync skips the ones it would not)."""
    return any(getattr(user, k) != v for k, v in _values(d, person, where).items()) or (
        (where.role in Role.STAFF or where.role == Role.SUBCONTRACTOR)
        and not set(where.queue_ids) <= queues)


def apply(db: Session, d: LdapDirectory, person: DirectoryPerson, where: Placement,
          user: User | None) -> tuple[User, list[str]]:
    """Create or update the account of `person` (not committed); what changed."""
    created = user is None
    if user is None:
        user = User(email=person.email, full_name="", password_hash=NO_PASSWORD,
                    role=where.role, organisation_id=where.organisation_id or 0)
    values = _values(d, person, where)
    changed = [k for k, v in values.items() if getattr(user, k) != v]
    for k, v in values.items():
        setattr(user, k, v)
    user.search_text = search_text(user.full_name, user.email)
    db.add(user)
    db.flush()
    if where.role in Role.STAFF or where.role == Role.SUBCONTRACTOR:
        have = set(db.exec(select(QueueMember.queue_id).where(
            QueueMember.user_id == user.id)).all())
        for qid in where.queue_ids:
            if qid not in have:
                db.add(QueueMember(queue_id=qid, user_id=user.id))
                changed.append("queues")
    if created or changed:
        audit.record(db, None, "user.created" if created else "user.updated",
                     target=audit.Target("user", user.id, user.email),
                     label=f"directory {d.name}"[:200],
                     details={"source": "ldap", "directory": d.name,
                              "fields": sorted(set(changed))})
    return user, (["created"] if created else sorted(set(changed)))


def deactivate(db: Session, d: LdapDirectory, user: User, reason: str) -> bool:
    if not user.is_active:
        return False
    user.is_active = False
    db.add(user)
    audit.record(db, None, "user.deactivated", target=audit.Target("user", user.id, user.email),
                 label=f"directory {d.name}"[:200],
                 details={"source": "ldap", "directory": d.name, "reason": reason})
    return True


def sign_in_linked(db: Session, user: User, password: str) -> User:
    """A directory account signs in: its directory checks the password, then the account
    is brought up to date (or deactivated when the directory no longer lets them in).
    AuthFailed (wrong password, refused) or AuthFailed(UNAVAILABLE)."""
    d = db.get(LdapDirectory, user.ldap_directory_id)
    if d is None or not d.is_active:
        raise AuthFailed()
    try:
        with ldap_client.service_connection(d) as conn:
            person = ldap_client.find_person(conn, d, user.ldap_login or user.email)
        ldap_client.check_password(d, person, password)
    except DirectoryError as e:
        return _refused(db, d, user, e)
    where = placement(db, d, person)
    if not where.allowed:
        deactivate(db, d, user, "not in a mapped group")
        db.commit()
        raise AuthFailed()
    account, _changed = apply(db, d, person, where, user)
    return account


def _refused(db: Session, d: LdapDirectory, user: User, e: DirectoryError) -> User:
    if e.key == "ldap.user_not_found":
        deactivate(db, d, user, "no longer in the directory")
        db.commit()
        raise AuthFailed()
    if e.key in ("ldap.wrong_password", "ldap.ambiguous"):
        raise AuthFailed()
    raise AuthFailed(UNAVAILABLE)


def sign_in_new(db: Session, login: str, password: str) -> User | None:
    """Someone without a directory account: the first directory that knows `login` (its
    login attribute or e-mail) and accepts the password makes one. None when no active
    directory knows the login (the caller goes on with local accounts); AuthFailed for a
    wrong password, AuthFailed(UNAVAILABLE) when a directory could not be asked."""
    unreachable = False
    for d in active_directories(db):
        try:
            with ldap_client.service_connection(d) as conn:
                person = ldap_client.find_person(conn, d, login)
        except DirectoryError as e:
            if e.key not in ("ldap.user_not_found", "ldap.ambiguous"):
                unreachable = True
            continue
        try:
            ldap_client.check_password(d, person, password)
        except DirectoryError as e:
            raise AuthFailed(UNAVAILABLE if e.key not in ("ldap.wrong_password",)
                             else None) from None
        where = placement(db, d, person)
        account = linked_account(db, d, person)
        if not where.allowed or not person.email or (account is None and _email_taken(
                db, person.email)):
            raise AuthFailed()  # not let in, or the address belongs to a local account
        user, _changed = apply(db, d, person, where, account)
        return user
    if unreachable:
        raise AuthFailed(UNAVAILABLE)
    return None
