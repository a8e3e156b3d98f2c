"""archive fixes: the project of a purchase's history row

Revision ID: 0019_archive_fixes
Revises: 0018_override_rule
Create Date: 2026-12-05 18:00:00

customer_change.project_id: the project of a purchase row of the change history, so that a project
grant shows the history of that project's rooms and not the customer's rooms elsewhere. Rows written
before keep NULL and are not shown under a project grant (which project they name is not known).
"""
import sqlalchemy as sa
from alembic import op


revision = '0019_archive_fixes'
down_revision = '0018_override_rule'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('customer_change', schema=None) as batch_op:
        batch_op.add_column(sa.Column('project_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_customer_change_project_id_project', 'project', ['project_id'], ['id'])


def downgrade():
    with op.batch_alter_table('customer_change', schema=None) as batch_op:
        batch_op.drop_constraint('fk_customer_change_project_id_project', type_='foreignkey')
        batch_op.drop_column('project_id')
