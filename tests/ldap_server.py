"""A real OpenLDAP server (Debian's `slapd`) on loopback, for the directory sign-in tests.

`slapd_server()` writes a self-contained slapd.conf in a temp folder (its own mdb database,
pid and args files; nothing under /etc/ldap or /var is written), loads a small tree with
`slapadd`, makes a CA and a server certificate with openssl, starts `slapd -d 0` (in the
foreground, its own process group) on free ports for ldap:// (StartTLS offered) and
ldaps://, waits until it answers and yields an `LdapServer`. On exit the process group is
stopped.

The tree (dc=uczelnia,dc=test):
  ou=people:  jkowalski (Jan Kowalski, staff), anowak (Anna Nowak, staff),
              zwisniewska (Zofia Wiśniewska, students' office), ex-employee (disabled:
              in no group, pwdAccountLockedTime-like marker through the filter)
  ou=groups:  helpdesk-staff (jkowalski, anowak), helpdesk-admins (jkowalski),
              dziekanat (zwisniewska)
  cn=binder,ou=services: the service account the app binds as
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import pytest

SLAPD = Path("/usr/sbin/slapd")
SLAPADD = Path("/usr/sbin/slapadd")
HOST = "127.0.0.1"
BASE = "dc=uczelnia,dc=test"
ROOT_DN = f"cn=admin,{BASE}"
ROOT_PW = "root-secret"
BIND_DN = f"cn=binder,ou=services,{BASE}"
BIND_PW = "binder-secret"
LIMITED_DN = f"cn=limited,ou=services,{BASE}"  # a service account with a size limit of 2
PEOPLE = f"ou=people,{BASE}"
GROUPS = f"ou=groups,{BASE}"
PASSWORDS = {"jkowalski": "Kowalski-haslo-1", "anowak": "Nowak-haslo-2",
             "zwisniewska": "Wisniewska-haslo-3", "ex-employee": "Ex-haslo-4"}
STARTUP_SECONDS = 20.0  # a deadline for a slow CI box, not a timing assertion


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def require_slapd() -> None:
    if SLAPD.exists() and SLAPADD.exists() and shutil.which("openssl") and shutil.which(
            "ldapmodify"):
        return
    reason = ("OpenLDAP's slapd not found (apt-get install slapd ldap-utils; "
              "scripts/run-tests.sh installs it when run as root)")
    if _in_ci():
        pytest.fail(reason + " [CI=true: directory tests must run, not skip]", pytrace=False)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


@dataclass
class LdapServer:
    folder: Path
    port: int  # ldap:// (StartTLS available)
    tls_port: int  # ldaps://
    ca_pem: str  # the CA that signed the server's certificate
    other_ca_pem: str  # a CA that did not (for the "TLS mismatch" cases)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"ldap://{HOST}:{self.port}"

    @property
    def ldaps_url(self) -> str:
        return f"ldaps://{HOST}:{self.tls_port}"

    def modify(self, ldif: str) -> None:
        """Change the tree while the server runs (ldapmodify as the root DN)."""
        subprocess.run(["ldapmodify", "-x", "-H", self.url, "-D", ROOT_DN, "-w", ROOT_PW],
                       input=ldif, text=True, check=True, capture_output=True)

    def add(self, ldif: str) -> None:
        subprocess.run(["ldapadd", "-x", "-H", self.url, "-D", ROOT_DN, "-w", ROOT_PW],
                       input=ldif, text=True, check=True, capture_output=True)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)


def _person(uid: str, given: str, sn: str, *, mail: str, phone: str, dept: str) -> str:
    return (f"dn: uid={uid},{PEOPLE}\nobjectClass: inetOrgPerson\nuid: {uid}\n"
            f"cn: {given} {sn}\ngivenName: {given}\nsn: {sn}\nmail: {mail}\n"
            f"telephoneNumber: {phone}\ndepartmentNumber: {dept}\n"
            f"userPassword: {PASSWORDS[uid]}\n")


def _group(cn: str, *uids: str) -> str:
    members = "".join(f"member: uid={u},{PEOPLE}\n" for u in uids)
    return f"dn: cn={cn},{GROUPS}\nobjectClass: groupOfNames\ncn: {cn}\n{members}"


def seed_ldif() -> str:
    entries = [
        f"dn: {BASE}\nobjectClass: dcObject\nobjectClass: organization\ndc: uczelnia\n"
        "o: Uczelnia Testowa\n",
        f"dn: {PEOPLE}\nobjectClass: organizationalUnit\nou: people\n",
        f"dn: {GROUPS}\nobjectClass: organizationalUnit\nou: groups\n",
        f"dn: ou=services,{BASE}\nobjectClass: organizationalUnit\nou: services\n",
        f"dn: {BIND_DN}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\n"
        f"cn: binder\nuserPassword: {BIND_PW}\n",
        f"dn: {LIMITED_DN}\nobjectClass: organizationalRole\n"
        f"objectClass: simpleSecurityObject\ncn: limited\nuserPassword: {BIND_PW}\n",
        _person("jkowalski", "Jan", "Kowalski", mail="Jan.Kowalski@uczelnia.test",
                phone="+48 42 631 00 01", dept="Centrum Informatyczne"),
        _person("anowak", "Anna", "Nowak", mail="anna.nowak@uczelnia.test",
                phone="+48 42 631 00 02", dept="Centrum Informatyczne"),
        _person("zwisniewska", "Zofia", "Wiśniewska", mail="zofia.wisniewska@uczelnia.test",
                phone="+48 42 631 00 03", dept="Dziekanat WEEIA"),
        _person("ex-employee", "Ewa", "Była", mail="ewa.byla@uczelnia.test",
                phone="+48 42 631 00 04", dept="—"),
        _group("helpdesk-staff", "jkowalski", "anowak"),
        _group("helpdesk-admins", "jkowalski"),
        _group("dziekanat", "zwisniewska"),
    ]
    return "\n".join(entries)


def _config(folder: Path, server_cert: Path, server_key: Path, ca: Path) -> str:
    schema = Path("/etc/ldap/schema")
    return f"""\
