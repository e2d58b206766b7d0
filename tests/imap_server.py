"""A real Dovecot IMAP server on loopback, for tests of the IMAP poller.

`dovecot_server()` writes a self-contained dovecot.conf in a temp folder (its own
base_dir, state_dir, log file, passwd-file users and maildirs; nothing under /etc or
/var is read or written), starts `dovecot -F` in its own process group on a free port,
waits for the IMAP greeting and yields an `ImapServer`. On exit the whole process group
is stopped, so no Dovecot process outlives the test.

Works as root (mail processes run as Debian's `dovecot` user: Dovecot refuses uid 0) and
as an ordinary user (every Dovecot process runs as that user, without chroot).
"""

from __future__ import annotations

import grp
import os
import pwd
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

import pytest
from imapclient import IMAPClient

DOVECOT = Path("/usr/sbin/dovecot")
OPENSSL = "openssl"
HOST = "127.0.0.1"
DEFAULT_USERS = {"helpdesk@example.test": "imap-pass-1"}
TLS_MODES = ("none", "starttls", "implicit")
STARTUP_SECONDS = 20.0  # a deadline for a slow CI box, not a timing assertion


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def _skip_or_fail(reason: str) -> NoReturn:
    if _in_ci():
        pytest.fail(reason + " [CI=true: the IMAP tests must run, not skip]", pytrace=False)
    pytest.skip(reason)


def require_dovecot() -> None:
    """Skip the calling test when Dovecot is not installed; fail instead in CI."""
    if not os.access(DOVECOT, os.X_OK):
        _skip_or_fail(f"Dovecot not found at {DOVECOT}: install Debian's dovecot-imapd "
                      "(scripts/run-tests.sh does) to run the IMAP tests")


@dataclass
class ImapServer:
    """A running test server; `user`/`password` are the first of `users`."""

    host: str
    port: int
    user: str
    password: str
    users: dict[str, str]
    tls: str  # none / starttls / implicit
    root: Path  # the temp folder with dovecot.conf, the log and the maildirs
    pgid: int  # Dovecot's process group (the master's pid)
    cafile: Path | None = None  # the self-signed certificate, when tls != "none"
    _proc: subprocess.Popen | None = field(default=None, repr=False)

    def stop(self) -> None:
        """Stop Dovecot now (e.g. to cut a client off mid-poll); idempotent."""
        proc, self._proc = self._proc, None
        if proc is not None:
            _stop(proc)

    @property
    def log_path(self) -> Path:
        return self.root / "dovecot.log"

    def log(self) -> str:
        """Dovecot's log so far (useful in an assertion message)."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def ssl_context(self) -> ssl.SSLContext | None:
        """A client context that trusts exactly this server's certificate."""
        if self.cafile is None:
            return None
        return ssl.create_default_context(cafile=str(self.cafile))

    @contextmanager
    def client(self, user: str | None = None) -> Iterator[IMAPClient]:
        """A logged-in imapclient connection as `user` (default: the first user)."""
        user = user or self.user
        client = IMAPClient(self.host, self.port, ssl=self.tls == "implicit",
                            ssl_context=self.ssl_context(), timeout=10)
        try:
            if self.tls == "starttls":
                client.starttls(self.ssl_context())
            client.login(user, self.users[user])
            yield client
        finally:
            with suppress(Exception):
                client.logout()

    def append(self, raw: bytes, folder: str = "INBOX", *, user: str | None = None,
               flags: Sequence[bytes] = ()) -> int:
        """APPEND one raw message (creating the folder if needed); returns its UID."""
        with self.client(user) as c:
            if not c.folder_exists(folder):
                c.create_folder(folder)
            response = c.append(folder, raw, flags=tuple(flags))
        found = re.search(rb"APPENDUID \d+ (\d+)", response or b"")
        assert found, f"no APPENDUID in {response!r}"
        return int(found.group(1))

    def messages(self, folder: str = "INBOX", *, user: str | None = None) -> list[bytes]:
        """The raw bytes of every message in `folder` that is not flagged \\Deleted, oldest
        UID first. A missing folder raises (tests rely on the poller creating them)."""
        with self.client(user) as c:
            c.select_folder(folder, readonly=True)
            uids = sorted(c.search(["UNDELETED"]))
            if not uids:
                return []
            fetched = c.fetch(uids, ["BODY.PEEK[]"])
        return [fetched[uid][b"BODY[]"] for uid in uids]

    def uids(self, folder: str = "INBOX", *, user: str | None = None,
             include_deleted: bool = False) -> list[int]:
        with self.client(user) as c:
            c.select_folder(folder, readonly=True)
            return sorted(c.search(["ALL"] if include_deleted else ["UNDELETED"]))

    def uidvalidity(self, folder: str = "INBOX", *, user: str | None = None) -> int:
        with self.client(user) as c:
            return int(c.select_folder(folder, readonly=True)[b"UIDVALIDITY"])

    def folders(self, *, user: str | None = None) -> list[str]:
        with self.client(user) as c:
            return sorted(name for _flags, _sep, name in c.list_folders())


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _self_signed_cert(folder: Path) -> tuple[Path, Path]:
    """A throwaway certificate for 127.0.0.1 / localhost, made with the openssl CLI."""
    if shutil.which(OPENSSL) is None:
        _skip_or_fail("the openssl command is needed for the IMAP TLS tests")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [OPENSSL, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True)
    return cert, key


