"""reception first reply: the first reply a contact ever had, kept when it is reopened

Revision ID: 0020_reception_first_reply
Revises: 0022_revisits_reports
Create Date: 2026-12-04 10:00:00

Reopening a contact clears ``replied_at`` (a new reply is owed against the new deadline), and the
response-time KPI (report_figures.inquiry_reply_time) measured from receipt to ``replied_at``: an
inquiry answered in an hour, reopened and answered ten days later, counted 241 hours. The first
reply is now kept apart. Existing contacts take it from their timeline (the earliest reply or
closing event, which is when ``replied_at`` was first set), else from ``replied_at``.
"""
import sqlalchemy as sa
from alembic import op

import portal.models.base


revision = '0020_reception_first_reply'
down_revision = '0022_revisits_reports'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('reception_contact', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_replied_at', portal.models.base.UTCDateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE reception_contact SET first_replied_at = COALESCE("
        "(SELECT min(e.at) FROM reception_event e WHERE e.contact_id = reception_contact.id"
        " AND e.kind IN ('reply', 'closed')), replied_at)"
    )


def downgrade():
    with op.batch_alter_table('reception_contact', schema=None) as batch_op:
        batch_op.drop_column('first_replied_at')
