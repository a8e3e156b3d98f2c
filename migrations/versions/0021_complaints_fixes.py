"""complaints fixes: the reasons a manager judged when he overrode a severity; reception contacts
answered by their complaint

Revision ID: 0021_complaints_fixes
Revises: 0020_reception_first_reply
Create Date: 2026-12-10 10:00:00

An override gave way only to a graver severity, so twelve people overridden to important (one
family) stayed important after a lawsuit was filed: the rule said major before and after. Every
reason the facts gave at the override is now kept, and a kind of reason he had not seen lifts it.
Existing overrides keep NULL and compare severities as before.

A complaint's reply to the customer now answers the reception contact it was registered from;
contacts linked to a complaint that was already answered are answered as of that first reply,
so they leave the overdue lists and reminders.
"""
import sqlalchemy as sa
from alembic import op


revision = '0021_complaints_fixes'
down_revision = '0020_reception_first_reply'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.add_column(sa.Column('severity_override_reasons', sa.String(length=300), nullable=True))
    # A contact whose complaint already answered the customer is answered then (as
    # reception.answer_through_complaint does from now on): never before the contact itself was
    # received, and it is its first reply too (0020's column, which the response-time KPI reads).
    answered = ("(SELECT CASE WHEN complaint.first_replied_at > reception_contact.received_at"
                " THEN complaint.first_replied_at ELSE reception_contact.received_at END"
                " FROM complaint WHERE complaint.id = reception_contact.complaint_id)")
    op.execute(
        f"UPDATE reception_contact SET replied_at = {answered},"
        f" first_replied_at = COALESCE(first_replied_at, {answered})"
        " WHERE replied_at IS NULL AND complaint_id IS NOT NULL AND EXISTS ("
        " SELECT 1 FROM complaint WHERE complaint.id = reception_contact.complaint_id"
        " AND complaint.first_replied_at IS NOT NULL)"
        # a contact reopened after that answer owes a new reply, which the answer does not give
        " AND NOT EXISTS (SELECT 1 FROM reception_event, complaint"
        " WHERE reception_event.contact_id = reception_contact.id AND reception_event.kind = 'reopened'"
        " AND complaint.id = reception_contact.complaint_id AND reception_event.at >= complaint.first_replied_at)"
    )


def downgrade():
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_column('severity_override_reasons')
