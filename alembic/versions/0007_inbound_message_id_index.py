"""inbound_mail: (message_id, status) index instead of message_id alone

Without table statistics SQLite answered "message_id = ? AND status = 'done'" (duplicate
detection, threading) through the (status, id) index, i.e. by walking every processed
message; with both columns in one index it looks the message up directly.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21 14:50:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('inbound_mail', schema=None) as batch_op:
        batch_op.drop_index('ix_inbound_mail_message_id')
        batch_op.create_index('ix_inbound_mail_message_id_status', ['message_id', 'status'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('inbound_mail', schema=None) as batch_op:
        batch_op.drop_index('ix_inbound_mail_message_id_status')
        batch_op.create_index('ix_inbound_mail_message_id', ['message_id'], unique=False)
