"""override rule: what the rules said when a center manager overrode a complaint's severity

Revision ID: 0018_override_rule
Revises: 0017_repair_revisit
Create Date: 2026-12-03 17:00:00

An override gives way to new facts graver than those the manager judged (a lawsuit after
"general: one family"). Comparing with his override alone lifted it when a fact was withdrawn and
restored (three people, overridden to general, edited to one and back to three); the rule's
severity at the time of the override is kept to compare with. Existing overrides keep NULL,
read as the override itself.
"""
import sqlalchemy as sa
from alembic import op


revision = '0018_override_rule'
down_revision = '0017_repair_revisit'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.add_column(sa.Column('severity_override_rule', sa.String(length=16), nullable=True))


def downgrade():
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_column('severity_override_rule')
