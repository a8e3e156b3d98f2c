"""Forms of the reports: the narrative, the sign-off and submission steps, a background export."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from portal.forms import PortalForm
from portal.services.reports import NARRATIVE_MAX

MONTH_RE = r"^\d{4}-(0[1-9]|1[0-2])$"


class NarrativeForm(PortalForm):
    month = HiddenField(validators=[DataRequired(), Regexp(MONTH_RE)])
    branch_id = HiddenField()
    project_id = HiddenField()
    version = HiddenField()
    narrative = TextAreaField(_l("Analysis and summary"), validators=[
        Optional(), Length(max=NARRATIVE_MAX, message=_l("At most %(max)d characters."))],
        render_kw={"rows": 12})


class StepForm(PortalForm):
    """Sign off or submit: CSRF and the version the user saw (a stale page cannot act)."""

    version = IntegerField(validators=[Optional()])


class KpiExportForm(PortalForm):
    month_from = StringField(_l("From month"), validators=[
        DataRequired(message=_l("Choose the first month.")), Regexp(MONTH_RE, message=_l("Enter a month as YYYY-MM."))])
    month_to = StringField(_l("To month"), validators=[
        DataRequired(message=_l("Choose the last month.")), Regexp(MONTH_RE, message=_l("Enter a month as YYYY-MM."))])
    branch_id = HiddenField()
    project_id = HiddenField()
