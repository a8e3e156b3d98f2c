"""leader report due index: the monthly report counts reports to a leader made late, not only
those never made

Revision ID: 0024_leader_report_due_index
Revises: 0023_report_filing_index
Create Date: 2026-12-05 21:30:00

An important complaint's ``leader_report_due_at`` now stays when the report is made, and the
monthly report counts those due in the month that were reported after it as well as those still
owed. ix_complaint_leader_report_owed holds only the owed ones (the reminder sweep's), so the
report's count fell back to a scan of every complaint (~300 ms twice per report on the
benchmark's 1,000,000). This partial index holds the complaints that owe or owed a report, with
what the count reads.
"""
import sqlalchemy as sa
from alembic import op


revision = '0024_leader_report_due_index'
down_revision = '0023_report_filing_index'
branch_labels = None
depends_on = None

DUE = 'leader_report_due_at IS NOT NULL'


def upgrade():
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.create_index('ix_complaint_leader_report_due', ['leader_report_due_at'], unique=False,
                              postgresql_include=['reported_to_leaders_at', 'severity', 'project_id'],
                              postgresql_where=sa.text(DUE), sqlite_where=sa.text(DUE))


def downgrade():
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_index('ix_complaint_leader_report_due')
