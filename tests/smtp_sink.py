"""A real SMTP server for tests: aiosmtpd on 127.0.0.1 and a free port that records every
message it accepts (envelope sender, recipients, raw bytes, TLS / login, connection).

    sink = SmtpSink(security="starttls", cert=self_signed_cert(tmp_path),
                    auth=("mailer", "secret")).start()
    ...  # point the code under test at 127.0.0.1:sink.port
    sink.refuse("451 4.3.0 Try again later", times=1)  # the next RCPT gets a 4xx
    sink.stop(); sink.start()                           # an outage, same port
    sink.messages[0].message()["Subject"]

Options: `security` "none" / "starttls" (STARTTLS offered and required before anything
else) / "ssl" (implicit TLS); `auth` (login, password) makes AUTH LOGIN / PLAIN mandatory.
Messages are recorded before the server answers 250, so once the client's send returned,
they are in `messages`: no waiting needed.
"""

from __future__ import annotations

import email
import shutil
import socket
import ssl
import subprocess
import threading
import warnings
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

HOST = "127.0.0.1"
STAGES = ("mail", "rcpt", "data")


def free_port(host: str = HOST) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def self_signed_cert(directory: Path, host: str = HOST) -> tuple[Path, Path]:
    """(certificate, key) for `host`, made with the openssl CLI. RuntimeError without it."""
    openssl = shutil.which("openssl")
    if openssl is None:
        raise RuntimeError("the openssl command is not installed")
    directory.mkdir(parents=True, exist_ok=True)
    cert, key = directory / "smtp-cert.pem", directory / "smtp-key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2",
         "-subj", f"/CN={host}", "-addext", f"subjectAltName=IP:{host},DNS:localhost"],
        check=True, capture_output=True, timeout=60,
    )
    return cert, key


def client_context(cert: Path) -> ssl.SSLContext:
    """A verifying client context that trusts `cert` (and nothing else)."""
    return ssl.create_default_context(cafile=str(cert))


class _Controller(Controller):
    def factory(self):
        # AUTH over implicit TLS looks like AUTH without TLS to aiosmtpd (it only knows
        # STARTTLS) and it warns on every connection; here that is deliberate.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS")
            return super().factory()


@dataclass(frozen=True)
class ReceivedMail:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes
    peer: Any  # the client's (host, port): one value per connection
    tls: bool
    login: str | None  # the authenticated user, if any

    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.raw, policy=default_policy)


@dataclass
class _Refusal:
    status: str
    stage: str
    times: int | None
    rcpt: str | None


class SmtpSink:
    def __init__(self, *, security: str = "none", cert: tuple[Path, Path] | None = None,
                 auth: tuple[str, str] | None = None, port: int | None = None,
                 host: str = HOST) -> None:
        if security not in ("none", "starttls", "ssl"):
            raise ValueError(f"unknown security {security!r}")
        if security != "none" and cert is None:
            raise ValueError("TLS needs cert=(certificate, key), see self_signed_cert()")
        self.security, self.auth, self.host = security, auth, host
        self.port = port or free_port(host)
        self._tls: ssl.SSLContext | None = None
        if cert is not None:
            self._tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            self._tls.load_cert_chain(str(cert[0]), str(cert[1]))
        self._lock = threading.Lock()
        self._messages: list[ReceivedMail] = []
        self._refusals: list[_Refusal] = []
        self.failed_logins = 0
        self._controller: Controller | None = None

    # ------------------------------------------------------------------ control

    def start(self) -> SmtpSink:
        """Listen (again) on `port`; recorded messages are kept across restarts."""
        if self._controller is not None:
            return self
        kwargs: dict[str, Any] = {}
        if self.security == "starttls":
            kwargs.update(tls_context=self._tls, require_starttls=True)
        if self.auth is not None:
            kwargs.update(auth_required=True, authenticator=self._authenticate,
                          # implicit TLS is TLS too; aiosmtpd only knows about STARTTLS
                          auth_require_tls=self.security == "starttls")
        controller = _Controller(
            _Handler(self), hostname=self.host, port=self.port,
            ssl_context=self._tls if self.security == "ssl" else None,
            server_hostname="sink.test", ready_timeout=10, **kwargs)
        controller.start()
        self._controller = controller
        return self

    def stop(self) -> None:
        """Stop listening: connections are refused until `start()` (an outage)."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def restart(self) -> None:
        self.stop()
        self.start()

    @property
    def running(self) -> bool:
        return self._controller is not None

    def __enter__(self) -> SmtpSink:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def refuse(self, status: str, *, stage: str = "rcpt", times: int | None = None,
               rcpt: str | None = None) -> None:
        """Answer `status` (e.g. "451 4.3.0 Try again later", "550 5.1.1 No such user") at
        MAIL, RCPT or DATA: `times` times (None: until `accept()`), only for recipient
        `rcpt` when given."""
        if stage not in STAGES:
            raise ValueError(f"stage must be one of {STAGES}")
        with self._lock:
            self._refusals.append(_Refusal(status, stage, times,
                                           rcpt.lower() if rcpt else None))

    def accept(self) -> None:
        """Forget every refusal: accept everything again."""
        with self._lock:
            self._refusals.clear()

    @property
    def messages(self) -> list[ReceivedMail]:
        with self._lock:
            return list(self._messages)

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()

    # ------------------------------------------------------------------ server side

    def _refusal(self, stage: str, recipients: list[str]) -> str | None:
        wanted = {r.lower() for r in recipients}
        with self._lock:
            for refusal in self._refusals:
                if refusal.stage != stage or (refusal.rcpt and refusal.rcpt not in wanted):
                    continue
                if refusal.times is not None:
                    refusal.times -= 1
                    if refusal.times <= 0:
                        self._refusals.remove(refusal)
                return refusal.status
        return None

    def _record(self, mail: ReceivedMail) -> None:
        with self._lock:
            self._messages.append(mail)

    def _authenticate(self, server, session, envelope, mechanism: str,
                      auth_data: Any) -> AuthResult:
        assert self.auth is not None
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login.decode() == self.auth[0]
              and auth_data.password.decode() == self.auth[1])
        if not ok:
            with self._lock:
                self.failed_logins += 1
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        refusal = self.sink._refusal("mail", [])
        if refusal:
            return refusal
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        refusal = self.sink._refusal("rcpt", [address])
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        refusal = self.sink._refusal("data", list(envelope.rcpt_tos))
        if refusal:
            return refusal
        login = session.auth_data.login.decode() if session.auth_data else None
        tls = server.transport.get_extra_info("ssl_object") is not None
        self.sink._record(ReceivedMail(
            mail_from=envelope.mail_from, rcpt_tos=tuple(envelope.rcpt_tos),
            raw=bytes(envelope.original_content or envelope.content), peer=session.peer,
            tls=tls, login=login))
        return "250 2.0.0 Message accepted"