def _config(root: Path, port: int, tls: str, cert: tuple[Path, Path] | None,
            mail_uid: int, mail_gid: int, capability: str | None) -> str:
    lines = [
        # own instance, folders and log: nothing of a system Dovecot is touched
        f"instance_name = pomocnik-test-{port}",
        f"base_dir = {root / 'run'}",
        f"state_dir = {root / 'state'}",
        f"log_path = {root / 'dovecot.log'}",
        "protocols = imap",
        f"listen = {HOST}",
        "disable_plaintext_auth = no",
        "auth_mechanisms = plain login",
        "auth_failure_delay = 0",  # the 2 s default only slows the wrong-password tests
        "first_valid_uid = 1",
        f"mail_location = maildir:{root / 'mail'}/%u",
        "passdb {",
        "  driver = passwd-file",
        f"  args = scheme=PLAIN username_format=%u {root / 'passwd'}",
        "}",
        "userdb {",
        "  driver = static",
        f"  args = uid={mail_uid} gid={mail_gid} home={root / 'mail'}/%u",
        "}",
        "namespace inbox {",
        "  inbox = yes",
        "}",
    ]
    if capability is not None:
        lines.append(f"imap_capability = {capability}")
    if tls == "none":
        lines.append("ssl = no")
    else:
        lines += ["ssl = yes", f"ssl_cert = <{cert[0]}", f"ssl_key = <{cert[1]}"]
    imap_port, imaps_port = (0, port) if tls == "implicit" else (port, 0)
    lines += [
        "service imap-login {",
        f"  inet_listener imap {{\n    port = {imap_port}\n  }}",
        f"  inet_listener imaps {{\n    port = {imaps_port}\n    ssl = yes\n  }}",
    ]
    # Without root Dovecot can neither switch users nor chroot: run everything as us.
    rootless = os.geteuid() != 0
    no_chroot = ["  chroot ="] if rootless else []
    lines += [*no_chroot, "}",
              "service anvil {",
              # no growing per-IP delay after failed logins: tests fail logins on purpose
              "  unix_listener anvil-auth-penalty {\n    mode = 0\n  }",
              *no_chroot, "}"]
    if rootless:
        me = pwd.getpwuid(os.getuid()).pw_name
        lines += [f"default_internal_user = {me}", f"default_login_user = {me}",
                  f"default_internal_group = {grp.getgrgid(os.getgid()).gr_name}"]
    return "\n".join(lines) + "\n"


def _mail_owner() -> tuple[int, int]:
    """Who the mail processes run as: Dovecot refuses uid 0, so root lends them the
    `dovecot` system user the Debian package creates."""
    if os.geteuid() != 0:
        return os.getuid(), os.getgid()
    try:
        entry = pwd.getpwnam("dovecot")
    except KeyError:
        entry = pwd.getpwnam("nobody")
    return entry.pw_uid, entry.pw_gid


