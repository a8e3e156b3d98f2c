"""matter subject index: a complaint joins the matter of the same project, category and subject

Revision ID: 0013_matter_subject_index
Revises: 0012_home_indexes
Create Date: 2026-12-02 12:00:00

Registering a complaint now looks up the matter of the same project + category + subject
(DOMAIN.md §2) instead of starting a new matter unless one was picked; at 800,000 matters a
project and category hold ~16,000 of them, so the lookup seeks the subject too.
"""
from alembic import op


revision = '0013_matter_subject_index'
down_revision = '0012_home_indexes'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('complaint_matter', schema=None) as batch_op:
        batch_op.create_index('ix_complaint_matter_subject', ['project_id', 'category_id', 'subject'], unique=False)


def downgrade():
    with op.batch_alter_table('complaint_matter', schema=None) as batch_op:
        batch_op.drop_index('ix_complaint_matter_subject')
