"""What admins do with directories (issue 16, /admin/ldap): add and change an LDAP / AD
server, "test connection" and "test a login" with the reason when it fails. The bind
password is sealed (domain/secrets_box.py) and never leaves the server again: the form
shows only whether one is stored.

Group mappings are written one per line, e.g.

    cn=helpdesk-staff,ou=groups,dc=uczelnia,dc=test -> technician | queues: Service Desk
    cn=dziekanat,ou=groups,dc=uczelnia,dc=test -> client | organisation: Dziekanat WEEIA

Admins only; every function re-checks the actor (access.require_admin).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from helpdesk_app.domain import access, audit, ldap_accounts, ldap_client, secrets_box
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.errors import FieldChecks, Invalid, NotFound
from helpdesk_app.domain.ldap_client import DirectoryError
from helpdesk_app.models import LdapDirectory, LdapSecurity, Organisation, Queue, Role

_ATTR = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,59}$")
_HOST = re.compile(r"^[A-Za-z0-9.\-\[\]:]{1,255}$")
ROLES = (Role.CLIENT, Role.TECHNICIAN, Role.COORDINATOR, Role.ADMIN, Role.SUBCONTRACTOR)


@dataclass
class DirectoryData:
    name: str
    hosts: str  # one per line (or comma-separated): host or host:port; ldap:// allowed
    user_base: str
    security: str = LdapSecurity.STARTTLS
    ca_cert_pem: str = ""
    timeout_seconds: int = 5
    bind_dn: str = ""
    bind_password: str | None = None  # None or "": keep the stored one
    clear_password: bool = False  # bind anonymously from now on
    user_filter: str = "(objectClass=person)"
    login_attr: str = "uid"
    email_attr: str = "mail"
    first_name_attr: str = "givenName"
    last_name_attr: str = "sn"
    phone_attr: str = "telephoneNumber"
    department_attr: str = "departmentNumber"
    group_base: str = ""
    mappings: str = ""  # the lines described in the module doc
    default_role: str = Role.CLIENT
    default_organisation_id: int | None = None
    is_active: bool = True
    position: int = 0


@dataclass(frozen=True)
class DirectoryView:
    id: int
    name: str
    is_active: bool
    hosts: str
    security: str
    user_base: str
    has_password: bool
    last_sync_at: datetime | None
    last_sync_report: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LoginCheck:
    """What "test a login" found: who the directory says this is and what they would be."""
    dn: str
    name: str
    email: str
    groups: tuple[str, ...]
    allowed: bool
    role: str
    organisation: str
    queues: tuple[str, ...]


def list_directories(db: Session, actor: Actor) -> list[DirectoryView]:
    access.require_admin(actor)
    rows = db.exec(select(LdapDirectory).order_by(col(LdapDirectory.position),
                                                  col(LdapDirectory.id))).all()
    return [DirectoryView(d.id, d.name, d.is_active, "\n".join(d.hosts), d.security,
                          d.user_base, bool(d.bind_password_enc), d.last_sync_at,
                          dict(d.last_sync_report or {})) for d in rows]


def form_of(db: Session, actor: Actor, directory_id: int) -> DirectoryData:
    """The stored settings as the form edits them (without the password)."""
    access.require_admin(actor)
    d = _get(db, directory_id)
    return DirectoryData(
        name=d.name, hosts="\n".join(d.hosts), user_base=d.user_base, security=d.security,
        ca_cert_pem=d.ca_cert_pem, timeout_seconds=d.timeout_seconds, bind_dn=d.bind_dn,
        user_filter=d.user_filter, login_attr=d.login_attr, email_attr=d.email_attr,
        first_name_attr=d.first_name_attr, last_name_attr=d.last_name_attr,
        phone_attr=d.phone_attr, department_attr=d.department_attr, group_base=d.group_base,
        mappings=mappings_text(db, d.group_mappings), default_role=d.default_role,
        default_organisation_id=d.default_organisation_id, is_active=d.is_active,
        position=d.position)


def _get(db: Session, directory_id: int) -> LdapDirectory:
    d = db.get(LdapDirectory, directory_id)
    if d is None:
        raise NotFound("ldap.directory_not_found")
    return d


def _hosts(raw: str) -> list[str]:
    hosts = []
    for part in re.split(r"[\s,]+", raw or ""):
        host = re.sub(r"^ldaps?://", "", part.strip(), flags=re.I).rstrip("/")
        if not host:
            continue
        if not _HOST.match(host):
            raise Invalid("ldap.host_invalid", host=part[:100])
        port = host.rpartition(":")[2] if ":" in host else ""
        if port and (not port.isdigit() or not 0 < int(port) < 65536):
            raise Invalid("ldap.host_invalid", host=part[:100])
        hosts.append(host)
    if not hosts:
        raise Invalid("ldap.no_hosts")
    return hosts[:10]


def _dn(value: str, *, required: bool) -> str:
    value = " ".join((value or "").split())
    if required and not value:
        raise Invalid("ldap.base_required")
    if value and ("=" not in value or len(value) > 500):
        raise Invalid("ldap.dn_invalid")
    return value


def _filter(value: str) -> str:
    value = (value or "").strip() or "(objectClass=*)"
    if not value.startswith("("):
        value = f"({value})"
    if value.count("(") != value.count(")") or len(value) > 500:
        raise Invalid("ldap.filter_invalid")
    return value


def _attr(value: str, *, required: bool = False) -> str:
    value = (value or "").strip()
    if (required and not value) or (value and not _ATTR.match(value)):
        raise Invalid("ldap.attribute_invalid")
    return value


def _ca(value: str) -> str:
    value = (value or "").strip()
    if value and "-----BEGIN CERTIFICATE-----" not in value:
        raise Invalid("ldap.ca_invalid")
    return value + ("\n" if value else "")


def parse_mappings(db: Session, text: str) -> list[dict[str, Any]]:
    """The mapping lines as stored: group DN (lower case), role, queue ids, organisation."""
    queues = {q.name.lower(): q.id for q in db.exec(select(Queue)).all()}
    orgs = {o.name.lower(): o.id for o in db.exec(select(Organisation)).all()}
    out = []
    for n, line in enumerate((text or "").splitlines(), 1):
        if not line.strip() or line.strip().startswith("#"):
            continue
        group, arrow, rest = line.partition("->")
        if not arrow or "=" not in group:
            raise Invalid("ldap.mapping_invalid", line=n)
        parts = [p.strip() for p in rest.split("|")]
        role = parts[0].lower()
        if role and role not in ROLES:
            raise Invalid("ldap.mapping_role", line=n, role=parts[0][:40])
        item: dict[str, Any] = {"group": " ".join(group.split()).lower(), "role": role,
                                "queue_ids": [], "organisation_id": None}
        for part in parts[1:]:
            key, _, value = part.partition(":")
            key = key.strip().lower()
            if key in ("queues", "kolejki"):
                for name in (v.strip() for v in value.split(",") if v.strip()):
                    if name.lower() not in queues:
                        raise Invalid("ldap.mapping_queue", line=n, name=name[:100])
                    item["queue_ids"].append(queues[name.lower()])
            elif key in ("organisation", "organizacja"):
                if value.strip().lower() not in orgs:
                    raise Invalid("ldap.mapping_organisation", line=n, name=value.strip()[:100])
                item["organisation_id"] = orgs[value.strip().lower()]
            else:
                raise Invalid("ldap.mapping_invalid", line=n)
        out.append(item)
    return out


def mappings_text(db: Session, mappings: list[dict[str, Any]]) -> str:
    queues = {q.id: q.name for q in db.exec(select(Queue)).all()}
    orgs = {o.id: o.name for o in db.exec(select(Organisation)).all()}
    lines = []
    for m in mappings:
        line = f"{m['group']} -> {m.get('role', '')}"
        if m.get("queue_ids"):
            line += " | queues: " + ", ".join(queues.get(q, str(q)) for q in m["queue_ids"])
        if m.get("organisation_id"):
            line += f" | organisation: {orgs.get(m['organisation_id'], '')}"
        lines.append(line)
    return "\n".join(lines)


def _checked(db: Session, directory_id: int | None, data: DirectoryData) -> dict[str, Any]:
    checks = FieldChecks()
    name = " ".join((data.name or "").split())
    if not name or len(name) > 100:
        checks.fail("name", "ldap.name_required")
    elif (other := db.exec(select(LdapDirectory).where(LdapDirectory.name == name)).first()
          ) is not None and other.id != directory_id:
        checks.fail("name", "ldap.name_taken")
    if data.security not in LdapSecurity.ALL:
        checks.fail("security", "ldap.security_invalid")
    timeout = int(data.timeout_seconds or 0)
    if not 1 <= timeout <= 60:
        checks.fail("timeout_seconds", "ldap.timeout_invalid")
    if data.default_role not in ROLES:
        checks.fail("default_role", "ldap.mapping_role", line=0, role=data.default_role)
    if data.default_organisation_id is not None and db.get(
            Organisation, data.default_organisation_id) is None:
        checks.fail("default_organisation_id", "ldap.mapping_organisation", line=0, name="")
    values = {
        "name": name, "security": data.security, "timeout_seconds": timeout,
        "hosts": checks.run("hosts", _hosts, data.hosts),
        "ca_cert_pem": checks.run("ca_cert_pem", _ca, data.ca_cert_pem),
        "bind_dn": checks.run("bind_dn", _dn, data.bind_dn, required=False),
        "user_base": checks.run("user_base", _dn, data.user_base, required=True),
        "user_filter": checks.run("user_filter", _filter, data.user_filter),
        "group_base": checks.run("group_base", _dn, data.group_base, required=False),
        "group_mappings": checks.run("mappings", parse_mappings, db, data.mappings),
        "default_role": data.default_role, "default_organisation_id":
            data.default_organisation_id, "is_active": bool(data.is_active),
        "position": int(data.position or 0),
    }
    for f in ("login_attr", "email_attr"):
        values[f] = checks.run(f, _attr, getattr(data, f), required=True)
    for f in ("first_name_attr", "last_name_attr", "phone_attr", "department_attr"):
        values[f] = checks.run(f, _attr, getattr(data, f))
    if data.bind_password and not secrets_box.available():
        checks.fail("bind_password", "secrets.no_key")
    checks.done()
    return values


def _unsaved(db: Session, directory_id: int | None, data: DirectoryData,
             stored: LdapDirectory | None = None) -> tuple[LdapDirectory, list[str]]:
    """The directory as the form describes it (for a test before saving), not added, and
    the names of its settings (what a save copies)."""
    values = _checked(db, directory_id, data)
    d = LdapDirectory(**values)
    d.id = directory_id
    if data.bind_password:
        d.bind_password_enc = secrets_box.seal(data.bind_password)
    elif stored is not None and not data.clear_password:
        d.bind_password_enc = stored.bind_password_enc
    return d, [*values, "bind_password_enc"]


def save_directory(db: Session, actor: Actor, directory_id: int | None,
                   data: DirectoryData) -> int:
    """Create (`directory_id` None) or change a directory. Commits; returns its id."""
    access.require_admin(actor)
    d = LdapDirectory() if directory_id is None else _get(db, directory_id)
    fresh, keys = _unsaved(db, directory_id, data, None if directory_id is None else d)
    changed = []
    for key in keys:
        new = getattr(fresh, key)
        if getattr(d, key) != new:
            changed.append(key)
            setattr(d, key, new)
    db.add(d)
    db.flush()
    audit.record(db, actor, "config.ldap.directory.created" if directory_id is None
                 else "config.ldap.directory.updated",
                 target=audit.Target("ldap_directory", d.id, d.name),
                 details={"changed": sorted(c.replace("bind_password_enc", "bind_password")
                                            for c in changed)})
    db.commit()
    return d.id


def _stored(db: Session, directory_id: int | None) -> LdapDirectory | None:
    return db.get(LdapDirectory, directory_id) if directory_id else None


def check_connection(db: Session, actor: Actor, directory_id: int | None,
                    data: DirectoryData) -> int:
    """Bind as the service account with the form's settings and count the people under the
    base and filter (up to 1,000). DirectoryError says what failed."""
    access.require_admin(actor)
    d, _keys = _unsaved(db, directory_id, data, _stored(db, directory_id))
    with ldap_client.service_connection(d) as conn:
        conn.search(d.user_base, d.user_filter, attributes=[d.login_attr], size_limit=1000)
        result = conn.result or {}
        if result.get("description") not in ("success", "sizeLimitExceeded"):
            raise DirectoryError("ldap.search_failed", base=d.user_base,
                                 detail=str(result.get("description", ""))[:300])
        return sum(1 for r in conn.response or [] if r.get("type") == "searchResEntry")


def check_login(db: Session, actor: Actor, directory_id: int | None, data: DirectoryData,
               login: str, password: str) -> LoginCheck:
    """Find `login` and check `password` as a sign-in would, without touching accounts."""
    access.require_admin(actor)
    d, _keys = _unsaved(db, directory_id, data, _stored(db, directory_id))
    with ldap_client.service_connection(d) as conn:
        person = ldap_client.find_person(conn, d, login)
    ldap_client.check_password(d, person, password)
    where = ldap_accounts.placement(db, d, person)
    org = db.get(Organisation, where.organisation_id) if where.organisation_id else None
    names = {q.id: q.name for q in db.exec(select(Queue)).all()}
    return LoginCheck(person.dn, person.full_name, person.email, person.groups, where.allowed,
                      where.role, org.name if org else "",
                      tuple(names.get(q, str(q)) for q in where.queue_ids))
