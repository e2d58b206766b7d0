"""work time: activity types, contract rates, work entries, timers; the "needs a work
entry to resolve" rule on queues and ticket types

Seeds the four usual activity types (an admin renames, adds or deactivates them).

Revision ID: 0017_worktime
Revises: 0016
Create Date: 2026-12-06 20:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0017_worktime'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)
_TEXT = sqlmodel.sql.sqltypes.AutoString
_ACTIVITIES = [  # key, Polish, English, billable, on site
    ("remote", "Zdalnie", "Remote", True, False),
    ("on_site", "Na miejscu u klienta", "On site", True, True),
    ("travel", "Dojazd", "Travel", True, False),
    ("consultation", "Konsultacja", "Consultation", True, False),
]


def upgrade() -> None:
    activity = op.create_table(
        'activity_type',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', _TEXT(length=40), nullable=False),
        sa.Column('name_pl', _TEXT(length=80), nullable=False),
        sa.Column('name_en', _TEXT(length=80), nullable=False),
        sa.Column('billable', sa.Boolean(), nullable=False),
        sa.Column('on_site', sa.Boolean(), nullable=False),
        sa.Column('is_active', sa.Boolean(), nullable=False),
        sa.Column('sort_order', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('key'))
    op.bulk_insert(activity, [
        {"key": k, "name_pl": pl, "name_en": en, "billable": b, "on_site": s,
         "is_active": True, "sort_order": i}
        for i, (k, pl, en, b, s) in enumerate(_ACTIVITIES)])
    op.create_table(
        'contract_rate',
        sa.Column('contract_id', sa.Integer(), nullable=False),
        sa.Column('hourly_rate_minor', sa.Integer(), nullable=False),
        sa.Column('currency', _TEXT(length=3), nullable=False),
        sa.Column('rounding', _TEXT(length=10), nullable=False),
        sa.Column('rounding_minutes', sa.Integer(), nullable=False),
        sa.Column('minimum_visit_minutes', sa.Integer(), nullable=False),
        sa.Column('after_hours_pct', sa.Integer(), nullable=False),
        sa.Column('weekend_pct', sa.Integer(), nullable=False),
        sa.Column('on_site_pct', sa.Integer(), nullable=False),
        sa.Column('updated_at', _TS, nullable=False),
        sa.ForeignKeyConstraint(['contract_id'], ['contract.id']),
        sa.PrimaryKeyConstraint('contract_id'))
    op.create_table(
        'work_entry',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('contract_id', sa.Integer(), nullable=True),
        sa.Column('activity_type_id', sa.Integer(), nullable=True),
        sa.Column('work_date', sa.Date(), nullable=False),
        sa.Column('started_at', _TS, nullable=True),
        sa.Column('ended_at', _TS, nullable=True),
        sa.Column('spans', sa.JSON(), nullable=True),
        sa.Column('seconds', sa.Integer(), nullable=False),
        sa.Column('description', _TEXT(length=2000), nullable=False),
        sa.Column('billable', sa.Boolean(), nullable=False),
        sa.Column('on_site', sa.Boolean(), nullable=False),
        sa.Column('after_hours', sa.Boolean(), nullable=False),
        sa.Column('capped', sa.Boolean(), nullable=False),
        sa.Column('billable_minutes', sa.Integer(), nullable=False),
        sa.Column('amount_minor', sa.Integer(), nullable=False),
        sa.Column('currency', _TEXT(length=3), nullable=False),
        sa.Column('locked_at', _TS, nullable=True),
        sa.Column('locked_by_id', sa.Integer(), nullable=True),
        sa.Column('lock_ref', _TEXT(length=80), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', _TS, nullable=False),
        sa.Column('updated_at', _TS, nullable=False),
        sa.ForeignKeyConstraint(['activity_type_id'], ['activity_type.id']),
        sa.ForeignKeyConstraint(['contract_id'], ['contract.id']),
        sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id']),
        sa.ForeignKeyConstraint(['locked_by_id'], ['user_account.id']),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id']),
        sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id']),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id']),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_work_entry_contract_date', 'work_entry', ['contract_id', 'work_date'])
    op.create_index('ix_work_entry_date_org', 'work_entry', ['work_date', 'organisation_id'])
    op.create_index('ix_work_entry_ticket', 'work_entry', ['ticket_id', 'work_date'])
    op.create_index('ix_work_entry_user_date', 'work_entry', ['user_id', 'work_date'])
    op.create_table(
        'work_timer',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('activity_type_id', sa.Integer(), nullable=True),
        sa.Column('description', _TEXT(length=2000), nullable=False),
        sa.Column('started_at', _TS, nullable=False),
        sa.Column('running_since', _TS, nullable=True),
        sa.Column('spans', sa.JSON(), nullable=False),
        sa.Column('updated_at', _TS, nullable=False),
        sa.ForeignKeyConstraint(['activity_type_id'], ['activity_type.id']),
        sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id']),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id']),
        sa.PrimaryKeyConstraint('user_id'))
    op.create_index('ix_work_timer_running', 'work_timer', ['running_since'],
                    sqlite_where=sa.text('running_since IS NOT NULL'),
                    postgresql_where=sa.text('running_since IS NOT NULL'))
    op.create_index('ix_work_timer_ticket_id', 'work_timer', ['ticket_id'])
    for table in ('queue', 'ticket_type'):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('requires_work_entry', sa.Boolean(), nullable=False,
                                       server_default=sa.false()))
        with op.batch_alter_table(table) as batch:  # the default only filled existing rows
            batch.alter_column('requires_work_entry', server_default=None)


def downgrade() -> None:
    for table in ('ticket_type', 'queue'):
        with op.batch_alter_table(table) as batch:
            batch.drop_column('requires_work_entry')
    op.drop_index('ix_work_timer_ticket_id', table_name='work_timer')
    op.drop_index('ix_work_timer_running', table_name='work_timer')
    op.drop_table('work_timer')
    for name in ('ix_work_entry_user_date', 'ix_work_entry_ticket', 'ix_work_entry_date_org',
                 'ix_work_entry_contract_date'):
        op.drop_index(name, table_name='work_entry')
    op.drop_table('work_entry')
    op.drop_table('contract_rate')
    op.drop_table('activity_type')
