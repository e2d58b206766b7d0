"""substitution, substitution_ticket: staff substitutions with scheduled start and end

Revision ID: 0015_substitutions
Revises: 0014
Create Date: 2026-12-10 08:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0015_substitutions'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('substitution',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('absent_id', sa.Integer(), nullable=False),
    sa.Column('substitute_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('absent_keeps_notifications', sa.Boolean(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['absent_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['substitute_id'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    active = sa.text("state = 'active'")
    scheduled = sa.text("state = 'scheduled'")
    op.create_index('ix_substitution_active_substitute', 'substitution', ['substitute_id'],
                    unique=False, sqlite_where=active, postgresql_where=active)
    op.create_index('ix_substitution_scheduled_starts', 'substitution', ['starts_at'],
                    unique=False, sqlite_where=scheduled, postgresql_where=scheduled)
    op.create_index('ix_substitution_active_ends', 'substitution', ['ends_at'],
                    unique=False, sqlite_where=active, postgresql_where=active)
    op.create_index('ix_substitution_absent_starts', 'substitution',
                    ['absent_id', 'starts_at'], unique=False)
    op.create_index('ix_substitution_substitute', 'substitution', ['substitute_id'],
                    unique=False)
    op.create_table('substitution_ticket',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('substitution_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['substitution_id'], ['substitution.id'], ),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('substitution_id', 'ticket_id', name='uq_substitution_ticket')
    )


def downgrade() -> None:
    op.drop_table('substitution_ticket')
    for name in ('ix_substitution_substitute', 'ix_substitution_absent_starts',
                 'ix_substitution_active_ends', 'ix_substitution_scheduled_starts',
                 'ix_substitution_active_substitute'):
        op.drop_index(name, table_name='substitution')
    op.drop_table('substitution')
