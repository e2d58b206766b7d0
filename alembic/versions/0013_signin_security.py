"""signin security: second factors, recovery codes, pending sign-ins, known devices,
2FA per role, alert subscriptions; session address and browser

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 07:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table('user_session') as batch:
        batch.add_column(sa.Column('client_ip', sa.String(length=64), nullable=False,
                                   server_default=''))
        batch.add_column(sa.Column('user_agent', sa.String(length=300), nullable=False,
                                   server_default=''))
    with op.batch_alter_table('user_session') as batch:  # the default only filled old rows
        batch.alter_column('client_ip', server_default=None)
        batch.alter_column('user_agent', server_default=None)
    op.create_table('user_factor',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('secret', sa.String(length=64), nullable=False),
    sa.Column('confirmed', sa.Boolean(), nullable=False),
    sa.Column('last_step', sa.Integer(), nullable=False),
    _when('created_at'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'kind', name='uq_user_factor_kind')
    )
    op.create_index(op.f('ix_user_factor_user_id'), 'user_factor', ['user_id'], unique=False)
    op.create_table('recovery_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    _when('used_at', nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_recovery_code_user_id'), 'recovery_code', ['user_id'], unique=False)
    op.create_index(op.f('ix_recovery_code_code_hash'), 'recovery_code', ['code_hash'],
                    unique=False)
    op.create_table('pending_login',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    _when('expires_at'),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('must_enrol', sa.Boolean(), nullable=False),
    sa.Column('enrol_secret', sa.String(length=64), nullable=False),
    sa.Column('email_code_hash', sa.String(length=64), nullable=False),
    _when('email_code_expires_at', nullable=True),
    sa.Column('email_codes_sent', sa.Integer(), nullable=False),
    sa.Column('client_ip', sa.String(length=64), nullable=False),
    sa.Column('user_agent', sa.String(length=300), nullable=False),
    sa.Column('ready', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_pending_login_token_hash'), 'pending_login', ['token_hash'],
                    unique=True)
    op.create_index(op.f('ix_pending_login_user_id'), 'pending_login', ['user_id'], unique=False)
    op.create_table('known_device',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    _when('first_seen_at'),
    _when('last_seen_at'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'fingerprint', name='uq_known_device')
    )
    op.create_index(op.f('ix_known_device_user_id'), 'known_device', ['user_id'], unique=False)
    op.create_table('security_policy',
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('require_2fa', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('role')
    )
    op.create_table('security_alert_subscription',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('user_id')
    )
    op.create_table('failed_login_alert',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    _when('last_sent_at', nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('user_id')
    )


def downgrade() -> None:
    op.drop_table('failed_login_alert')
    op.drop_table('security_alert_subscription')
    op.drop_table('security_policy')
    op.drop_index(op.f('ix_known_device_user_id'), table_name='known_device')
    op.drop_table('known_device')
    op.drop_index(op.f('ix_pending_login_user_id'), table_name='pending_login')
    op.drop_index(op.f('ix_pending_login_token_hash'), table_name='pending_login')
    op.drop_table('pending_login')
    op.drop_index(op.f('ix_recovery_code_code_hash'), table_name='recovery_code')
    op.drop_index(op.f('ix_recovery_code_user_id'), table_name='recovery_code')
    op.drop_table('recovery_code')
    op.drop_index(op.f('ix_user_factor_user_id'), table_name='user_factor')
    op.drop_table('user_factor')
    with op.batch_alter_table('user_session') as batch:
        batch.drop_column('user_agent')
        batch.drop_column('client_ip')
