"""report indexes: the monthly report at a million complaints (bench/HISTORY.md)

Revision ID: 0011_report_indexes
Revises: 0010_bench_indexes
Create Date: 2026-11-23 17:10:00

- revisit_plan (due, kind, status, on_time): the revisit rates of a month count the plans due in
  it by kind, status and on-time; ``status != 'cancelled'`` cannot use (status, due), so each of
  the report's four rate queries was a sequential scan of every plan (~75 ms on 589,000 plans).
- the month indexes of 0009 get the columns the figures read, so a month is counted from the
  index alone instead of fetching 20,000–50,000 rows: complaint (resolved_at, received_at) for
  the resolution times; reception_contact (closed_at, satisfaction) for contact satisfaction;
  revisit_plan (revisited_at, status, satisfaction, kind, method) for revisits done and their
  satisfaction (30–75 ms each, three months per report).
"""
from alembic import op


revision = '0011_report_indexes'
down_revision = '0010_bench_indexes'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('revisit_plan', schema=None) as batch_op:
        batch_op.create_index('ix_revisit_plan_due_tally', ['due', 'kind', 'status', 'on_time'], unique=False)
        batch_op.create_index('ix_revisit_plan_revisited_tally',
                              ['revisited_at', 'status', 'satisfaction', 'kind', 'method'], unique=False)
        batch_op.drop_index('ix_revisit_plan_revisited_at')
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.create_index('ix_complaint_resolved_received', ['resolved_at', 'received_at'], unique=False)
        batch_op.drop_index('ix_complaint_resolved_at')
    with op.batch_alter_table('reception_contact', schema=None) as batch_op:
        batch_op.create_index('ix_reception_contact_closed_satisfaction', ['closed_at', 'satisfaction'], unique=False)
        batch_op.drop_index('ix_reception_contact_closed_at')


def downgrade():
    with op.batch_alter_table('reception_contact', schema=None) as batch_op:
        batch_op.create_index('ix_reception_contact_closed_at', ['closed_at'], unique=False)
        batch_op.drop_index('ix_reception_contact_closed_satisfaction')
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.create_index('ix_complaint_resolved_at', ['resolved_at'], unique=False)
        batch_op.drop_index('ix_complaint_resolved_received')
    with op.batch_alter_table('revisit_plan', schema=None) as batch_op:
        batch_op.create_index('ix_revisit_plan_revisited_at', ['revisited_at'], unique=False)
        batch_op.drop_index('ix_revisit_plan_revisited_tally')
        batch_op.drop_index('ix_revisit_plan_due_tally')
