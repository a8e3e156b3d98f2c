"""home indexes: the home page's counts at a million complaints and two million contacts

Revision ID: 0012_home_indexes
Revises: 0011_report_indexes
Create Date: 2026-12-01 22:50:00

A center staff member's home page took ~600 ms on the benchmark database, nearly all of it in
three counts (EXPLAIN ANALYZE, bench/HISTORY.md):
- "my replies overdue": 297 ms → 3 ms. reception_contact (responsible_id, reply_due_at) with
  status, only for unreplied contacts (44,720 of 2,000,000);
- "important complaints not yet reported to a leader": 280 ms → 3 ms. complaint (severity,
  reported_to_leaders_at) with the confidentiality scope's is_report and complained_staff_id;
- "progress contact due today": 50 ms → 3 ms. complaint (status, next_progress_due_at), the same.
"My open contacts" (38 ms → 3 ms) needed no index: it now asks for the open statuses instead
of "not closed", which seeks (responsible_id, status).
"""
import sqlalchemy as sa
from alembic import op


revision = '0012_home_indexes'
down_revision = '0011_report_indexes'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.create_index('ix_complaint_unreported', ['severity', 'reported_to_leaders_at'], unique=False,
                              postgresql_include=['is_report', 'complained_staff_id'])
        batch_op.create_index('ix_complaint_open_progress', ['status', 'next_progress_due_at'], unique=False,
                              postgresql_include=['is_report', 'complained_staff_id'])
    with op.batch_alter_table('reception_contact', schema=None) as batch_op:
        batch_op.create_index('ix_reception_contact_unreplied', ['responsible_id', 'reply_due_at'], unique=False,
                              postgresql_include=['status'], postgresql_where=sa.text('replied_at IS NULL'),
                              sqlite_where=sa.text('replied_at IS NULL'))


def downgrade():
    with op.batch_alter_table('reception_contact', schema=None) as batch_op:
        batch_op.drop_index('ix_reception_contact_unreplied')
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_index('ix_complaint_open_progress')
        batch_op.drop_index('ix_complaint_unreported')
