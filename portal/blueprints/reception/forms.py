"""Reception forms. Every text has a length limit; times are typed in local time (Asia/Shanghai)
and checked here, so a bad value is a message next to its field and never half a record."""
from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from portal.extensions import db
from portal.forms import DateInputError, PortalForm, parse_datetime_input, sensible_years
from portal.http import db_id
from portal.models import Customer
from portal.models.reception import Channel, ContactCategory, Urgency
from portal.models.shared import PHONE_REQUIRED_CHANNELS
from portal.services import attachments, validators
from portal.services.clock import now_utc, to_local
from portal.services.reception_labels import (
    CATEGORY_LABELS, CHANNEL_LABELS, REPAIR_KIND_LABELS, REPAIR_TYPE_LABELS, REPLY_METHOD_LABELS, REVISIT_WAY_LABELS,
    STATUS_LABELS, URGENCY_LABELS, choices,
)

REQUIRED = _l("This field is required.")
BAD_DATETIME = _l("Enter a valid date and time, e.g. 2026-05-01 14:30.")
# A browser's clock may run a little ahead of the server's.
CLOCK_SLACK = timedelta(minutes=2)


def _parse_local_field(field) -> object:
    """The UTC instant a datetime-local field names, or None with a message on the field (also
    for a year outside 2000 … five years ahead: ``portal.forms.parse_datetime_input``)."""
    raw = (field.data or "").strip()
    if not raw:
        field.errors.append(REQUIRED)
        return None
    try:
        return parse_datetime_input(raw, BAD_DATETIME)
    except DateInputError as exc:
        field.errors.append(exc.message)
        return None


def local_input_value(value) -> str:
    """An aware datetime as the value of an <input type="datetime-local">."""
    return to_local(value).strftime("%Y-%m-%dT%H:%M") if value else ""


class ContactForm(PortalForm):
    channel = SelectField(_l("Channel"), choices=choices(CHANNEL_LABELS), default=Channel.PHONE.value)
    received_at = StringField(_l("Received at"), validators=[Length(max=20)])
    customer_id = StringField(_l("Customer from the archive"), validators=[Optional(), Length(max=12)])
    customer_name = StringField(_l("Customer name"), validators=[Optional(), Length(max=100)])
    customer_phone = StringField(_l("Customer phone"), validators=[Optional(), Length(max=20)])
    project_id = SelectField(_l("Project"), coerce=int, default=0)
    room = StringField(_l("Building / room"), validators=[Optional(), Length(max=30)])
    category = SelectField(_l("Category"), choices=choices(CATEGORY_LABELS), default=ContactCategory.INQUIRY.value)
    urgency = SelectField(_l("Urgency"), choices=choices(URGENCY_LABELS), default=Urgency.GENERAL.value)
    content = TextAreaField(_l("Content"), validators=[DataRequired(message=REQUIRED), Length(max=2000)])
    handling_unit_id = SelectField(_l("Department responsible"), coerce=int, default=0)
    visitor_count = IntegerField(_l("Number of visitors"), validators=[Optional(), NumberRange(min=1, max=500)])
    identity_checked = BooleanField(_l("Identity checked"))
    letter_sender = StringField(_l("Sender"), validators=[Optional(), Length(max=100)])
    letter_date = DateField(_l("Date of the letter"), validators=[Optional(), sensible_years])
    scan = FileField(_l("Scan of the letter (PDF or image)"))
    praised_name = StringField(_l("Staff member praised"), validators=[Optional(), Length(max=100)])
    praised_unit_id = SelectField(_l("Department of the person praised"), coerce=int, default=0)
    reply_on_the_spot = TextAreaField(_l("Reply given on the spot"), validators=[Optional(), Length(max=1000)])
    reply_method = SelectField(_l("How the reply was given"), choices=choices(REPLY_METHOD_LABELS),
                               default="phone")

    # Set by validate(): the parsed values the view hands to the service.
    received_at_utc = None
    customer = None
    scan_present = False

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        self.received_at_utc = _parse_local_field(self.received_at)
        if self.received_at_utc is not None and self.received_at_utc > now_utc() + CLOCK_SLACK:
            self.received_at.errors.append(_l("The received time cannot be in the future."))

        self.customer = None
        raw_id = (self.customer_id.data or "").strip()
        if raw_id:
            customer_id = db_id(raw_id) if raw_id.isascii() else None
            customer = db.session.get(Customer, customer_id) if customer_id else None
            if customer is None:
                self.customer_id.errors.append(_l("No customer with this number in the archive; search again or "
                                                  "type in the name and phone."))
            self.customer = customer
        else:
            if not (self.customer_name.data or "").strip():
                self.customer_name.errors.append(_l("Pick a customer from the archive, or type in the name."))
            phone = (self.customer_phone.data or "").strip()
            # a caller or visitor leaves a number to be called back on (seed 003); a letter, e-mail
            # or online message already carries its way back (an address, the e-mail, the account)
            if not phone:
                if self.channel.data in PHONE_REQUIRED_CHANNELS:
                    self.customer_phone.errors.append(_l("An unknown customer needs a phone number to reply to."))
            elif not validators.is_valid_phone(phone):
                self.customer_phone.errors.append(_l("Not a valid phone number (mobile 13812345678 or landline "
                                                     "0991-1234567)."))

        channel, category, urgency = self.channel.data, self.category.data, self.urgency.data
        if channel == Channel.VISIT.value and not self.visitor_count.data and not self.visitor_count.errors:
            self.visitor_count.errors.append(_l("How many people came?"))
        if urgency == Urgency.EMERGENCY.value and not self.handling_unit_id.data:
            self.handling_unit_id.errors.append(_l("An emergency needs the department to notify at once."))
        if category == ContactCategory.REPAIR.value:
            # seed 003 §五: the same repair twice in a short time is checked by project and room. A
            # repair of a common area (a lift, a street lamp) has a project and no room: it is
            # checked against its own contact's earlier work orders only.
            if not self.project_id.data:
                self.project_id.errors.append(_l("A repair needs its project (for the 30-day repeat check)."))
        if category == ContactCategory.PRAISE.value and not self.praised_unit_id.data:
            self.praised_unit_id.errors.append(_l("Choose the department of the person praised, so it is told."))
        if self.letter_date.raw_data and self.letter_date.raw_data[0] and self.letter_date.data is None \
                and not self.letter_date.errors:
            self.letter_date.errors.append(_l("Enter a valid date."))
        if self.letter_date.data and self.received_at_utc and self.letter_date.data > to_local(self.received_at_utc).date():
            self.letter_date.errors.append(_l("The letter cannot be dated after it was received."))

        upload = self.scan.data
        self.scan_present = bool(upload is not None and getattr(upload, "filename", ""))
        if self.scan_present:
            try:
                attachments.check_upload(upload)
            except attachments.AttachmentRejected as exc:
                self.scan.errors.append(exc.message)
            finally:
                upload.stream.seek(0)
        return ok and not any(f.errors for f in self)


