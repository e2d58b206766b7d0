"""subcontractors: the subcontractor role, contract assignments, ticket handovers,
internal events shared with a subcontractor

People of subcontractor organisations worked as technicians until now: they become
"subcontractor" (and lose any custom role, which only staff may carry). A downgrade makes
them technicians again.

Revision ID: 0016
Revises: 0015_substitutions
Create Date: 2026-12-13 07:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0016'
down_revision: str | None = '0015_substitutions'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SUBCONTRACTOR_PEOPLE = ("organisation_id IN (SELECT id FROM organisation "
                         "WHERE kind = 'subcontractor')")


def upgrade() -> None:
    op.create_table('contract_subcontractor',
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['contract_id'], ['contract.id'], ),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('contract_id', 'organisation_id')
    )
    op.create_index(op.f('ix_contract_subcontractor_organisation_id'),
                    'contract_subcontractor', ['organisation_id'], unique=False)
    op.create_table('handover',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['ended_by_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_handover_ticket_created', 'handover', ['ticket_id', 'created_at'],
                    unique=False)
    op.create_index(op.f('ix_handover_organisation_id'), 'handover', ['organisation_id'],
                    unique=False)
    with op.batch_alter_table('ticket') as batch:
        batch.add_column(sa.Column('handed_to_org_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_ticket_handed_to_org_id_organisation', 'organisation',
                                 ['handed_to_org_id'], ['id'])
    # partial: only handed tickets (see models/ticket.py)
    op.create_index('ix_ticket_handed_status_prio_upd', 'ticket',
                    ['handed_to_org_id', 'status', 'priority', 'updated_at'], unique=False,
                    sqlite_where=sa.text('handed_to_org_id IS NOT NULL'),
                    postgresql_where=sa.text('handed_to_org_id IS NOT NULL'))
    with op.batch_alter_table('timeline_event') as batch:
        batch.add_column(sa.Column('shared_with_org_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_timeline_event_shared_with_org_id_organisation',
                                 'organisation', ['shared_with_org_id'], ['id'])
    op.execute("UPDATE user_account SET role = 'subcontractor', custom_role_id = NULL "
               f"WHERE role = 'technician' AND {_SUBCONTRACTOR_PEOPLE}")


def downgrade() -> None:
    op.execute("UPDATE user_account SET role = 'technician' "
               f"WHERE role = 'subcontractor' AND {_SUBCONTRACTOR_PEOPLE}")
    with op.batch_alter_table('timeline_event') as batch:
        batch.drop_constraint('fk_timeline_event_shared_with_org_id_organisation',
                              type_='foreignkey')
        batch.drop_column('shared_with_org_id')
    op.drop_index('ix_ticket_handed_status_prio_upd', table_name='ticket')
    with op.batch_alter_table('ticket') as batch:
        batch.drop_constraint('fk_ticket_handed_to_org_id_organisation', type_='foreignkey')
        batch.drop_column('handed_to_org_id')
    op.drop_index(op.f('ix_handover_organisation_id'), table_name='handover')
    op.drop_index('ix_handover_ticket_created', table_name='handover')
    op.drop_table('handover')
    op.drop_index(op.f('ix_contract_subcontractor_organisation_id'),
                  table_name='contract_subcontractor')
    op.drop_table('contract_subcontractor')
