"""Command line: `python -m helpdesk_app.cli migrate|seed|setup|banner|backfill-reports|
rerate`, the account commands `create-admin`, `check-production`, `disable-demo`
(cli_accounts.py), `backup`, `verify`, `restore` (cli_backup.py) and `privacy-export`,
`privacy-erase` (cli_privacy.py)."""

from __future__ import annotations

import argparse
from pathlib import Path

from alembic.config import Config

from alembic import command
from helpdesk_app.config import REPO_ROOT, get_settings


def alembic_config(database_url: str | None = None) -> Config:
    cfg = Config(str(REPO_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(REPO_ROOT / "alembic"))
    if database_url:
        cfg.attributes["database_url"] = database_url
    return cfg


def migrate(database_url: str | None = None) -> None:
    """Bring the schema to the newest revision (creates the SQLite file if needed)."""
    url = database_url or get_settings().database_url
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), "head")


def seed() -> bool:
    from helpdesk_app.db import session_scope
    from helpdesk_app.demo import seed_demo

    with session_scope() as db:
        return seed_demo(db)


def banner(*, demo: bool = True) -> str:
    from helpdesk_app.demo import DEMO_MAIL_ADDRESS, demo_logins

    base = get_settings().base_url
    lines = ["", "Pomocnik is starting at " + base]
    if demo:
        lines.append("Demo logins (password for all: " + demo_logins()[0][2] + "):")
        lines += [f"  {role:<15} {email}" for role, email, _pw in demo_logins()]
    elif _needs_setup():
        lines.append(f"First run: open {base}/setup to create the first administrator "
                     "(or: python -m helpdesk_app.cli create-admin --help)")
    mail = get_settings().mail
    if mail.listen_port > 0:
        lines.append(f"Mail in: SMTP {mail.listen_host}:{mail.listen_port}, e.g. to "
                     f"{DEMO_MAIL_ADDRESS}")
    lines.append("Mail out: " + (f"relay {mail.relay_host}:{mail.relay_port}" if mail.relay_host
                                 else "waits in the outbox (set POMOCNIK_SMTP_RELAY_HOST)"))
    return "\n".join(lines) + "\n"


def _needs_setup() -> bool:
    from helpdesk_app.db import session_scope
    from helpdesk_app.domain.setup import needs_setup

    with session_scope() as db:
        return needs_setup(db)


def backfill_reports() -> int:
    """After migration 0018: the first-response minutes of tickets answered before it."""
    from helpdesk_app.db import session_scope
    from helpdesk_app.domain.sla_recompute import backfill_first_response
    from helpdesk_app.models.base import utcnow

    def shown(done: int, total: int) -> None:
        print(f"  {done:,}/{total:,} tickets", flush=True)

    with session_scope() as db:
        return backfill_first_response(db, utcnow(), progress=shown)


def rerate(contract_id: int, email: str) -> int:
    """Re-rate a contract's unbilled entries under its current rule (finishes a re-rating
    the page's background run did not complete), as `email` ("worktime.billing")."""
    from sqlmodel import select

    from helpdesk_app.db import session_scope
    from helpdesk_app.domain import worktime_admin
    from helpdesk_app.domain.actor import Actor
    from helpdesk_app.domain.errors import DomainError
    from helpdesk_app.i18n import t
    from helpdesk_app.models import User

    def shown(done: int, total: int) -> None:
        print(f"  {done:,}/{total:,} entries", flush=True)

    with session_scope() as db:
        user = db.exec(select(User).where(User.email == email.strip().lower())).first()
        if user is None:
            raise SystemExit(f"no user {email}")
        try:
            return worktime_admin.rerate_contract(db, Actor.from_user(user), contract_id,
                                                  shown)
        except DomainError as e:
            raise SystemExit(t(e.key, "en", **e.params)) from None


def main(argv: list[str] | None = None) -> None:
    from helpdesk_app import cli_accounts, cli_backup, cli_privacy

    parser = argparse.ArgumentParser(prog="helpdesk_app.cli")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("migrate", "seed", "setup"):
        sub.add_parser(name)
    sub.add_parser("banner").add_argument(
        "--no-demo", action="store_true", help="a production start: no demo logins")
    sub.add_parser("backfill-reports", help="fill the first-response minutes of tickets "
                                            "answered before migration 0018")
    re_rate = sub.add_parser("rerate", help="re-rate a contract's unbilled work entries")
    re_rate.add_argument("contract_id", type=int)
    re_rate.add_argument("--as", dest="email", required=True,
                         help="the admin doing it (needs worktime.billing)")
    cli_accounts.add_parsers(sub)
    cli_backup.add_parsers(sub)
    cli_privacy.add_parsers(sub)
    args = parser.parse_args(argv)
    code = cli_accounts.run(args)
    for module in (cli_backup, cli_privacy):
        if code is None:
            code = module.run(args)
    if code is not None:
        raise SystemExit(code)
    if args.command == "backfill-reports":
        print(f"{backfill_reports():,} tickets filled.")
        return
    if args.command == "rerate":
        print(f"{rerate(args.contract_id, args.email):,} entries re-rated.")
        return
    if args.command in ("migrate", "setup"):
        migrate()
    if args.command in ("seed", "setup"):
        added = seed()
        print("Demo data added." if added else "Demo data already present; nothing added.")
    if args.command in ("banner", "setup"):
        print(banner(demo=not getattr(args, "no_demo", False)))


if __name__ == "__main__":
    main()