include {schema}/core.schema
include {schema}/cosine.schema
include {schema}/inetorgperson.schema
include {schema}/nis.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile {folder}/slapd.pid
argsfile {folder}/slapd.args
# like Active Directory's MaxPageSize: one answer holds at most 500 entries, a paged
# search may read them all; "limited" is a service account whose reads are cut at 2
sizelimit size.soft=500 size.hard=500 size.prtotal=unlimited
TLSCACertificateFile {ca}
TLSCertificateFile {server_cert}
TLSCertificateKeyFile {server_key}
access to attrs=userPassword
  by self write
  by anonymous auth
  by * none
access to *
  by dn.exact="{BIND_DN}" read
  by dn.exact="{LIMITED_DN}" read
  by self read
  by * none
database mdb
maxsize 1073741824
suffix "{BASE}"
rootdn "{ROOT_DN}"
rootpw {ROOT_PW}
limits dn.exact="{LIMITED_DN}" size.soft=2 size.hard=2 size.prtotal=2
directory {folder}/db
index objectClass eq
index uid,mail eq
index member eq
"""


def _openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True)


def make_ca(folder: Path, name: str) -> tuple[Path, Path]:
    key, cert = folder / f"{name}.key", folder / f"{name}.pem"
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3",
             "-subj", f"/CN={name}", "-keyout", str(key), "-out", str(cert))
    return cert, key


def _server_cert(folder: Path, ca: Path, ca_key: Path) -> tuple[Path, Path]:
    key, csr, cert = folder / "server.key", folder / "server.csr", folder / "server.pem"
    ext = folder / "san.cnf"
    ext.write_text(f"subjectAltName=IP:{HOST},DNS:localhost\n")
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
             "-keyout", str(key), "-out", str(csr))
    _openssl("x509", "-req", "-in", str(csr), "-CA", str(ca), "-CAkey", str(ca_key),
             "-CAcreateserial", "-days", "3", "-extfile", str(ext), "-out", str(cert))
    key.chmod(0o644)  # slapd may run as another user when started by root elsewhere
    return cert, key


def _wait(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"slapd exited: {log.read_text()[-3000:]}")
        with suppress(OSError), socket.create_connection((HOST, port), timeout=0.5):
            return
        time.sleep(0.05)
    raise RuntimeError(f"slapd did not answer within {STARTUP_SECONDS} s")


@contextmanager
def slapd_server(extra_ldif: str = "") -> Iterator[LdapServer]:
    """The server with the tree above, plus `extra_ldif` (loaded by slapadd before start:
    benchmarks/ldap_signin.py adds thousands of people this way in seconds)."""
    require_slapd()
    folder = Path(tempfile.mkdtemp(prefix="pomocnik-slapd-"))
    try:
        ca, ca_key = make_ca(folder, "test-ca")
        other_ca, _ = make_ca(folder, "other-ca")
        cert, key = _server_cert(folder, ca, ca_key)
        (folder / "db").mkdir()
        conf = folder / "slapd.conf"
        conf.write_text(_config(folder, cert, key, ca))
        seed = folder / "seed.ldif"
        seed.write_text(seed_ldif() + ("\n" + extra_ldif if extra_ldif else ""),
                        encoding="utf-8")
        subprocess.run([str(SLAPADD), "-f", str(conf), "-l", str(seed)], check=True,
                       capture_output=True)
        server = LdapServer(folder, free_port(), free_port(), ca.read_text(),
                            other_ca.read_text())
        log = folder / "slapd.log"
        with log.open("wb") as out:
            server.process = subprocess.Popen(
                [str(SLAPD), "-f", str(conf), "-d", "0",
                 "-h", f"{server.url}/ {server.ldaps_url}/"],
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            _wait(server.port, server.process, log)
            _wait(server.tls_port, server.process, log)
            yield server
        finally:
            server.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
