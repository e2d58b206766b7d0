"""Admin: organisations — the provider, client organisations (with their verified mail
domains, used by the mail channel) and subcontractors. Create, edit, deactivate.

Every change is one function here (the audit log hooks them). An organisation that has
users, tickets or contracts is deactivated, never deleted; the provider is unique and
stays active. Deactivating an organisation ends its users' sessions at once
(`directory.account_enabled` then refuses them)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import func
from sqlmodel import Session, col, select

from helpdesk_app.domain import access, audit, auth, handover
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.errors import Conflict, FieldChecks, Invalid, NotFound
from helpdesk_app.models import Contract, Organisation, OrganisationDomain, OrgKind, Ticket, User

PER_PAGE = 25
MAX_DOMAINS = 50
# One DNS label: letters, digits, hyphens inside; an IDN is entered in its xn-- form.
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def _require_org_admin(actor: Actor) -> None:
    """Who may manage organisations: whoever may manage users ("users.manage")."""
    access.require_account_manager(actor)


@dataclass(frozen=True)
class OrgInput:
    name: str
    kind: str
    domains: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class OrgRow:
    id: int
    name: str
    kind: str
    domains: tuple[str, ...]
    is_active: bool
    users: int


@dataclass(frozen=True)
class OrgPage:
    rows: list[OrgRow]
    total: int
    page: int
    pages: int


def clean_domain(raw: str) -> str:
    """A mail domain lower-cased ("@Firma.PL" -> "firma.pl"); Invalid when it is not one."""
    domain = (raw or "").strip().lower().lstrip("@").rstrip(".")
    labels = domain.split(".")
    if (len(domain) > 253 or len(labels) < 2 or not all(_LABEL.match(p) for p in labels)
            or labels[-1].isdigit()):
        raise Invalid("orgadmin.domain_invalid", domain=(raw or "").strip()[:80])
    return domain


def parse_domains(text: str) -> list[str]:
    """Domains typed one per line or separated by commas/spaces, in their order."""
    return [d for d in re.split(r"[\s,;]+", text or "") if d]


def _domains_of(db: Session, org_ids: list[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    if not org_ids:
        return out
    rows = db.exec(select(OrganisationDomain).where(
        col(OrganisationDomain.organisation_id).in_(org_ids))
        .order_by(OrganisationDomain.domain)).all()
    for d in rows:
        out.setdefault(d.organisation_id, []).append(d.domain)
    return out


def list_organisations(db: Session, actor: Actor, text: str = "", *, kind: str = "",
                       active: bool | None = None, page: int = 1,
                       per_page: int = PER_PAGE) -> OrgPage:
    """Organisations by name; `text` matches a name or a verified domain (any case)."""
    _require_org_admin(actor)
    query = select(Organisation)
    needle = (text or "").strip().lower()
    if needle:
        like = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        by_domain = select(OrganisationDomain.organisation_id).where(
            col(OrganisationDomain.domain).like(like, escape="\\"))
        query = query.where(func.lower(Organisation.name).like(like, escape="\\")
                            | col(Organisation.id).in_(by_domain))
    if kind in OrgKind.ALL:
        query = query.where(Organisation.kind == kind)
    if active is not None:
        query = query.where(col(Organisation.is_active).is_(active))
    total = db.exec(select(func.count()).select_from(query.subquery())).one()
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    orgs = db.exec(query.order_by(Organisation.name, Organisation.id)
                   .offset((page - 1) * per_page).limit(per_page)).all()
    ids = [o.id for o in orgs]
    domains = _domains_of(db, ids)
    counts = dict(db.exec(select(User.organisation_id, func.count()).where(
        col(User.organisation_id).in_(ids)).group_by(User.organisation_id)).all()) if ids else {}
    rows = [OrgRow(o.id, o.name, o.kind, tuple(domains.get(o.id, [])), o.is_active,
                   counts.get(o.id, 0)) for o in orgs]
    return OrgPage(rows, total, page, pages)


def get_organisation(db: Session, actor: Actor, org_id: int) -> OrgRow:
    _require_org_admin(actor)
    org = db.get(Organisation, org_id)
    if org is None:
        raise NotFound("orgadmin.not_found")
    users = db.exec(select(func.count()).where(User.organisation_id == org_id)).one()
    return OrgRow(org.id, org.name, org.kind, tuple(_domains_of(db, [org.id]).get(org.id, [])),
                  org.is_active, users)


def all_organisations(db: Session, actor: Actor) -> list[Organisation]:
    """Every organisation by name (the user page's pickers and filter)."""
    _require_org_admin(actor)
    return list(db.exec(select(Organisation).order_by(Organisation.name)).all())


def _has_history(db: Session, org_id: int) -> bool:
    return any(db.exec(select(m.id).where(m.organisation_id == org_id).limit(1)).first()
               for m in (User, Ticket, Contract))


def _check_domains(checks: FieldChecks, db: Session, raw: list[str],
                   org_id: int | None) -> list[str]:
    domains: list[str] = []
    for item in raw:
        domain = checks.run("domains", clean_domain, item)
        if domain is None:
            return []
        if domain not in domains:
            domains.append(domain)
    if len(domains) > MAX_DOMAINS:
        checks.fail("domains", "orgadmin.too_many_domains", max=MAX_DOMAINS)
        return []
    if domains:
        taken = db.exec(select(OrganisationDomain, Organisation)
                        .join(Organisation, Organisation.id == OrganisationDomain.organisation_id)
                        .where(col(OrganisationDomain.domain).in_(domains),
                               OrganisationDomain.organisation_id != (org_id or 0))).first()
        if taken is not None:
            checks.fail("domains", "orgadmin.domain_taken", domain=taken[0].domain,
                        organisation=taken[1].name)
    return domains


# What the audit log compares.
_AUDITED = ("name", "kind", "is_active", "domains")


def _audited(db: Session, org: Organisation) -> dict:
    return {**audit.snapshot(org, _AUDITED[:-1]),
            "domains": _domains_of(db, [org.id]).get(org.id, [])}


def _target(org: Organisation) -> audit.Target:
    return audit.Target("organisation", org.id, org.name)


def save_organisation(db: Session, actor: Actor, data: OrgInput,
                      org_id: int | None = None) -> int:
    """Create (`org_id` None) or edit an organisation and its verified domains."""
    _require_org_admin(actor)
    org = db.get(Organisation, org_id) if org_id is not None else None
    if org_id is not None and org is None:
        raise NotFound("orgadmin.not_found")
    checks = FieldChecks()
    name = " ".join((data.name or "").split())
    if not name:
        checks.fail("name", "orgadmin.name_required")
    elif len(name) > 200:
        checks.fail("name", "orgadmin.name_too_long", max=200)
    elif db.exec(select(Organisation.id).where(
            func.lower(Organisation.name) == name.lower(),
            Organisation.id != (org_id or 0))).first() is not None:
        checks.fail("name", "orgadmin.name_taken")
    if data.kind not in OrgKind.ALL:
        checks.fail("kind", "orgadmin.kind_invalid")
    elif org is not None and org.kind != data.kind:
        if org.kind == OrgKind.PROVIDER:
            checks.fail("kind", "orgadmin.provider_kind_fixed")
        elif db.exec(select(User.id).where(User.organisation_id == org.id)).first():
            checks.fail("kind", "orgadmin.kind_fixed_with_users")
    becomes_provider = data.kind == OrgKind.PROVIDER and (org is None
                                                          or org.kind != OrgKind.PROVIDER)
    if becomes_provider and db.exec(select(Organisation.id).where(
            Organisation.kind == OrgKind.PROVIDER)).first() is not None:
        checks.fail("kind", "orgadmin.provider_exists")
    domains = _check_domains(checks, db, data.domains, org_id)
    checks.done()
    before = _audited(db, org) if org is not None else None
    if org is None:
        org = Organisation(name=name, kind=data.kind)
    org.name, org.kind = name, data.kind
    db.add(org)
    db.flush()
    existing = {d.domain: d for d in db.exec(select(OrganisationDomain).where(
        OrganisationDomain.organisation_id == org.id)).all()}
    for domain, row in existing.items():
        if domain not in domains:
            db.delete(row)
    db.flush()  # a domain moved between spellings must be gone before it is re-added
    for domain in domains:
        if domain not in existing:
            db.add(OrganisationDomain(organisation_id=org.id, domain=domain))
    db.flush()
    audit.record_change(db, actor, "organisation.updated" if before else "organisation.created",
                        target=_target(org), details=audit.changes(before, _audited(db, org),
                                                                   _AUDITED))
    db.commit()
    return org.id


def set_organisation_active(db: Session, actor: Actor, org_id: int, active: bool) -> int:
    """Deactivate (its users can no longer sign in; their sessions end now; tickets handed
    to a subcontractor come back to the desk) or reactivate. Returns how many handed
    tickets came back."""
    _require_org_admin(actor)
    org = db.get(Organisation, org_id)
    if org is None:
        raise NotFound("orgadmin.not_found")
    if not active and org.kind == OrgKind.PROVIDER:
        raise Conflict("orgadmin.provider_stays_active")
    was_active = org.is_active
    org.is_active = bool(active)
    db.add(org)
    ended = 0
    if not active:
        for user_id in db.exec(select(User.id).where(User.organisation_id == org_id)).all():
            ended += auth.end_sessions(db, user_id)
    if was_active != org.is_active:
        details: dict = {"is_active": [was_active, org.is_active]}
        if ended:
            details["sessions_ended"] = ended
        audit.record(db, actor, "organisation.reactivated" if active
                     else "organisation.deactivated", target=_target(org), details=details)
    db.commit()
    # after the commit: from now on nothing more can be handed to it (handover checks
    # the organisation is active), and each withdrawal commits on its own
    if active or org.kind != OrgKind.SUBCONTRACTOR:
        return 0
    return handover.withdraw_from_deactivated(db, actor, org_id)


def delete_organisation(db: Session, actor: Actor, org_id: int) -> None:
    """Remove an organisation created by mistake. One with users, tickets or contracts
    (history) is refused: deactivate it instead."""
    _require_org_admin(actor)
    org = db.get(Organisation, org_id)
    if org is None:
        raise NotFound("orgadmin.not_found")
    if org.kind == OrgKind.PROVIDER:
        raise Conflict("orgadmin.provider_stays_active")
    if _has_history(db, org_id):
        raise Conflict("orgadmin.has_history")
    audit.record(db, actor, "organisation.deleted", target=_target(org),
                 details=audit.changes(_audited(db, org), None, _AUDITED))
    for row in db.exec(select(OrganisationDomain).where(
            OrganisationDomain.organisation_id == org_id)).all():
        db.delete(row)
    db.flush()
    db.delete(org)
    db.commit()
