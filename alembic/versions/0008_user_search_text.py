"""user_account.search_text (name and e-mail in lower case) and a (role, full_name) index,
for the requester picker that must stay fast with 100,000 clients

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 04:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_text', sqlmodel.sql.sqltypes.AutoString(length=600),
                                      nullable=False, server_default=''))
        batch_op.create_index('ix_user_role_name', ['role', 'full_name'], unique=False)
    # Existing accounts: Python's lower() folds Polish capitals (Ł, Ś, Ż) like the app does.
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, full_name, email FROM user_account")).all()
    if rows:
        conn.execute(sa.text("UPDATE user_account SET search_text = :t WHERE id = :id"),
                     [{"id": r.id, "t": f"{r.full_name} {r.email}".lower()[:600]} for r in rows])
    # the default only filled the existing rows; the app always writes the column
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.alter_column('search_text', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_index('ix_user_role_name')
        batch_op.drop_column('search_text')
