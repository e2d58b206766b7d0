"""Command line: `python -m helpdesk_app.cli migrate|seed|banner`."""

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


def banner() -> str:
    from helpdesk_app.demo import DEMO_MAIL_ADDRESS, demo_logins

    lines = [
        "",
        "Pomocnik is starting at " + get_settings().base_url,
        "Demo logins (password for all: " + demo_logins()[0][2] + "):",
    ]
    lines += [f"  {role:<15} {email}" for role, email, _pw in demo_logins()]
    mail = get_settings().mail
    if mail.listen_port > 0:
        lines.append(f"Mail in: SMTP {mail.listen_host}:{mail.listen_port}, e.g. to "
                     f"{DEMO_MAIL_ADDRESS}")
    lines.append("Mail out: " + (f"relay {mail.relay_host}:{mail.relay_port}" if mail.relay_host
                                 else "waits in the outbox (set POMOCNIK_SMTP_RELAY_HOST)"))
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="helpdesk_app.cli")
    parser.add_argument("command", choices=["migrate", "seed", "setup", "banner"])
    args = parser.parse_args(argv)
    if args.command in ("migrate", "setup"):
        migrate()
    if args.command in ("seed", "setup"):
        added = seed()
        print("Demo data added." if added else "Demo data already present; nothing added.")
    if args.command in ("banner", "setup"):
        print(banner())


if __name__ == "__main__":
    main()
