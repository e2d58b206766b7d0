"""reports: the business minutes until the first response on each ticket

`ticket.first_response_minutes` is written by the SLA engine (domain/sla.stored_columns)
whenever the reaction clock stops at the first public staff reply; the reports take its
medians. Tickets answered before this migration have NULL until
`python -m helpdesk_app.cli backfill-reports` fills them from their timelines (batches
of 500, one commit each, resumable; only that column is written).

Revision ID: 0018_reports
Revises: 0017_worktime
Create Date: 2026-12-20 20:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0018_reports'
down_revision: str | None = '0017_worktime'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('ticket') as batch:
        batch.add_column(sa.Column('first_response_minutes', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('ticket') as batch:
        batch.drop_column('first_response_minutes')
