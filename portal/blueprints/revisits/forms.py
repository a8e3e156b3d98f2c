"""Forms of the revisit area. The revisit form is built per script: one answer field per question."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portal.forms import DateInputError, PortalForm, parse_datetime_input
from portal.models.revisit import RevisitMethod, RevisitPlan
from portal.services.clock import start_of_local_day
from portal.services.revisits import METHOD_LABELS, SATISFACTION_LABELS, Script

MAX_QUESTIONS = 20
MAX_QUESTION_LENGTH = 200
# a clock a few minutes fast on the staff member's PC must not block the form
FUTURE_SLACK = timedelta(minutes=10)


class RevisitForm(PortalForm):
    outcome = RadioField(_l("Outcome"), default="done", choices=[
        ("done", _l("Customer reached: record the revisit")),
        ("unreachable", _l("Customer unreachable: record the attempt, the revisit stays open")),
    ], validators=[DataRequired(message=_l("Choose the outcome."))])
    method = SelectField(_l("Method"), choices=[(m.value, METHOD_LABELS[m]) for m in RevisitMethod],
                         validators=[DataRequired(message=_l("Choose how the revisit was made."))])
    revisited_at = StringField(_l("Time of the revisit"), render_kw={"type": "datetime-local"},
                               validators=[DataRequired(message=_l("Enter the time of the revisit.")),
                                           Length(max=30)])
    satisfaction = SelectField(_l("Satisfaction"), choices=[("", _l("— choose —"))] + [
        (str(k), v) for k, v in SATISFACTION_LABELS.items()], validators=[Optional()])
    summary = TextAreaField(_l("Customer's feedback"), validators=[
        Optional(), Length(max=2000, message=_l("At most %(max)d characters."))])
    problem = TextAreaField(_l("Problem raised"), validators=[
        Optional(), Length(max=1000, message=_l("At most %(max)d characters."))])
    problem_handling = RadioField(_l("The problem was"), choices=[
        ("answered", _l("answered on the spot")),
        ("follow_up", _l("not answered yet: promise a reply")),
    ], validators=[Optional()])
    problem_reply = TextAreaField(_l("Reply given"), validators=[
        Optional(), Length(max=1000, message=_l("At most %(max)d characters."))])
    promised_at = StringField(_l("Reply promised by"), render_kw={"type": "datetime-local"},
                              validators=[Optional(), Length(max=30)])
    owner_id = SelectField(_l("Owner of the follow-up"), coerce=int, validators=[Optional()])
    note = StringField(_l("Note on the attempt"), validators=[
        Optional(), Length(max=500, message=_l("At most %(max)d characters."))])
    script_version = HiddenField()


def revisit_form_class(script: Script) -> type[RevisitForm]:
    """A form with one answer field per script question (``answer_0`` …)."""
    attrs = {
        f"answer_{i}": TextAreaField(question, validators=[
            Optional(), Length(max=1000, message=_l("At most %(max)d characters."))], render_kw={"rows": 2})
        for i, question in enumerate(script.questions)
    }
    return type("ScriptedRevisitForm", (RevisitForm,), attrs)


def answer_fields(form: RevisitForm, script: Script) -> list:
    return [getattr(form, f"answer_{i}") for i in range(len(script.questions))]


@dataclass
class CleanRevisit:
    outcome: str
    method: RevisitMethod
    at: datetime
    answers: list[tuple[str, str]]
    satisfaction: int | None
    summary: str | None
    problem: str | None
    problem_reply: str | None
    promised_at: datetime | None
    owner_id: int | None
    note: str | None


def _parse_time(field) -> datetime | None:
    try:  # the shared reading of typed times, years 2000 … five ahead (portal/forms.py)
        return parse_datetime_input(field.data, _("Enter a date and time such as 2026-10-01 14:30."))
    except DateInputError as exc:
        field.errors.append(exc.message)
        return None


def clean_revisit_form(form: RevisitForm, plan: RevisitPlan, script: Script, now: datetime,
                       owner_ids: set[int]) -> CleanRevisit | None:
    """Every check of the revisit form, on top of the field validators; None when anything is
    wrong (the messages are on the fields). Nothing is written here."""
    ok = form.validate()
    if (form.script_version.data or "") != str(script.version):
        form.form_errors.append(_("The script of this revisit was changed meanwhile; check the answers and "
                                  "send the form again."))
        form.script_version.data = str(script.version)
        ok = False
    at = _parse_time(form.revisited_at) if form.revisited_at.data and not form.revisited_at.errors else None
    if at is not None:
        if at > now + FUTURE_SLACK:
            form.revisited_at.errors.append(_("The time of the revisit cannot be in the future."))
        elif at < start_of_local_day(plan.window_start):
            form.revisited_at.errors.append(
                _("This revisit's window opens on %(day)s; a revisit before it does not count.",
                  day=plan.window_start.isoformat()))
    answers = [(q, (f.data or "").strip()) for q, f in zip(script.questions, answer_fields(form, script))]
    summary = (form.summary.data or "").strip() or None
    problem = (form.problem.data or "").strip() or None
    reply = (form.problem_reply.data or "").strip() or None
    promised_at, owner_id, satisfaction = None, None, None
    if form.outcome.data == "done":
        if not form.satisfaction.data:
            form.satisfaction.errors.append(_("Choose the customer's satisfaction (1 to 5)."))
        else:
            try:
                satisfaction = int(form.satisfaction.data)
            except ValueError:
                form.satisfaction.errors.append(_("Choose the customer's satisfaction (1 to 5)."))
        if not any(a for _q, a in answers) and not summary:
            form.summary.errors.append(_("Write down at least one answer or the customer's feedback."))
        if problem:
            if form.problem_handling.data == "answered":
                if not reply:
                    form.problem_reply.errors.append(_("Write down the reply given to the customer."))
            elif form.problem_handling.data == "follow_up":
                reply = None
                if not form.promised_at.data:
                    form.promised_at.errors.append(_("Enter the time by which a reply was promised."))
                else:
                    promised_at = _parse_time(form.promised_at)
                    if promised_at is not None and at is not None and promised_at <= at:
                        form.promised_at.errors.append(_("The promised reply time must be after the revisit."))
                if form.owner_id.data not in owner_ids:
                    form.owner_id.errors.append(_("Choose who follows the problem up."))
                else:
                    owner_id = form.owner_id.data
            else:
                form.problem_handling.errors.append(
                    _("Say whether the problem was answered on the spot or a reply was promised."))
    has_errors = any(f.errors for f in form) or bool(form.form_errors)
    if not ok or has_errors or at is None:
        return None
    return CleanRevisit(outcome=form.outcome.data, method=RevisitMethod(form.method.data), at=at, answers=answers,
                        satisfaction=satisfaction, summary=summary, problem=problem, problem_reply=reply,
                        promised_at=promised_at, owner_id=owner_id,
                        note=(form.note.data or "").strip() or None)


class ScriptForm(PortalForm):
    opening = TextAreaField(_l("Opening"), validators=[
        DataRequired(message=_l("Write the opening words.")), Length(max=1000, message=_l("At most %(max)d characters."))],
        render_kw={"rows": 3})
    questions = TextAreaField(_l("Questions, one per line"), validators=[
        DataRequired(message=_l("A script needs at least one question.")), Length(max=5000)], render_kw={"rows": 10})

    def question_list(self) -> list[str] | None:
        lines = [line.strip() for line in (self.questions.data or "").splitlines() if line.strip()]
        if not lines:
            self.questions.errors.append(_("A script needs at least one question."))
            return None
        if len(lines) > MAX_QUESTIONS:
            self.questions.errors.append(_("At most %(n)d questions.", n=MAX_QUESTIONS))
            return None
        too_long = [i + 1 for i, line in enumerate(lines) if len(line) > MAX_QUESTION_LENGTH]
        if too_long:
            self.questions.errors.append(_("Question %(n)d is longer than %(max)d characters.", n=too_long[0],
                                           max=MAX_QUESTION_LENGTH))
            return None
        return lines


class AssignForm(PortalForm):
    assignee_id = SelectField(_l("Staff member"), coerce=int, validators=[Optional()])


class FollowUpCloseForm(PortalForm):
    reply = TextAreaField(_l("Reply given to the customer"), validators=[
        DataRequired(message=_l("Write down the reply given to the customer.")),
        Length(max=1000, message=_l("At most %(max)d characters."))], render_kw={"rows": 2})
