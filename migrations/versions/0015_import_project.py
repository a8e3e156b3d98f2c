"""import project: the project of a list that has no 项目 column

Revision ID: 0015_import_project
Revises: 0014_complaint_revisit_method
Create Date: 2026-12-03 11:00:00

The property company's yearly owner list (seed 000) gives 房号 without a project column; the
uploader names the project on the upload form and every row of such a file belongs to it.
"""
import sqlalchemy as sa
from alembic import op


revision = '0015_import_project'
down_revision = '0014_complaint_revisit_method'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('archive_import', schema=None) as batch_op:
        batch_op.add_column(sa.Column('project_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_archive_import_project_id_project', 'project', ['project_id'], ['id'])


def downgrade():
    with op.batch_alter_table('archive_import', schema=None) as batch_op:
        batch_op.drop_constraint('fk_archive_import_project_id_project', type_='foreignkey')
        batch_op.drop_column('project_id')
