"""Backup and restore of an install (issue 16): `python -m helpdesk_app.cli backup PATH`,
`restore PATH`, `verify PATH`, and the scheduled backups of jobs/backup.py.
See docs/operations.md, "Backup and restore"."""

from helpdesk_app.backup.create import BackupResult, make_backup
from helpdesk_app.backup.manifest import BackupError, Manifest, verify
from helpdesk_app.backup.restore import RestoreResult, restore_backup

__all__ = ["BackupError", "BackupResult", "Manifest", "RestoreResult", "make_backup",
           "restore_backup", "verify"]
