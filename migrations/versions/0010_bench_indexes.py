"""bench indexes: what EXPLAIN ANALYZE on a million complaints asked for (bench/HISTORY.md)

Revision ID: 0010_bench_indexes
Revises: 0008_cross_area_links
Create Date: 2026-11-23 15:20:00

- complaint.reopened_from_id: every complaint page asks "was this reopened as another?";
  without an index that is a sequential scan of the whole table (423 ms on 1,000,000 rows).
- (project_id, received_at, id) and (severity, received_at, id): the register filtered by a
  project or a severity reads its keyset page (ORDER BY received_at DESC, id DESC) straight from
  the index instead of walking the whole date index and throwing most rows away.

The reports area adds 0009_reports in parallel: at merge, re-chain this revision after it.
"""
from alembic import op
import sqlalchemy as sa

import portal.models.base


# revision identifiers, used by Alembic.
revision = '0010_bench_indexes'
down_revision = '0009_reports'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.create_index('ix_complaint_reopened_from_id', ['reopened_from_id'], unique=False)
        batch_op.create_index('ix_complaint_project_received', ['project_id', 'received_at', 'id'], unique=False)
        batch_op.create_index('ix_complaint_severity_received', ['severity', 'received_at', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_index('ix_complaint_severity_received')
        batch_op.drop_index('ix_complaint_project_received')
        batch_op.drop_index('ix_complaint_reopened_from_id')
