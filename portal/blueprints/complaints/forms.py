"""Forms of the complaints area. Every text has a length limit; times are local (Asia/Shanghai)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField, DateField, HiddenField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from portal.forms import DateInputError, PortalForm, parse_datetime_input, sensible_years
from portal.models.complaint import Channel, ContactWay, Severity
from portal.models.shared import PHONE_REQUIRED_CHANNELS
from portal.models.revisit import RevisitMethod
from portal.services.revisits import METHOD_LABELS
from portal.services.validators import is_valid_phone

from portal.services.reception_labels import CHANNEL_LABELS  # noqa: E402  (one list of channel names)
WAY_LABELS = {
    ContactWay.PHONE: _l("Phone call"), ContactWay.VISIT: _l("Visit"), ContactWay.SMS: _l("SMS"),
    ContactWay.EMAIL: _l("E-mail"), ContactWay.LETTER: _l("Letter"), ContactWay.WECHAT: _l("WeChat"),
    ContactWay.OTHER: _l("Other"),
}
SEVERITY_LABELS = {Severity.MAJOR: _l("Major"), Severity.IMPORTANT: _l("Important"), Severity.GENERAL: _l("General")}

TEXT_MAX = 4000
REQUIRED = _l("This field is required.")


class LocalDateTimeField(StringField):
    """A local date and time (HTML datetime-local), kept as typed; ``.instant`` is the UTC value."""

    instant = None

    def pre_validate(self, form):
        self.instant = None
        raw = (self.data or "").strip()
        if not raw:
            return
        try:  # the shared reading of typed times: no error page, no year 0001 (portal/forms.py)
            self.instant = parse_datetime_input(raw, _l("Enter a date and time such as 2026-10-08 14:30."))
        except DateInputError as exc:
            raise ValidationError(exc.message) from exc


def _phone_check(form, field):
    if field.data and not is_valid_phone(field.data):
        raise ValidationError(_l("Not a valid phone number (a mobile number or a landline such as 0991-1234567)."))


class ComplaintFieldsForm(PortalForm):
    """What every way of registering a complaint asks (center, branch filing, forwarding)."""

    received_at = LocalDateTimeField(_l("Accepted at"), validators=[DataRequired(message=REQUIRED), Length(max=20)])
    channel = SelectField(_l("Channel"), choices=[(c.value, CHANNEL_LABELS[c]) for c in Channel])
    customer_id = IntegerField(_l("Archive customer"), validators=[Optional()])
    complainant_name = StringField(_l("Complainant"), validators=[Length(max=100)])
    complainant_phone = StringField(_l("Complainant's phone"), validators=[Length(max=20), _phone_check])
    project_id = SelectField(_l("Project"), coerce=int, validators=[DataRequired(message=_l("Choose a project."))])
    room = StringField(_l("Building / room"), validators=[Optional(), Length(max=30)])
    category_id = SelectField(_l("Complaint category"), coerce=int, validators=[DataRequired(message=_l("Choose a category."))])
    matter_id = IntegerField(_l("Matter"), validators=[Optional()])
    subject = StringField(_l("Subject"), validators=[DataRequired(message=REQUIRED), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[DataRequired(message=REQUIRED), Length(max=TEXT_MAX)])
    people_count = IntegerField(_l("Number of people"), default=1, validators=[
        InputRequired(message=_l("Enter the number of people (1 for one person).")),
        NumberRange(min=1, max=100000, message=_l("Between 1 and 100000."))])
    lawsuit_filed = BooleanField(_l("A lawsuit has been filed"))
    media_exposed = BooleanField(_l("Exposed by the media (press, radio, TV, web)"))
    attachments = MultipleFileField(_l("Attachments (letters, photos)"))
    source_contact_id = HiddenField()

    def validate_complainant_name(self, field):
        if not self.customer_id.data and not (field.data or "").strip():
            raise ValidationError(_l("Choose an archive customer or enter the complainant's name and phone."))

    def validate_complainant_phone(self, field):
        # as at reception: a letter, e-mail or online message may come without a number
        if not self.customer_id.data and not (field.data or "").strip() and (
                self.channel.data in PHONE_REQUIRED_CHANNELS):
            raise ValidationError(_l("Choose an archive customer or enter the complainant's name and phone."))


class ComplaintForm(ComplaintFieldsForm):
    is_report = BooleanField(_l("This is a report (举报): confidential to the center and the group's leaders"))
    responsible_unit_id = SelectField(_l("Responsible department"), coerce=int, validators=[Optional()])
    handler_id = SelectField(_l("Handler"), coerce=int, validators=[Optional()])
    complained_staff_id = SelectField(_l("Staff member complained about"), coerce=int, validators=[Optional()])
    plan = TextAreaField(_l("Handling plan"), validators=[Optional(), Length(max=TEXT_MAX)])


class EditForm(PortalForm):
    channel = SelectField(_l("Channel"), choices=[(c.value, CHANNEL_LABELS[c]) for c in Channel])
    room = StringField(_l("Building / room"), validators=[Optional(), Length(max=30)])
    description = TextAreaField(_l("Description"), validators=[DataRequired(message=REQUIRED), Length(max=TEXT_MAX)])
    people_count = IntegerField(_l("Number of people"), validators=[
        InputRequired(message=_l("Enter the number of people (1 for one person).")),
        NumberRange(min=1, max=100000, message=_l("Between 1 and 100000."))])
    lawsuit_filed = BooleanField(_l("A lawsuit has been filed"))
    media_exposed = BooleanField(_l("Exposed by the media (press, radio, TV, web)"))
    is_report = BooleanField(_l("This is a report (举报): confidential to the center and the group's leaders"))
    responsible_unit_id = SelectField(_l("Responsible department"), coerce=int, validators=[Optional()])
    handler_id = SelectField(_l("Handler"), coerce=int, validators=[Optional()])
    complained_staff_id = SelectField(_l("Staff member complained about"), coerce=int, validators=[Optional()])
    plan = TextAreaField(_l("Handling plan"), validators=[Optional(), Length(max=TEXT_MAX)])


class FilingForm(ComplaintFieldsForm):
    handled_closed_on = DateField(_l("Closed on"), validators=[DataRequired(message=_l("Enter a valid date.")),
                                                                sensible_years])
    resolution = TextAreaField(_l("Resolution"), validators=[DataRequired(message=REQUIRED), Length(max=TEXT_MAX)])
    cause_analysis = TextAreaField(_l("Cause analysis"), validators=[DataRequired(message=REQUIRED),
                                                                    Length(max=TEXT_MAX)])
    corrective_measures = TextAreaField(_l("Corrective measures"), validators=[Optional(), Length(max=TEXT_MAX)])
    preventive_measures = TextAreaField(_l("Preventive measures"), validators=[Optional(), Length(max=TEXT_MAX)])


class ForwardForm(ComplaintFieldsForm):
    is_report = BooleanField(_l("This is a report (举报): confidential to the center and the group's leaders"))
    note = TextAreaField(_l("Why it is outside our responsibility"), validators=[Optional(), Length(max=1000)])


class ContactForm(PortalForm):
    contacted_at = LocalDateTimeField(_l("Time of contact"), validators=[DataRequired(message=REQUIRED),
                                                                        Length(max=20)])
    way = SelectField(_l("Way"), choices=[(w.value, WAY_LABELS[w]) for w in ContactWay])
    content = TextAreaField(_l("What the customer was told"), validators=[DataRequired(message=REQUIRED),
                                                                          Length(max=2000)])


class ReportForm(PortalForm):
    leader_ids = SelectMultipleField(_l("Leaders"), coerce=int,
                                     validators=[DataRequired(message=_l("Choose at least one leader."))])
    note = TextAreaField(_l("What is reported (progress, plan)"), validators=[Optional(), Length(max=2000)])


class CommentForm(PortalForm):
    body = TextAreaField(_l("Comment"), validators=[DataRequired(message=REQUIRED), Length(max=2000)])
    is_instruction = BooleanField(_l("This is an instruction to the handlers (批示)"))


class OverrideForm(PortalForm):
    severity = SelectField(_l("Severity"), choices=[("", _l("— by the rules (withdraw the override) —"))] + [
        (s.value, SEVERITY_LABELS[s]) for s in Severity])
    reason = TextAreaField(_l("Written reason"), validators=[DataRequired(message=_l("Give the reason in writing.")),
                                                             Length(max=500)])


class ResolveForm(PortalForm):
    resolution = TextAreaField(_l("Resolution"), validators=[DataRequired(message=REQUIRED), Length(max=TEXT_MAX)])
    cause_analysis = TextAreaField(_l("Cause analysis"), validators=[DataRequired(message=REQUIRED),
                                                                    Length(max=TEXT_MAX)])


class RevisitForm(PortalForm):
    # the report counts revisits by method (DOMAIN.md §5), so the complaint page asks for it too
    revisit_method = SelectField(_l("Revisit method"), default=RevisitMethod.PHONE.value,
                                 choices=[(m.value, label) for m, label in METHOD_LABELS.items()])
    revisit_summary = TextAreaField(_l("Revisit result"), validators=[DataRequired(message=REQUIRED),
                                                                     Length(max=TEXT_MAX)])
    revisit_satisfaction = SelectField(_l("Satisfaction"), coerce=int, choices=[
        (0, _l("— choose —")), (5, _l("5 very satisfied")), (4, _l("4 satisfied")), (3, _l("3 neutral")),
        (2, _l("2 dissatisfied")), (1, _l("1 very dissatisfied"))],
        validators=[NumberRange(min=1, max=5, message=_l("Choose the customer's satisfaction."))])


class ArchiveForm(PortalForm):
    corrective_measures = TextAreaField(_l("Corrective measures"), validators=[DataRequired(message=REQUIRED),
                                                                              Length(max=TEXT_MAX)])
    preventive_measures = TextAreaField(_l("Preventive measures"), validators=[DataRequired(message=REQUIRED),
                                                                              Length(max=TEXT_MAX)])


class ReopenForm(PortalForm):
    received_at = LocalDateTimeField(_l("Accepted at"), validators=[DataRequired(message=REQUIRED), Length(max=20)])
    channel = SelectField(_l("Channel"), choices=[(c.value, CHANNEL_LABELS[c]) for c in Channel])
    description = TextAreaField(_l("What the customer complains about again"),
                                validators=[DataRequired(message=REQUIRED), Length(max=TEXT_MAX)])


class ReviewForm(PortalForm):
    decision = SelectField(_l("Decision"), choices=[("accept", _l("Accept the record")),
                                                    ("return", _l("Return it for correction"))])
    reason = TextAreaField(_l("Reason for returning"), validators=[Length(max=500)])

    def validate_reason(self, field):
        if self.decision.data == "return" and not (field.data or "").strip():
            raise ValidationError(_l("Say what must be corrected."))


class ContactFormForm(PortalForm):
    to_unit_id = SelectField(_l("To department"), coerce=int,
                             validators=[DataRequired(message=_l("Choose a department."))])
    proposal = TextAreaField(_l("Improvement proposal"), validators=[DataRequired(message=REQUIRED),
                                                                    Length(max=TEXT_MAX)])
    reply_due_on = DateField(_l("Answer by"), validators=[Optional(), sensible_years])


class ReplyForm(PortalForm):
    reply = TextAreaField(_l("Answer"), validators=[DataRequired(message=REQUIRED), Length(max=TEXT_MAX)])


class UploadForm(PortalForm):
    attachments = MultipleFileField(_l("Attachments (letters, photos)"))
