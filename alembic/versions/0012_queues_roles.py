"""queues and roles: queue.position, queue_member, custom_role, user_account.custom_role_id

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 07:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('queue', schema=None) as batch_op:
        batch_op.add_column(sa.Column('position', sa.Integer(), nullable=False,
                                      server_default='0'))
    # Existing queues keep the order they had in the lists (by name).
    conn = op.get_bind()
    names = conn.execute(sa.text("SELECT id FROM queue ORDER BY name")).all()
    if names:
        conn.execute(sa.text("UPDATE queue SET position = :p WHERE id = :id"),
                     [{"id": r.id, "p": i} for i, r in enumerate(names)])
    with op.batch_alter_table('queue', schema=None) as batch_op:
        batch_op.alter_column('position', server_default=None)

    op.create_table('custom_role',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('base_role', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('permissions', sa.JSON(), nullable=False),
    sa.Column('limit_to_queues', sa.Boolean(), nullable=False),
    sa.Column('queue_ids', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('queue_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('queue_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['queue_id'], ['queue.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('queue_id', 'user_id', name='uq_queue_member')
    )
    with op.batch_alter_table('queue_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_queue_member_queue_id'), ['queue_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_queue_member_user_id'), ['user_id'], unique=False)
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('custom_role_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_user_account_custom_role_id'), ['custom_role_id'],
                              unique=False)
        batch_op.create_foreign_key('fk_user_account_custom_role_id', 'custom_role',
                                    ['custom_role_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint('fk_user_account_custom_role_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_user_account_custom_role_id'))
        batch_op.drop_column('custom_role_id')
    with op.batch_alter_table('queue_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_queue_member_user_id'))
        batch_op.drop_index(batch_op.f('ix_queue_member_queue_id'))
    op.drop_table('queue_member')
    op.drop_table('custom_role')
    with op.batch_alter_table('queue', schema=None) as batch_op:
        batch_op.drop_column('position')
