"""complaint revisit method: how a revisit recorded on the complaint page was made

Revision ID: 0014_complaint_revisit_method
Revises: 0013_matter_subject_index
Create Date: 2026-12-02 13:00:00

The monthly report counts revisits by method (DOMAIN.md §5); a revisit recorded on the complaint
page was always counted as a phone call. Existing rows keep NULL, read as phone, as before.
"""
import sqlalchemy as sa
from alembic import op


revision = '0014_complaint_revisit_method'
down_revision = '0013_matter_subject_index'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revisit_method', sa.String(length=16), nullable=True))


def downgrade():
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_column('revisit_method')
