"""ldap: directories whose people sign in with their LDAP / Active Directory password
(issue 16), and the directory link, phone and department on accounts

Revision ID: 0019_ldap
Revises: 0018_reports
Create Date: 2026-12-07 14:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0019_ldap'
down_revision: str | None = '0018_reports'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        'ldap_directory',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('name', sa.String(length=100), nullable=False, unique=True),
        sa.Column('is_active', sa.Boolean(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('hosts', sa.JSON(), nullable=False),
        sa.Column('security', sa.String(length=10), nullable=False),
        sa.Column('ca_cert_pem', sa.String(), nullable=False),
        sa.Column('timeout_seconds', sa.Integer(), nullable=False),
        sa.Column('bind_dn', sa.String(length=500), nullable=False),
        sa.Column('bind_password_enc', sa.String(), nullable=False),
        sa.Column('user_base', sa.String(length=500), nullable=False),
        sa.Column('user_filter', sa.String(length=500), nullable=False),
        sa.Column('login_attr', sa.String(length=60), nullable=False),
        sa.Column('email_attr', sa.String(length=60), nullable=False),
        sa.Column('first_name_attr', sa.String(length=60), nullable=False),
        sa.Column('last_name_attr', sa.String(length=60), nullable=False),
        sa.Column('phone_attr', sa.String(length=60), nullable=False),
        sa.Column('department_attr', sa.String(length=60), nullable=False),
        sa.Column('group_base', sa.String(length=500), nullable=False),
        sa.Column('group_mappings', sa.JSON(), nullable=False),
        sa.Column('default_role', sa.String(length=20), nullable=False),
        sa.Column('default_organisation_id', sa.Integer(),
                  sa.ForeignKey('organisation.id'), nullable=True),
        sa.Column('created_at', _TS, nullable=False),
        sa.Column('last_sync_at', _TS, nullable=True),
        sa.Column('last_sync_report', sa.JSON(), nullable=False),
    )
    with op.batch_alter_table('user_account') as batch:
        batch.add_column(sa.Column('ldap_directory_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('ldap_dn', sa.String(length=500), nullable=False,
                                   server_default=''))
        batch.add_column(sa.Column('ldap_login', sa.String(length=200), nullable=False,
                                   server_default=''))
        batch.add_column(sa.Column('phone', sa.String(length=60), nullable=False,
                                   server_default=''))
        batch.add_column(sa.Column('department', sa.String(length=200), nullable=False,
                                   server_default=''))
        batch.create_foreign_key('fk_user_account_ldap_directory', 'ldap_directory',
                                 ['ldap_directory_id'], ['id'])
        batch.create_index('ix_user_account_ldap_directory_id', ['ldap_directory_id'])
        batch.create_index('ix_user_account_ldap_login', ['ldap_login'])
    with op.batch_alter_table('user_account') as batch:  # the defaults only filled old rows
        for name in ('ldap_dn', 'ldap_login', 'phone', 'department'):
            batch.alter_column(name, server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('user_account') as batch:
        batch.drop_index('ix_user_account_ldap_login')
        batch.drop_index('ix_user_account_ldap_directory_id')
        batch.drop_constraint('fk_user_account_ldap_directory', type_='foreignkey')
        for name in ('department', 'phone', 'ldap_login', 'ldap_dn', 'ldap_directory_id'):
            batch.drop_column(name)
    op.drop_table('ldap_directory')
