"""Directory administration: organisation.is_active, several verified mail domains per
organisation (organisation_domain, filled from organisation.email_domain, which goes) and
name indexes for the admin user list

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 07:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('organisation_domain',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('domain', sqlmodel.sql.sqltypes.AutoString(length=253), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('domain')
    )
    with op.batch_alter_table('organisation_domain', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_domain_organisation_id'),
                              ['organisation_id'], unique=False)
    # The existing single domains move over, lower-cased; a domain two organisations
    # claimed stays with the older one (the mail channel matched that one first).
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT id, email_domain, created_at FROM organisation "
        "WHERE email_domain IS NOT NULL ORDER BY id")).all()
    seen: set[str] = set()
    moved = []
    for row in rows:
        domain = (row.email_domain or "").strip().lower().lstrip("@")
        if domain and domain not in seen:
            seen.add(domain)
            moved.append({"org": row.id, "domain": domain[:253], "at": row.created_at})
    if moved:
        conn.execute(sa.text("INSERT INTO organisation_domain (organisation_id, domain, "
                             "created_at) VALUES (:org, :domain, :at)"), moved)
    # Plain ALTER TABLE, no batch copy: on SQLite a copy of `organisation` (DROP + rename)
    # fails its foreign keys once users point at it. SQLite >= 3.35 drops columns itself.
    op.add_column('organisation', sa.Column('is_active', sa.Boolean(), server_default='1',
                                            nullable=False))
    op.execute('ALTER TABLE organisation DROP COLUMN email_domain')
    op.create_index('ix_user_name', 'user_account', ['full_name'], unique=False)
    op.create_index('ix_user_org_name', 'user_account', ['organisation_id', 'full_name'],
                    unique=False)
    op.create_index('ix_user_active_name', 'user_account', ['is_active', 'full_name'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_user_active_name', table_name='user_account')
    op.drop_index('ix_user_org_name', table_name='user_account')
    op.drop_index('ix_user_name', table_name='user_account')
    op.add_column('organisation', sa.Column(
        'email_domain', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
    op.execute('ALTER TABLE organisation DROP COLUMN is_active')
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT organisation_id, min(domain) AS domain FROM organisation_domain "
        "GROUP BY organisation_id")).all()
    if rows:
        conn.execute(sa.text("UPDATE organisation SET email_domain = :d WHERE id = :id"),
                     [{"d": r.domain[:200], "id": r.organisation_id} for r in rows])
    with op.batch_alter_table('organisation_domain', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_domain_organisation_id'))
    op.drop_table('organisation_domain')
