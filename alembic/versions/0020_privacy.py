"""privacy: RODO erasure may rewrite personal data in audit entries it lists first;
`ticket.anonymised_at` for the retention rule (domain/retention.py)

`audit_redaction` lists the audit entries an erasure rewrote. The append-only triggers of
migration 0014 are replaced by ones that still refuse every DELETE and every UPDATE,
except an UPDATE of a listed row that leaves `id`, `at`, `action`, `actor_id`,
`target_type` and `target_id` as they were (only `actor_label`, `target_label`,
`details` and `address` may change: the pseudonym in place of the person).

Revision ID: 0020_privacy
Revises: 0019_ldap
Create Date: 2026-12-07 15:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0020_privacy'
down_revision: str | None = '0019_ldap'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MESSAGE = "audit_event is append-only"
_SAME = ("NEW.id = OLD.id AND NEW.at = OLD.at AND NEW.action = OLD.action "
         "AND NEW.actor_id IS {same} OLD.actor_id AND NEW.target_type IS {same} OLD.target_type "
         "AND NEW.target_id IS {same} OLD.target_id")
_SQLITE_UPDATE = (
    "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
    "WHEN NOT (EXISTS (SELECT 1 FROM audit_redaction r WHERE r.audit_id = OLD.id) AND "
    + _SAME.format(same="") + ") "
    f"BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END")
_PG_FUNCTION = (
    "CREATE OR REPLACE FUNCTION audit_event_refuse_change() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ BEGIN "
    "IF TG_OP = 'UPDATE' AND EXISTS (SELECT 1 FROM audit_redaction r "
    "WHERE r.audit_id = OLD.id) AND " + _SAME.format(same="NOT DISTINCT FROM") + " "
    "THEN RETURN NEW; END IF; "
    f"RAISE EXCEPTION '{_MESSAGE}'; END $$")
_PG_FUNCTION_OLD = (
    "CREATE OR REPLACE FUNCTION audit_event_refuse_change() RETURNS trigger "
    f"LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '{_MESSAGE}'; END $$")


def upgrade() -> None:
    op.create_table(
        'audit_redaction',
        sa.Column('audit_id', sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column('redacted_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('reason', sa.String(length=100), nullable=False),
    )
    with op.batch_alter_table('ticket') as batch:
        batch.add_column(sa.Column('anonymised_at', sa.DateTime(timezone=True), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
    else:
        op.execute("DROP TRIGGER audit_event_no_update")
        op.execute(_SQLITE_UPDATE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION_OLD)
    else:
        op.execute("DROP TRIGGER audit_event_no_update")
        op.execute("CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
                   f"BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END")
    op.drop_table('audit_redaction')
    with op.batch_alter_table('ticket') as batch:
        batch.drop_column('anonymised_at')
