"""Backup commands of `python -m helpdesk_app.cli` (issue 16):

  backup PATH     a consistent backup of the running install into the new folder PATH
                  (database snapshot, attachment store, secret key, manifest.json)
  verify PATH     re-check every file of a backup against its manifest
  restore PATH    bring a backup back into an empty data folder / empty database (the
                  POMOCNIK_DATA_DIR, DATABASE_URL and POMOCNIK_ATTACHMENTS_DIR of this
                  environment), then check the restored data against the manifest

Exit codes: 0 done, 2 refused or failed (nothing half-done is left), 4 backup made but
the store lacked files the database names (listed; they could not be saved).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

FAILED = 2
INCOMPLETE = 4
COMMANDS = ("backup", "verify", "restore")


def add_parsers(sub: argparse._SubParsersAction) -> None:
    sub.add_parser("backup", help="back up the database and attachments into a new folder"
                   ).add_argument("path", type=Path)
    sub.add_parser("verify", help="check a backup folder against its manifest"
                   ).add_argument("path", type=Path)
    sub.add_parser("restore", help="restore a backup into an empty data folder"
                   ).add_argument("path", type=Path)


def _progress(step: str, done: int, total: int) -> None:
    print(f"  {step}: {done:,}/{total:,}", flush=True)


def run(args: argparse.Namespace) -> int | None:
    """Handle a backup command (its exit code), or None when it is not one."""
    if args.command not in COMMANDS:
        return None
    from helpdesk_app.backup import BackupError, make_backup, restore_backup, verify

    try:
        if args.command == "backup":
            result = make_backup(args.path, progress=_progress)
            m = result.manifest
            print(f"Backup written to {result.folder} in {result.seconds:.1f} s: "
                  f"{m.counts['ticket']:,} tickets, {m.counts['attachment']:,} attachments, "
                  f"{m.counts['inbound_mail']:,} received mails.")
            for problem in m.problems:
                print("  problem:", problem, file=sys.stderr)
            return INCOMPLETE if m.problems else 0
        if args.command == "verify":
            problems = verify(args.path)
            for problem in problems:
                print("  " + problem, file=sys.stderr)
            print("The backup checks out." if not problems else
                  f"{len(problems)} problem(s) found.")
            return FAILED if problems else 0
        restored = restore_backup(args.path)
        print(f"Restored and checked: {restored.counts['ticket']:,} tickets, "
              f"{restored.attachments:,} attachments, "
              f"{restored.counts['inbound_mail']:,} received mails "
              f"(backup of {restored.manifest.created_at}). Start the app as usual; it "
              "migrates an older backup's schema on start.")
        return 0
    except BackupError as exc:
        print(f"ERROR: {exc}", file=sys.stderr)
        return FAILED