def _wait_for_greeting(proc: subprocess.Popen, port: int, tls: str,
                       context: ssl.SSLContext | None, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    last = ""
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise _StartFailed(log.read_text(errors="replace") if log.exists() else "")
        try:
            with socket.create_connection((HOST, port), timeout=2) as sock:
                stream = (context.wrap_socket(sock, server_hostname=HOST)
                          if tls == "implicit" and context else sock)
                greeting = stream.recv(200)
            if greeting.startswith(b"* OK"):
                return
            last = repr(greeting)
        except OSError as exc:
            last = str(exc)
        time.sleep(0.05)
    raise RuntimeError(f"Dovecot did not greet on {HOST}:{port} ({last})")


class _StartFailed(RuntimeError):
    pass


def _stop(proc: subprocess.Popen) -> None:
    """Stop the master and everything it started, then reap the master."""
    with suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    # Wait without reaping: while the master is an unreaped zombie its pid (= the group
    # id) cannot be reused, so the SIGKILL below only reaches Dovecot's leftovers.
    while time.monotonic() < deadline:
        if os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
            break
        time.sleep(0.02)
    with suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 10
    while group_processes(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.02)


def group_processes(pgid: int) -> list[int]:
    """Live (not zombie) processes in a process group, read from /proc (Linux)."""
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid pgrp ...": comm may hold spaces, split after the ")"
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z" and int(fields[2]) == pgid:
            found.append(int(entry.name))
    return found


@contextmanager
def dovecot_server(users: Mapping[str, str] | None = None, *, tls: str = "none",
                   capability: str | None = None) -> Iterator[ImapServer]:
    """Run a throwaway Dovecot on 127.0.0.1 and yield it.

    users: login -> password (default DEFAULT_USERS). tls: "none" (plain text),
    "starttls" (plain port offering STARTTLS) or "implicit" (TLS from the first byte);
    both TLS modes use a fresh self-signed certificate, see `ImapServer.ssl_context()`.
    capability: replaces the advertised post-login CAPABILITY list (Dovecot's
    imap_capability), e.g. to hide MOVE from a client."""
    require_dovecot()
    if tls not in TLS_MODES:
        raise ValueError(f"tls must be one of {TLS_MODES}, got {tls!r}")
    users = dict(users or DEFAULT_USERS)
    for name, secret in users.items():
        if not name or any(c in name + secret for c in ":\n\r"):
            raise ValueError(f"user {name!r}: no ':' or line breaks in passwd-file fields")
    root = Path(tempfile.mkdtemp(prefix="pomocnik-dovecot-"))
    proc: subprocess.Popen | None = None
    try:
        # Dovecot's unprivileged processes (auth, login) must reach the files below.
        root.chmod(0o755)
        (root / "passwd").write_text("".join(f"{u}:{{PLAIN}}{p}::::::\n"
                                             for u, p in users.items()))
        (root / "passwd").chmod(0o644)
        uid, gid = _mail_owner()
        (root / "mail").mkdir()
        os.chown(root / "mail", uid, gid)
        cert = _self_signed_cert(root) if tls != "none" else None
        context = ssl.create_default_context(cafile=str(cert[0])) if cert else None
        for attempt in range(3):  # a free port can be taken between probe and bind
            port = _free_port()
            conf = root / "dovecot.conf"
            conf.write_text(_config(root, port, tls, cert, uid, gid, capability))
            (root / "dovecot.log").unlink(missing_ok=True)
            proc = subprocess.Popen([str(DOVECOT), "-F", "-c", str(conf)],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                    start_new_session=True)
            try:
                _wait_for_greeting(proc, port, tls, context, root / "dovecot.log")
                break
            except _StartFailed as exc:
                _stop(proc)
                proc = None
                if "Address already in use" in str(exc) and attempt < 2:
                    continue
                raise RuntimeError(f"Dovecot failed to start:\n{exc}") from None
        assert proc is not None
        first = next(iter(users))
        server = ImapServer(host=HOST, port=port, user=first, password=users[first],
                            users=users, tls=tls, root=root, pgid=proc.pid,
                            cafile=cert[0] if cert else None, _proc=proc)
        proc = None  # the server owns it now
        try:
            yield server
        finally:
            server.stop()
    finally:
        if proc is not None:
            _stop(proc)
        shutil.rmtree(root, ignore_errors=True)
