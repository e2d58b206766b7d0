"""Account commands of `python -m helpdesk_app.cli` (i12-setup):

  create-admin --email E --name N [--password-stdin] [--organisation O] [--language pl]
               [--timezone Europe/Warsaw] [--additional]
      On an empty database: the first-run setup from a script (the /setup page is gone
      afterwards); --organisation names the service provider and is required then.
      On an installed system it refuses (exit 2), unless --additional: then it adds a
      further administrator to the provider organisation.
      The password comes from the first line of stdin (--password-stdin) or is asked twice
      on the terminal; it must pass the password policy.
  check-production
      Exit 3 with a message when demo accounts with the published demo password exist
      (scripts/run-app.sh runs it before a production start, POMOCNIK_DEMO=0).
  disable-demo
      Deactivate those demo accounts (their password is removed, sessions end).

Exit codes: 0 done, 2 bad input or refused, 3 demo accounts present.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from helpdesk_app.domain.errors import DomainError, FormInvalid
from helpdesk_app.i18n import t

BAD_INPUT = 2
DEMO_PRESENT = 3
# form field -> the option that sets it
_OPTION = {"provider_name": "--organisation", "admin_name": "--name",
           "admin_email": "--email", "password": "password", "repeat": "password",
           "language": "--language", "timezone": "--timezone"}


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("create-admin", help="create the first (or, with --additional, a "
                                            "further) administrator")
    p.add_argument("--email", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--organisation", default="",
                   help="service provider's name (required on an empty database)")
    p.add_argument("--language", default=None, help="pl or en (default: POMOCNIK_LANGUAGE)")
    p.add_argument("--timezone", default=None, help="IANA zone (default: POMOCNIK_TIMEZONE)")
    p.add_argument("--password-stdin", action="store_true",
                   help="read the password from the first line of standard input")
    p.add_argument("--additional", action="store_true",
                   help="add an administrator to a system that already has users")
    sub.add_parser("check-production", help="exit 3 if demo accounts are present")
    sub.add_parser("disable-demo", help="deactivate the demo accounts")


def _fail(message: str, code: int = BAD_INPUT) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


def _explain(e: DomainError) -> str:
    if isinstance(e, FormInvalid):
        return "; ".join(f"{_OPTION.get(field, field)}: {t(key, 'en', **params)}"
                         for field, (key, params) in e.errors.items())
    return t(e.key, "en", **e.params)


def _read_password(from_stdin: bool) -> str | None:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        return None
    first = getpass.getpass("Password: ")
    if getpass.getpass("Repeat the password: ") != first:
        raise ValueError("the passwords do not match")
    return first


def create_admin(args: argparse.Namespace) -> int:
    from helpdesk_app.config import get_settings
    from helpdesk_app.db import session_scope
    from helpdesk_app.domain import setup

    settings = get_settings()
    language = args.language or settings.default_language
    timezone = args.timezone or settings.default_timezone
    with session_scope() as db:
        first = setup.needs_setup(db)
        if not first and not args.additional:
            return _fail("this installation already has users (an administrator exists); "
                         "use --additional to add a further administrator")
        if first and not args.organisation.strip():
            return _fail("--organisation (the service provider's name) is required on an "
                         "empty database")
        try:
            password = _read_password(args.password_stdin)
        except ValueError as e:
            return _fail(str(e))
        if password is None:
            return _fail("no password: pass it on stdin with --password-stdin or run in a "
                         "terminal")
        try:
            if first:
                admin = setup.complete_setup(db, setup.SetupForm(
                    args.organisation, args.name, args.email, password, password, language,
                    timezone))
            else:
                admin = setup.add_admin(db, name=args.name, email=args.email,
                                        password=password, language=language,
                                        timezone=timezone)
        except DomainError as e:
            return _fail(_explain(e))
    print(f"Administrator {admin.email} created" + (" (first-run setup complete)." if first
                                                     else "."))
    return 0


def check_production() -> int:
    from helpdesk_app.db import session_scope
    from helpdesk_app.demo import live_demo_accounts

    with session_scope() as db:
        present = live_demo_accounts(db)
    if not present:
        return 0
    print(f"error: this database holds {len(present)} demo accounts with the published demo "
          "password (e.g. " + ", ".join(present[:3]) + ").\n"
          "A production start (POMOCNIK_DEMO=0) never runs with them. Either start from a "
          "fresh database (DATABASE_URL / POMOCNIK_DATA_DIR), or deactivate them with:\n"
          "  python -m helpdesk_app.cli disable-demo", file=sys.stderr)
    return DEMO_PRESENT


def disable_demo() -> int:
    from helpdesk_app.db import session_scope
    from helpdesk_app.demo import disable_demo_accounts

    with session_scope() as db:
        n = disable_demo_accounts(db)
    print(f"{n} demo accounts deactivated.")
    return 0


def run(args: argparse.Namespace) -> int | None:
    """Run an account command; None when `args.command` is not one of them."""
    if args.command == "create-admin":
        return create_admin(args)
    if args.command == "check-production":
        return check_production()
    if args.command == "disable-demo":
        return disable_demo()
    return None