class DispatchForm(PortalForm):
    unit_id = SelectField(_l("Department or branch"), coerce=int, default=0)
    instructions = TextAreaField(_l("Instructions"), validators=[DataRequired(message=REQUIRED), Length(max=2000)])
    due_at = StringField(_l("Due by"), validators=[Length(max=20)])
    repair_type = SelectField(_l("What is to be repaired"), choices=choices(REPAIR_TYPE_LABELS, blank="—"), default="")

    due_at_utc = None

    def validate(self, extra_validators=None, *, is_repair: bool = False) -> bool:
        ok = super().validate(extra_validators)
        if not self.unit_id.data:
            self.unit_id.errors.append(_l("Choose the department or branch."))
        self.due_at_utc = _parse_local_field(self.due_at)
        if self.due_at_utc is not None and self.due_at_utc < now_utc() - CLOCK_SLACK:
            self.due_at.errors.append(_l("The due time cannot be in the past."))
        if is_repair and not self.repair_type.data:
            self.repair_type.errors.append(_l("Say what is to be repaired (needed for the 30-day repeat check)."))
        return ok and not any(f.errors for f in self)


class ProgressForm(PortalForm):
    """Seed 003: by 16:00 each day the progress of every dispatched problem is known; "如需第二天
    继续跟进要安排好工作交接，同时向客户通告工作进度"."""
    text = TextAreaField(_l("Progress today"), validators=[DataRequired(message=REQUIRED), Length(max=1000)])
    continues_tomorrow = BooleanField(_l("Continues tomorrow: the work is handed over"))
    handover_to = StringField(_l("Handed over to"), validators=[Length(max=100)])
    customer_told = BooleanField(_l("The customer has been told the progress"))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.continues_tomorrow.data and not (self.handover_to.data or "").strip():
            self.handover_to.errors.append(_l("Say who takes the work over tomorrow."))
        return ok and not any(f.errors for f in self)


class CompleteForm(PortalForm):
    result = TextAreaField(_l("Result"), validators=[DataRequired(message=REQUIRED), Length(max=2000)])
    repair_kind = SelectField(_l("Size of the repair"), choices=choices(REPAIR_KIND_LABELS, blank="—"), default="")


