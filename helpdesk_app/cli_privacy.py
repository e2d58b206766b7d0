"""RODO commands of `python -m helpdesk_app.cli` (issue 16), for scripted requests; the
admin page /admin/users does the same with a preview and progress:

  privacy-export EMAIL PATH --as ADMIN_EMAIL
      a ZIP of everything the helpdesk holds about the person with that e-mail
  privacy-erase EMAIL --as ADMIN_EMAIL [--confirm EMAIL]
      without --confirm: what would change; with it (the same e-mail again): erase

Exit codes: 0 done, 2 refused (unknown person or admin, wrong confirmation).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from sqlmodel import select

REFUSED = 2
COMMANDS = ("privacy-export", "privacy-erase")


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("privacy-export", help="RODO: export one person's data as a ZIP")
    p.add_argument("email")
    p.add_argument("path", type=Path)
    p.add_argument("--as", dest="admin", required=True, help="the admin doing it")
    e = sub.add_parser("privacy-erase", help="RODO: erase one person's data (preview first)")
    e.add_argument("email")
    e.add_argument("--as", dest="admin", required=True, help="the admin doing it")
    e.add_argument("--confirm", default="", help="the person's e-mail again: erase now")


def run(args: argparse.Namespace) -> int | None:
    if args.command not in COMMANDS:
        return None
    from helpdesk_app.db import session_scope
    from helpdesk_app.domain import privacy_erasure, privacy_export
    from helpdesk_app.domain.actor import Actor
    from helpdesk_app.domain.errors import DomainError
    from helpdesk_app.i18n import t
    from helpdesk_app.models import User

    with session_scope() as db:
        admin = db.exec(select(User).where(User.email == args.admin.strip().lower())).first()
        person = db.exec(select(User).where(User.email == args.email.strip().lower())).first()
        if admin is None or person is None:
            print(f"ERROR: no user {args.admin if admin is None else args.email}")
            return REFUSED
        actor = Actor.from_user(admin)
        try:
            if args.command == "privacy-export":
                counts = privacy_export.export_person(db, actor, person.id, args.path)
                print(f"Written {args.path}: {json.dumps(counts)}")
            elif not args.confirm:
                plan = privacy_erasure.preview(db, actor, person.id)
                print("Would change (nothing written; repeat with --confirm EMAIL):")
                print(json.dumps(privacy_erasure.summary(plan), indent=1, ensure_ascii=False))
            else:
                plan = privacy_erasure.erase(db, actor, person.id, args.confirm)
                print(f"Erased; the person is now {plan.pseudonym}:")
                print(json.dumps(privacy_erasure.summary(plan), indent=1, ensure_ascii=False))
        except DomainError as e:
            print("ERROR: " + t(e.key, "en", **e.params))
            return REFUSED
    return 0
