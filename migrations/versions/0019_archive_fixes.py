"""archive fixes: history rows' project, prospect registers, import warnings, prices with fen

Revision ID: 0019_archive_fixes
Revises: 0018_override_rule
Create Date: 2026-12-05 18:00:00

customer_change.project_id: the project of a purchase row of the change history, so that a project
grant shows the history of that project's rooms and not the customer's rooms elsewhere. Rows written
before keep NULL and are not shown under a project grant (which project they name is not known).

archive_import.customer_kind: an owner list, or the marketing department's prospect register
(案场来电来访登记表, seed 000 §5), whose rows become prospects. Existing imports were owner lists.

archive_import.warning_count/warnings: what a file without errors would change that the user should
read before importing it (an ID number on file under another name renames that customer).

purchase.unit_price/total_price: NUMERIC(12, 2) instead of INTEGER, so a unit price of 8497.46 yuan
is kept as the sales contract writes it (the import and the form refused it).
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
    with op.batch_alter_table('archive_import', schema=None) as batch_op:
        batch_op.add_column(sa.Column('customer_kind', sa.Enum('owner', 'prospect', name='customerkind',
                                                               native_enum=False, length=16),
                                      nullable=False, server_default='owner'))
        batch_op.add_column(sa.Column('warning_count', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('warnings', sa.JSON(), nullable=True))
    with op.batch_alter_table('archive_import', schema=None) as batch_op:
        batch_op.alter_column('customer_kind', existing_type=sa.Enum('owner', 'prospect', name='customerkind',
                                                                     native_enum=False, length=16), server_default=None)
        batch_op.alter_column('warning_count', existing_type=sa.Integer(), server_default=None)
    with op.batch_alter_table('purchase', schema=None) as batch_op:
        for column in ('unit_price', 'total_price'):
            batch_op.alter_column(column, existing_type=sa.Integer(), type_=sa.Numeric(precision=12, scale=2),
                                  existing_nullable=True)


def downgrade():
    with op.batch_alter_table('purchase', schema=None) as batch_op:
        for column in ('unit_price', 'total_price'):
            batch_op.alter_column(column, existing_type=sa.Numeric(precision=12, scale=2), type_=sa.Integer(),
                                  existing_nullable=True, postgresql_using=f'round({column})::integer')
    with op.batch_alter_table('archive_import', schema=None) as batch_op:
        batch_op.drop_column('warnings')
        batch_op.drop_column('warning_count')
        batch_op.drop_column('customer_kind')
    with op.batch_alter_table('customer_change', schema=None) as batch_op:
        batch_op.drop_constraint('fk_customer_change_project_id_project', type_='foreignkey')
        batch_op.drop_column('project_id')