# DOMAIN.md §1: "Closing records the reply given to the customer and the customer's satisfaction":
# a choice must be made; a customer who would not rate is recorded as such, not left blank by oversight.
SATISFACTION_DECLINED = "declined"
SATISFACTION_CHOICES = [("", _l("Choose…")), ("5", "5"), ("4", "4"), ("3", "3"), ("2", "2"), ("1", "1"),
                        (SATISFACTION_DECLINED, _l("The customer gave no rating"))]
SATISFACTION_REQUIRED = _l("Record the customer's satisfaction, or that the customer gave no rating.")


def satisfaction_value(choice: str) -> int | None:
    """A satisfaction choice as stored: 1–5, or None when the customer gave no rating."""
    return None if choice == SATISFACTION_DECLINED else int(choice)


class RepairRevisitForm(PortalForm):
    """The revisit after a finished repair (seed 003 §五); the rule of who and how is
    ``reception.repair_revisit_problems``."""
    way = SelectField(_l("How the customer was revisited"), choices=choices(REVISIT_WAY_LABELS, blank="—"), default="")
    revisited_at = StringField(_l("Revisited at"), validators=[Length(max=20)])
    result = TextAreaField(_l("What the customer said"), validators=[DataRequired(message=REQUIRED), Length(max=2000)])
    satisfaction = SelectField(_l("Customer satisfaction (1–5)"), choices=SATISFACTION_CHOICES, default="",
                               validators=[DataRequired(message=SATISFACTION_REQUIRED)])
    cause = TextAreaField(_l("Cause of the repeat repair"), validators=[Length(max=2000)])
    measures = TextAreaField(_l("Measures taken"), validators=[Length(max=2000)])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        self.revisited_at_utc = _parse_local_field(self.revisited_at)
        if self.revisited_at_utc is not None:
            now = now_utc()
            if self.revisited_at_utc > now + CLOCK_SLACK:
                self.revisited_at.errors.append(_l("The revisit cannot be in the future."))
            self.revisited_at_utc = min(self.revisited_at_utc, now)
        return ok and not any(f.errors for f in self)


class ReplyForm(PortalForm):
    text = TextAreaField(_l("What the customer was told"), validators=[DataRequired(message=REQUIRED),
                                                                       Length(max=1000)])
    method = SelectField(_l("How"), choices=choices(REPLY_METHOD_LABELS))


class CloseForm(PortalForm):
    reply = TextAreaField(_l("Reply given to the customer"), validators=[DataRequired(message=REQUIRED),
                                                                         Length(max=2000)])
    reply_method = SelectField(_l("How the reply was given"), choices=choices(REPLY_METHOD_LABELS))
    satisfaction = SelectField(_l("Customer satisfaction (1–5)"), choices=SATISFACTION_CHOICES, default="",
                               validators=[DataRequired(message=SATISFACTION_REQUIRED)])


class ReopenForm(PortalForm):
    reason = TextAreaField(_l("Reason for reopening"), validators=[DataRequired(message=REQUIRED), Length(max=500)])


class ReassignForm(PortalForm):
    user_id = SelectField(_l("New responsible person"), coerce=int, default=0)
    note = StringField(_l("Reason for the change"), validators=[Optional(), Length(max=500)])


CHANNEL_CHOICES = choices(CHANNEL_LABELS, blank=_l("All channels"))
CATEGORY_CHOICES = choices(CATEGORY_LABELS, blank=_l("All categories"))
URGENCY_CHOICES = choices(URGENCY_LABELS, blank=_l("Any urgency"))
STATUS_CHOICES = [("", _l("Any status")), ("active", _l("Not closed"))] + choices(STATUS_LABELS)


class ContactFilterForm(PortalForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search the content"), validators=[Optional(), Length(max=100)])
    # module-level choices: the register translates each list once per language
    # (``labels.translated_choices``), not each option on every page
    channel = SelectField(_l("Channel"), choices=CHANNEL_CHOICES, validators=[Optional()])
    category = SelectField(_l("Category"), choices=CATEGORY_CHOICES, validators=[Optional()])
    urgency = SelectField(_l("Urgency"), choices=URGENCY_CHOICES, validators=[Optional()])
    status = SelectField(_l("Status"), choices=STATUS_CHOICES, validators=[Optional()])
    project = SelectField(_l("Project"), coerce=int, validators=[Optional()])
    responsible = SelectField(_l("Responsible"), coerce=int, validators=[Optional()])
    date_from = DateField(_l("Received from"), validators=[Optional()])
    date_to = DateField(_l("Received to"), validators=[Optional()])
    overdue = BooleanField(_l("Reply overdue only"))
