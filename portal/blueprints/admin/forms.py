from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, IntegerField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, Regexp

from portal.auth.permissions import Role
from portal.forms import PortalForm
from portal.models import OrgKind

ROLE_LABELS = {
    Role.ADMIN: _l("Administrator"),
    Role.CENTER_STAFF: _l("Center staff"),
    Role.CENTER_MANAGER: _l("Center manager"),
    Role.LEADER: _l("Leader"),
    Role.BRANCH_STAFF: _l("Branch staff"),
    Role.DEPARTMENT_STAFF: _l("Department staff"),
}

ORG_KIND_LABELS = {
    OrgKind.GROUP: _l("Group company"),
    OrgKind.CENTER: _l("Customer Service Center"),
    OrgKind.DEPARTMENT: _l("Department"),
    OrgKind.BRANCH: _l("Branch"),
}


class UserForm(PortalForm):
    username = StringField(_l("User name"), validators=[
        DataRequired(), Length(min=2, max=64),
        Regexp(r"^[A-Za-z0-9_.\-]+$", message=_l("Letters, digits, dot, dash and underscore only.")),
    ])
    display_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=100)])
    email = StringField(_l("E-mail"), validators=[Optional(), Email(message=_l("Not a valid e-mail address.")),
                                                   Length(max=254)])
    org_unit_id = SelectField(_l("Org unit"), coerce=int, validators=[DataRequired()])
    roles = SelectMultipleField(_l("Roles"), choices=[(r.value, ROLE_LABELS[r]) for r in Role],
                                validators=[DataRequired(message=_l("Choose at least one role."))])
    leads_org_unit_id = SelectField(_l("Leader of"), coerce=int, validators=[Optional()])
    active = BooleanField(_l("Active"), default=True)
    password = PasswordField(_l("Initial password"), validators=[Optional(), Length(max=256)])


class ResetPasswordForm(PortalForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=256)])


class OrgUnitForm(PortalForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    kind = SelectField(_l("Kind"), choices=[(k.value, ORG_KIND_LABELS[k]) for k in OrgKind])
    parent_id = SelectField(_l("Parent unit"), coerce=int, validators=[Optional()])
    active = BooleanField(_l("Active"), default=True)


class ProjectForm(PortalForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    code = StringField(_l("Code"), validators=[Optional(), Length(max=30)])
    branch_id = SelectField(_l("Branch"), coerce=int, validators=[DataRequired()])
    active = BooleanField(_l("Active"), default=True)


class CategoryForm(PortalForm):
    code = StringField(_l("Code"), validators=[
        DataRequired(), Length(max=32),
        Regexp(r"^[a-z0-9_]+$", message=_l("Lower-case letters, digits and underscore only."))])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    description = StringField(_l("Description"), validators=[Optional(), Length(max=300)])
    sort_order = IntegerField(_l("Order"), default=0, validators=[Optional(), NumberRange(min=0, max=999)])
    active = BooleanField(_l("Active"), default=True)


class CalendarOverrideForm(PortalForm):
    day = DateField(_l("Date"), validators=[DataRequired(message=_l("Enter a valid date."))])
    is_working_day = SelectField(_l("The day is"), choices=[("1", _l("a working day")), ("0", _l("a day off"))])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=200)])


class SettingsForm(PortalForm):
    complaint_progress_interval_days = IntegerField(
        _l("Complaint progress contact every (days)"), validators=[DataRequired(), NumberRange(min=1, max=30)])
