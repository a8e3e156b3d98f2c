"""revisits reports: an index for the monthly report's unreported important complaints

Revision ID: 0022_revisits_reports
Revises: 0019_archive_fixes
Create Date: 2026-12-05 17:30:00

The monthly report's overdue items now count important complaints whose report to a leader fell
due in the month and was never made. ``leader_report_due_at`` is cleared when the complaint is
reported, so a partial index on it holds only the reports still owed; without it the count read
every unreported important complaint's row (13,305 scattered heap blocks on the benchmark
database: 50-75 ms, twice, for a few dozen rows).
"""
import sqlalchemy as sa
from alembic import op


revision = '0022_revisits_reports'
down_revision = '0019_archive_fixes'
branch_labels = None
depends_on = None

OWED = 'reported_to_leaders_at IS NULL AND leader_report_due_at IS NOT NULL'


def upgrade():
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.create_index('ix_complaint_leader_report_owed', ['leader_report_due_at'], unique=False,
                              postgresql_where=sa.text(OWED), sqlite_where=sa.text(OWED))


def downgrade():
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_index('ix_complaint_leader_report_owed')
