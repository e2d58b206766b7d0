"""Talking to one LDAP / Active Directory server (ldap3): connect with failover and TLS,
bind as the service account, find a person, check their password, read their groups.

Every failure is a `DirectoryError` whose key says what went wrong in terms an admin can
act on (cannot connect, TLS failure, bind refused, user not found, ambiguous match, wrong
password); the "test connection" and "test a login" buttons show them as they are, the
sign-in page shows a user only "wrong e-mail or password" or "directory unavailable".
Nothing here writes to the database.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass

import ldap3
from ldap3.core import exceptions as lx
from ldap3.utils.conv import escape_filter_chars

from helpdesk_app.domain.errors import DomainError
from helpdesk_app.domain.secrets_box import open_sealed
from helpdesk_app.models import LdapDirectory, LdapSecurity


class DirectoryError(DomainError):
    """Why a directory could not answer; `key` ldap.cannot_connect / ldap.tls_failed /
    ldap.bind_refused / ldap.user_not_found / ldap.ambiguous / ldap.wrong_password /
    ldap.search_failed, `params` the detail for the admin."""


@dataclass(frozen=True)
class DirectoryPerson:
    dn: str
    login: str
    email: str
    first_name: str
    last_name: str
    phone: str
    department: str
    groups: tuple[str, ...]  # DNs of the groups they are in, lower case

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p) or self.login


def _tls(d: LdapDirectory) -> ldap3.Tls:
    return ldap3.Tls(validate=ssl.CERT_REQUIRED, version=ssl.PROTOCOL_TLS_CLIENT,
                     ca_certs_data=d.ca_cert_pem or None)


def _server(d: LdapDirectory, host: str) -> ldap3.Server:
    use_ssl = d.security == LdapSecurity.LDAPS
    host, _, port = host.strip().rpartition(":") if ":" in host else (host.strip(), "", "")
    return ldap3.Server(host, port=int(port) if port else (636 if use_ssl else 389),
                        use_ssl=use_ssl, tls=_tls(d) if d.security != LdapSecurity.NONE else None,
                        connect_timeout=d.timeout_seconds, get_info=ldap3.NONE)


def _is_tls_error(exc: Exception) -> bool:
    text = str(exc).lower()
    return isinstance(exc, lx.LDAPStartTLSError) or "ssl" in text or "certificate" in text


def _open(d: LdapDirectory, host: str, user: str, password: str) -> ldap3.Connection:
    """A connection to `host`, upgraded to TLS as configured, bound as `user`.
    Raises DirectoryError (cannot_connect / tls_failed / bind refused as `_BindRefused`)."""
    conn = ldap3.Connection(_server(d, host), user=user or None, password=password or None,
                            receive_timeout=d.timeout_seconds, raise_exceptions=False,
                            read_only=True, auto_referrals=False)
    try:
        conn.open()
        if d.security == LdapSecurity.STARTTLS and not conn.start_tls():
            raise DirectoryError("ldap.tls_failed", host=host, detail=str(conn.result))
    except DirectoryError:
        _close(conn)
        raise
    except lx.LDAPException as exc:
        _close(conn)
        if _is_tls_error(exc):
            raise DirectoryError("ldap.tls_failed", host=host, detail=_short(exc)) from None
        raise DirectoryError("ldap.cannot_connect", host=host, detail=_short(exc)) from None
    try:
        bound = conn.bind()
    except lx.LDAPException as exc:
        _close(conn)
        raise DirectoryError("ldap.cannot_connect", host=host, detail=_short(exc)) from None
    if not bound:
        detail = conn.result.get("description", "") if conn.result else ""
        _close(conn)
        raise _BindRefused(detail)
    return conn


def _close(conn: ldap3.Connection) -> None:
    """Unbind, whatever state the socket is in (a failed TLS handshake leaves it closed)."""
    with suppress(lx.LDAPException):
        conn.unbind()


class _BindRefused(Exception):
    pass


def _short(exc: Exception) -> str:
    return str(exc).strip()[:300]


def _bound(d: LdapDirectory, user: str, password: str,
           refused: Callable[[str], DirectoryError]) -> ldap3.Connection:
    """Bound as `user` on the first host that answers: the next host is tried only when
    one cannot be reached (a certificate problem or a refused bind is not fixed by
    another server). `refused(detail)` is the error for a refused bind."""
    hosts = [h for h in d.hosts if h.strip()]
    if not hosts:
        raise DirectoryError("ldap.no_hosts")
    failures: list[str] = []
    for host in hosts:
        try:
            return _open(d, host, user, password)
        except _BindRefused as e:
            raise refused(str(e)) from None
        except DirectoryError as e:
            if e.key == "ldap.tls_failed":
                raise
            failures.append(f"{host}: {e.params.get('detail', '')}")
    raise DirectoryError("ldap.cannot_connect", host=", ".join(hosts),
                         detail="; ".join(failures))


@contextmanager
def service_connection(d: LdapDirectory) -> Iterator[ldap3.Connection]:
    """Bound as the configured service account (or anonymously without one)."""
    conn = _bound(d, d.bind_dn, open_sealed(d.bind_password_enc),
                  lambda detail: DirectoryError("ldap.bind_refused", dn=d.bind_dn,
                                                detail=detail))
    try:
        yield conn
    finally:
        _close(conn)


def _first(entry: dict, attr: str) -> str:
    value = entry.get(attr) if attr else None
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value or "").strip()


def _people_filter(d: LdapDirectory, login: str) -> str:
    wanted = escape_filter_chars(login)
    by = f"({d.login_attr}={wanted})"
    if "@" in login and d.email_attr:
        by = f"(|{by}({d.email_attr}={wanted}))"
    base = d.user_filter.strip() or "(objectClass=*)"
    if not base.startswith("("):
        base = f"({base})"
    return f"(&{base}{by})"


def _attrs(d: LdapDirectory) -> list[str]:
    return [a for a in (d.login_attr, d.email_attr, d.first_name_attr, d.last_name_attr,
                        d.phone_attr, d.department_attr) if a]


def _person(d: LdapDirectory, dn: str, attrs: dict,
            groups: tuple[str, ...] = ()) -> DirectoryPerson:
    return DirectoryPerson(
        dn=dn, login=_first(attrs, d.login_attr).lower(),
        email=_first(attrs, d.email_attr).lower(), first_name=_first(attrs, d.first_name_attr),
        last_name=_first(attrs, d.last_name_attr), phone=_first(attrs, d.phone_attr),
        department=_first(attrs, d.department_attr), groups=groups)


def _search(conn: ldap3.Connection, base: str, flt: str, attrs: list[str]) -> list[dict]:
    if not conn.search(base, flt, search_scope=ldap3.SUBTREE, attributes=attrs,
                       size_limit=0):
        result = conn.result or {}
        if result.get("description") in ("success", "noSuchObject"):
            return []
        raise DirectoryError("ldap.search_failed", base=base,
                             detail=str(result.get("description", result))[:300])
    return [r for r in conn.response or [] if r.get("type") == "searchResEntry"]


def find_person(conn: ldap3.Connection, d: LdapDirectory, login: str) -> DirectoryPerson:
    found = _search(conn, d.user_base, _people_filter(d, login.strip()), _attrs(d))
    if not found:
        raise DirectoryError("ldap.user_not_found", login=login)
    if len(found) > 1:
        raise DirectoryError("ldap.ambiguous", login=login, count=len(found))
    dn, attrs = found[0]["dn"], found[0]["attributes"]
    return _person(d, dn, attrs, groups_of(conn, d, dn, _first(attrs, d.login_attr)))


def groups_of(conn: ldap3.Connection, d: LdapDirectory, dn: str, login: str) -> tuple[str, ...]:
    """The groups under `group_base` that list this person (groupOfNames / AD `member`,
    groupOfUniqueNames, posixGroup `memberUid`)."""
    if not d.group_base:
        return ()
    who = escape_filter_chars(dn)
    flt = f"(|(member={who})(uniqueMember={who})(memberUid={escape_filter_chars(login)}))"
    return tuple(sorted(r["dn"].lower() for r in _search(conn, d.group_base, flt, ["cn"])))


def all_people(conn: ldap3.Connection, d: LdapDirectory) -> list[DirectoryPerson]:
    """Everybody the directory's base and filter cover (for the sync), paged; without
    their groups (the sync reads every group once: domain/ldap_sync.py)."""
    base = d.user_filter.strip() or "(objectClass=*)"
    base = base if base.startswith("(") else f"({base})"
    people = []
    entries = conn.extend.standard.paged_search(d.user_base, base, search_scope=ldap3.SUBTREE,
                                                attributes=_attrs(d), paged_size=500,
                                                generator=True)
    for r in entries:
        if r.get("type") == "searchResEntry" and _first(r["attributes"], d.login_attr):
            people.append(_person(d, r["dn"], r["attributes"]))
    ensure_complete(conn, d.user_base)
    return people


def ensure_complete(conn: ldap3.Connection, base: str) -> None:
    """After a paged search: refuse a partial answer (a server-side size or time limit).
    The sync deactivates whoever is missing, so an incomplete list must never reach it."""
    result = conn.result or {}
    if result.get("description") not in ("success", None):
        raise DirectoryError("ldap.incomplete", base=base,
                             detail=str(result.get("description", ""))[:200])


def check_password(d: LdapDirectory, person: DirectoryPerson, password: str) -> None:
    """Bind as the person with their password; raises DirectoryError ldap.wrong_password
    (or a connection problem)."""
    if not password:
        raise DirectoryError("ldap.wrong_password")  # an empty password is an anonymous bind
    _close(_bound(d, person.dn, password,
                  lambda _detail: DirectoryError("ldap.wrong_password")))
