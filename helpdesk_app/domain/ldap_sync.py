"""The directory sync (issue 16): every person the directory covers is brought into the
helpdesk as a sign-in would (domain/ldap_accounts.py), and the directory's accounts that
are gone from it, or from every mapped group, are deactivated.

A dry run does exactly the same work inside the transaction and rolls it back, so its
report is what a real run would do, not an estimate. The scheduler runs it for every active
directory (jobs/ldap_sync.py, leader-locked); admins run it, or its dry run, on /admin/ldap.
The groups are read once per run (not once per person), so 10,000 people cost one paged
search for the people and one for the groups.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import ldap3
from sqlmodel import Session, select

from helpdesk_app.domain import access, ldap_accounts, ldap_client
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.errors import NotFound
from helpdesk_app.domain.ldap_client import DirectoryPerson
from helpdesk_app.models import LdapDirectory, QueueMember, User
from helpdesk_app.models.base import utcnow

_SHOWN = 50  # names listed per kind of change in the report
_GROUP_ATTRS = ["member", "uniqueMember", "memberUid"]
_GROUP_FILTER = ("(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)"
                 "(objectClass=posixGroup)(objectClass=group))")


@dataclass
class SyncReport:
    directory: str
    dry_run: bool
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "login: why" (no e-mail, taken)
    unchanged: int = 0

    def counts(self) -> dict[str, int]:
        return {"created": len(self.created), "updated": len(self.updated),
                "deactivated": len(self.deactivated), "skipped": len(self.skipped),
                "unchanged": self.unchanged}

    def lines(self, t: Callable[..., str]) -> list[str]:
        out = []
        for kind in ("created", "updated", "deactivated", "skipped"):
            names = getattr(self, kind)
            if names:
                more = f" (+{len(names) - _SHOWN})" if len(names) > _SHOWN else ""
                out.append(f"{t('ldap_admin.sync.' + kind)}: {', '.join(names[:_SHOWN])}{more}")
        return out

    def stored(self) -> dict[str, Any]:
        return {**self.counts(), "at": utcnow().isoformat(timespec="seconds"),
                "created_names": self.created[:_SHOWN],
                "deactivated_names": self.deactivated[:_SHOWN]}


def _memberships(conn: ldap3.Connection, d: LdapDirectory) -> tuple[dict, dict]:
    """member DN -> group DNs, and memberUid login -> group DNs (all lower case)."""
    by_dn: dict[str, set[str]] = {}
    by_uid: dict[str, set[str]] = {}
    if not d.group_base:
        return by_dn, by_uid
    for r in conn.extend.standard.paged_search(d.group_base, _GROUP_FILTER,
                                               search_scope=ldap3.SUBTREE,
                                               attributes=_GROUP_ATTRS, paged_size=500,
                                               generator=True):
        if r.get("type") != "searchResEntry":
            continue
        group = r["dn"].lower()
        attrs = r["attributes"]
        for member in [*attrs.get("member", []), *attrs.get("uniqueMember", [])]:
            by_dn.setdefault(str(member).lower(), set()).add(group)
        for uid in attrs.get("memberUid", []):
            by_uid.setdefault(str(uid).lower(), set()).add(group)
    ldap_client.ensure_complete(conn, d.group_base)
    return by_dn, by_uid


def read_people(d: LdapDirectory) -> list[DirectoryPerson]:
    """Everybody the directory covers, with their groups (two paged searches)."""
    with ldap_client.service_connection(d) as conn:
        by_dn, by_uid = _memberships(conn, d)
        people = ldap_client.all_people(conn, d)  # without groups: from the maps above
    return [replace(p, groups=tuple(sorted(by_dn.get(p.dn.lower(), set())
                                           | by_uid.get(p.login, set())))) for p in people]


def sync_directory(db: Session, actor: Actor, directory_id: int, *,
                   dry_run: bool) -> SyncReport:
    """An admin's sync (or its dry run) of one directory. Commits unless `dry_run`."""
    access.require_admin(actor)
    d = db.get(LdapDirectory, directory_id)
    if d is None:
        raise NotFound("ldap.directory_not_found")
    return run(db, d, dry_run=dry_run)


def run(db: Session, d: LdapDirectory, *, dry_run: bool = False) -> SyncReport:
    people = read_people(d)  # DirectoryError (unreachable...): nothing is changed
    report = SyncReport(d.name, dry_run)
    accounts = {u.ldap_login: u for u in db.exec(
        select(User).where(User.ldap_directory_id == d.id)).all()}
    emails = {e.lower() for e in db.exec(select(User.email)).all()}
    queues: dict[int, set[int]] = {}
    for uid, qid in db.exec(select(QueueMember.user_id, QueueMember.queue_id)).all():
        queues.setdefault(uid, set()).add(qid)
    seen: set[str] = set()
    for person in people:
        seen.add(person.login)
        _one(db, d, person, accounts.get(person.login), emails, queues, report)
    for login, user in accounts.items():
        if login not in seen and ldap_accounts.deactivate(db, d, user,
                                                          "no longer in the directory"):
            report.deactivated.append(user.email)
    if dry_run:
        db.rollback()
        return report
    d = db.get(LdapDirectory, d.id) or d
    d.last_sync_at, d.last_sync_report = utcnow(), report.stored()
    db.add(d)
    db.commit()
    return report


def _one(db: Session, d: LdapDirectory, person: DirectoryPerson, user: User | None,
         emails: set[str], queues: dict[int, set[int]], report: SyncReport) -> None:
    where = ldap_accounts.placement(db, d, person)
    if not where.allowed:
        if user is not None and ldap_accounts.deactivate(db, d, user, "not in a mapped group"):
            report.deactivated.append(user.email)
        return
    if not person.email:
        report.skipped.append(f"{person.login}: no e-mail")
        return
    if user is None and person.email in emails:  # an account of that address exists
        user = ldap_accounts.linked_account(db, d, person)
        if user is None:
            report.skipped.append(f"{person.login}: {person.email} is a local account")
            return
    if user is not None and not ldap_accounts.differs(user, d, person, where,
                                                      queues.get(user.id, set())):
        report.unchanged += 1
        return
    account, changed = ldap_accounts.apply(db, d, person, where, user)
    emails.add(account.email)
    if changed == ["created"]:
        report.created.append(account.email)
    else:
        report.updated.append(f"{account.email} ({', '.join(changed)})")
