"""sla board indexes: active counts per state, compliance over resolved tickets, the
at-risk list's reaction clock, breaches per day/week

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 10:00:00.000000

Measured with benchmarks/sla_board.py at 1,000,000 tickets (docs/performance.md):
board() p50 2.4 s without them, ~100 ms with them.
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        # counts per SLA state over active tickets: an index-only range per active status
        batch_op.create_index('ix_ticket_status_sla_state', ['status', 'sla_state'],
                              unique=False)
        # compliance and chart: index-only range over the period's resolved tickets
        batch_op.create_index('ix_ticket_resolved_sla',
                              ['resolved_at', 'sla_state', 'contract_id', 'ticket_type_id'],
                              unique=False)
        # at risk: unanswered tickets by reaction deadline, per SLA state
        batch_op.create_index('ix_ticket_sla_state_unanswered',
                              ['sla_state', 'first_response_at', 'reaction_due_at'],
                              unique=False)
        # recompute after a contract/calendar change: a contract's open tickets
        batch_op.create_index('ix_ticket_contract_status', ['contract_id', 'status'],
                              unique=False)

    with op.batch_alter_table('sla_alert', schema=None) as batch_op:
        # breaches today / this week per clock (covering, with the ticket for the scope)
        batch_op.create_index('ix_sla_alert_level_point',
                              ['level', 'point_at', 'clock', 'ticket_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('sla_alert', schema=None) as batch_op:
        batch_op.drop_index('ix_sla_alert_level_point')

    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_contract_status')
        batch_op.drop_index('ix_ticket_sla_state_unanswered')
        batch_op.drop_index('ix_ticket_resolved_sla')
        batch_op.drop_index('ix_ticket_status_sla_state')
