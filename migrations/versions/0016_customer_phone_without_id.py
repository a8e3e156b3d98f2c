"""customer phone without id: the import's lookup of ID-less records by first phone

Revision ID: 0016_customer_phone_without_id
Revises: 0015_import_project
Create Date: 2026-12-03 11:15:00

A row with a new ID number joins the record without one that has its name and first phone
(the property company's list came first). A partial index keeps that lookup cheap when, as
usual, nearly every record has its number.
"""
import sqlalchemy as sa
from alembic import op


revision = '0016_customer_phone_without_id'
down_revision = '0015_import_project'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.create_index('ix_customer_phone1_without_id', ['phone1'], unique=False,
                              postgresql_where=sa.text('id_number IS NULL'), sqlite_where=sa.text('id_number IS NULL'))


def downgrade():
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.drop_index('ix_customer_phone1_without_id')
