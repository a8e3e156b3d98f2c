"""repair revisit: the revisit after a finished repair, on its work order

Revision ID: 0017_repair_revisit
Revises: 0016_customer_phone_without_id
Create Date: 2026-12-03 16:30:00

Seed 003 §五 (DOMAIN.md §1 Repairs): an ordinary repair gets a phone revisit, a major repair an
on-site revisit, a repeat within 30 days the responsible leader's own revisit with the cause and
the measures taken. Before this the work order only showed which revisit was due; now it records
the revisit, and a repair contact closes only once each finished repair has had it. Work orders
finished before this migration have none recorded: a contact still open with one is revisited
before it closes, as any other; closed contacts are left as they are.
"""
import sqlalchemy as sa
from alembic import op

import portal.models.base


revision = '0017_repair_revisit'
down_revision = '0016_customer_phone_without_id'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('work_order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revisit_way', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('revisited_at', portal.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('revisited_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('revisit_result', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('revisit_satisfaction', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('revisit_cause', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('revisit_measures', sa.Text(), nullable=True))
        batch_op.create_foreign_key('fk_work_order_revisited_by_id_user_account', 'user_account',
                                    ['revisited_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('work_order', schema=None) as batch_op:
        batch_op.drop_constraint('fk_work_order_revisited_by_id_user_account', type_='foreignkey')
        for column in ('revisit_measures', 'revisit_cause', 'revisit_satisfaction', 'revisit_result',
                       'revisited_by_id', 'revisited_at', 'revisit_way'):
            batch_op.drop_column(column)
