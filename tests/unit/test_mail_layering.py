"""The mail layering (docs/architecture.md, Mail): mail/ builds on domain/, not back.

- domain/ imports nothing from mail/inbound (not even lazily inside a function): the
  admin's "retry" runs the pipeline from mail/inbound/admin_actions.py;
- domain/ imports mail/outbound only where the domain queues mail (notify, and the SLA
  sweep queuing the mails notify rendered);
- mail/outbound is mechanics only and imports nothing from domain/.
Read from the source (every import statement, at any depth), nothing is executed.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[2] / "helpdesk_app"
# domain modules that queue mail in the outbox
# plus the account mails, which are about a person, not a ticket: sign-in codes and login
# alerts (login_alerts.py), invitation and password-reset links (account_tokens.py)
QUEUES_MAIL = {"notification_dispatch.py", "sla_alerts.py", "login_alerts.py",
               "account_tokens.py"}


def _imports(path: Path) -> set[str]:
    """Every module an import statement in `path` names (`from a import b` gives both
    `a` and `a.b`: b may be a submodule)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _modules(folder: str) -> list[Path]:
    return sorted((APP / folder).rglob("*.py"))


@pytest.mark.parametrize("path", _modules("domain"), ids=lambda p: p.name)
def test_domain_never_imports_the_inbound_mail_side(path: Path) -> None:
    inbound = {n for n in _imports(path) if n.startswith("helpdesk_app.mail.inbound")}
    assert inbound == set()


@pytest.mark.parametrize("path", _modules("domain"), ids=lambda p: p.name)
def test_domain_reaches_the_outbox_only_where_it_queues_mail(path: Path) -> None:
    mail = {n for n in _imports(path) if n.startswith("helpdesk_app.mail")}
    if path.name not in QUEUES_MAIL:
        assert mail == set()
    else:
        assert all(n.startswith("helpdesk_app.mail.outbound") for n in mail)


@pytest.mark.parametrize("path", _modules("mail/outbound"), ids=lambda p: p.name)
def test_the_outbound_side_imports_nothing_from_domain(path: Path) -> None:
    assert {n for n in _imports(path) if n.startswith("helpdesk_app.domain")} == set()


def test_the_checker_sees_imports_inside_functions(tmp_path: Path) -> None:
    source = tmp_path / "lazy.py"
    source.write_text("def f():\n    from helpdesk_app.mail.inbound import pipeline\n")
    assert "helpdesk_app.mail.inbound.pipeline" in _imports(source)


def _calls(path: Path) -> set[str]:
    """What `path` calls: `f(...)` gives "f", `a.f(...)` gives "a.f"."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
                names.add(f"{func.value.id}.{func.attr}")
            elif isinstance(func, ast.Name):
                names.add(func.id)
    return names


QUEUING = {"outbox.enqueue", "outbox.enqueue_many", "enqueue", "enqueue_many",
           "templates.render"}


def test_every_outgoing_mail_is_queued_through_notify() -> None:
    """Outside mail/outbound itself, only domain/notification_dispatch.py renders and queues
    mail (the SLA sweep queues, in one batch, the mails dispatch.sla_mail rendered): the mail
    pipeline's auto-reply and rejection included."""
    queuing = {}
    for path in sorted(APP.rglob("*.py")):
        if path.parent == APP / "mail" / "outbound":
            continue
        found = (_calls(path) & QUEUING) | {
            n for n in _imports(path) if n == "helpdesk_app.mail.outbound.templates"
            or n.startswith("helpdesk_app.mail.outbound.outbox.enqueue")}
        if found:
            queuing[str(path.relative_to(APP))] = found
    assert queuing == {
        "domain/notification_dispatch.py": {"outbox.enqueue", "templates.render",
                             "helpdesk_app.mail.outbound.templates"},
        "domain/sla_alerts.py": {"outbox.enqueue_many"},
        # account-security mails (sign-in codes, login alerts; i12-signin): not ticket
        # mails, worded in the i18n catalog (signin.mail.*), queued through the same outbox
        "domain/login_alerts.py": {"outbox.enqueue", "helpdesk_app.mail.outbound.templates"},
        # invitation and reset links (i12-setup), worded in mail/outbound/account_templates
        "domain/account_tokens.py": {"outbox.enqueue"}}
