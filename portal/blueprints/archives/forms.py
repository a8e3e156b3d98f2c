from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField, DateField, DecimalField, FloatField, HiddenField, IntegerField, RadioField, SelectField, StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, StopValidation, ValidationError

from portal.forms import PortalForm
from portal.models import AccessScope, CustomerKind, Gender, ImportSource, QualityBasisKind, SpecialKind
from portal.services.archive_access import DEFAULT_PERIOD_DAYS, MAX_PERIOD_DAYS
from portal.services.archives import CARE_KINDS, GENDER_LABELS, KIND_LABELS, QUALITY_LABELS, SPECIAL_LABELS
from portal.services.clock import local_date, now_utc
from portal.services.validators import (
    ARCHIVE_FIRST_YEAR, ARCHIVE_LAST_YEAR, ID_NUMBER_PROBLEMS, born_and_male, id_number_problem, is_valid_phone,
)

DATE_MSG = _l("Enter a valid date.")
NUMBER_MSG = _l("Enter a number.")


def valid_id_number(form, field):
    problem = id_number_problem(field.data) if field.data else None
    if problem:
        raise ValidationError(_l("Not a valid ID number: %(why)s", why=ID_NUMBER_PROBLEMS[problem]))


def archive_date(form, field):
    """A date of an archive record (birthday, signing, handover) within the years the import
    takes (1900–2100): a handover in year 9999 had no revisit dates to compute (a 500)."""
    if isinstance(field.data, date) and not (ARCHIVE_FIRST_YEAR <= field.data.year <= ARCHIVE_LAST_YEAR):
        raise ValidationError(_l("Enter a date between %(first)d and %(last)d.", first=ARCHIVE_FIRST_YEAR,
                                 last=ARCHIVE_LAST_YEAR))


def valid_phone(form, field):
    if field.data and not is_valid_phone(field.data):
        raise ValidationError(_l("Not a valid phone number."))


def in_fen(form, field):
    """A price in yuan with at most two decimals (fen): 8497.46. Before NumberRange, which cannot
    compare NaN or Infinity (DecimalField takes them)."""
    if field.data is None:
        return
    if not field.data.is_finite() or abs(field.data) >= 10 ** 10:
        raise StopValidation(_l("Not a plausible amount."))
    if field.data != field.data.quantize(Decimal("0.01")):
        raise StopValidation(_l("At most two decimals (yuan and fen)."))


def text(label, max_len, required=False, **kw):
    validators = [DataRequired()] if required else [Optional()]
    return StringField(label, validators=[*validators, Length(max=max_len)], **kw)


class CustomerForm(PortalForm):
    kind = SelectField(_l("Type"), choices=[(k.value, KIND_LABELS[k]) for k in CustomerKind],
                       default=CustomerKind.OWNER.value)
    name = text(_l("Name"), 100, required=True)
    gender = SelectField(_l("Gender"), choices=[("", "—"), *((g.value, label) for g, label in GENDER_LABELS.items())],
                         validators=[Optional()])
    birthday = DateField(_l("Birthday"), validators=[Optional(), archive_date], format="%Y-%m-%d")
    stated_age = IntegerField(_l("Age (stated)"), validators=[Optional(), NumberRange(min=0, max=130)])
    id_number = StringField(_l("ID number"), validators=[Optional(), Length(max=18), valid_id_number])
    phone1 = StringField(_l("Phone 1"), validators=[DataRequired(), Length(max=20), valid_phone])
    phone2 = StringField(_l("Phone 2"), validators=[Optional(), Length(max=20), valid_phone])
    address = text(_l("Address"), 200)
    postcode = StringField(_l("Postcode"), validators=[Optional(), Length(max=10)])
    employer = text(_l("Employer"), 100)
    position = text(_l("Position"), 50)
    occupation = text(_l("Occupation"), 50)
    living_area = text(_l("Living area"), 100)
    working_area = text(_l("Working area"), 100)
    education = text(_l("Education"), 30)
    marital_status = text(_l("Marital status"), 20)
    family_structure = text(_l("Family structure"), 50)
    household_size = IntegerField(_l("Household size"), validators=[Optional(), NumberRange(min=1, max=50)])
    income_band = text(_l("Income band"), 30)
    how_learned = text(_l("How they learned of the project"), 50)
    car_plate = text(_l("Car plate"), 20)
    prospect_project_id = SelectField(_l("Project of interest"), coerce=int, validators=[Optional()])
    wanted_layout = text(_l("Wanted layout"), 50)
    wanted_area = text(_l("Wanted area"), 30)
    wanted_floor = text(_l("Wanted floor"), 30)
    payment_method = text(_l("Payment method"), 30)
    purchase_purpose = text(_l("Purpose of purchase"), 50)
    previous_purchases = IntegerField(_l("Previous purchases"), validators=[Optional(), NumberRange(min=0, max=99)])
    receiving_salesperson = text(_l("Receiving salesperson"), 50)
    archive_year = IntegerField(_l("Archive volume (year)"), validators=[DataRequired(), NumberRange(min=1990, max=2100)])
    special_kind = SelectField(_l("Special owner"), choices=[("", "—")] + [(k.value, SPECIAL_LABELS[k])
                                                                           for k in SpecialKind],
                               validators=[Optional()])
    special_note = text(_l("Special owner note"), 200)
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=1000)])

    clear_phone2 = BooleanField(_l("Remove phone 2"))
    # An owner typed in needs the ID number; an owner on file without one (from the property
    # company's list, which has none) stays editable without it: the edit view turns this off.
    owner_needs_id_number = True

    # The birthday is compared with the ID number's when it was typed in: the edit view turns
    # this off when the input was left empty (a hidden birthday then keeps the stored one).
    birthday_typed = True

    def validate_birthday(self, field):
        if not isinstance(field.data, date):
            return
        if field.data > local_date(now_utc()):
            raise ValidationError(_l("A birthday cannot be after today."))
        facts = born_and_male(self.id_number.data or "")
        if self.birthday_typed and facts and facts[0] != field.data:
            raise ValidationError(_l("The ID number gives another birthday: %(day)s.", day=facts[0].isoformat()))

    def validate_kind(self, field):
        if field.data == CustomerKind.OWNER.value and not self.id_number.data and self.owner_needs_id_number:
            raise ValidationError(_l("An owner's ID number is required."))

    def values(self) -> dict:
        data = {name: self[name].data for name in (
            "name", "birthday", "stated_age", "id_number", "phone1", "phone2", "address", "postcode", "employer",
            "position", "occupation", "living_area", "working_area", "education", "marital_status",
            "family_structure", "household_size", "income_band", "how_learned", "car_plate", "wanted_layout",
            "wanted_area", "wanted_floor", "payment_method", "purchase_purpose", "previous_purchases",
            "receiving_salesperson", "archive_year", "special_note", "note")}
        data["kind"] = CustomerKind(self.kind.data)
        data["gender"] = Gender(self.gender.data) if self.gender.data else None
        facts = born_and_male(data["id_number"] or "")
        if facts:  # not typed in, they follow from the ID number, as on import
            if not (self.birthday_typed and data["birthday"]):
                # the edit page's hidden birthday is the stored one: a corrected number moves it
                data["birthday"] = facts[0]
            data["gender"] = data["gender"] or (Gender.MALE if facts[1] else Gender.FEMALE)
        data["special_kind"] = SpecialKind(self.special_kind.data) if self.special_kind.data else None
        data["prospect_project_id"] = self.prospect_project_id.data or None
        return data


class PurchaseForm(PortalForm):
    project_id = SelectField(_l("Project"), coerce=int, validators=[DataRequired()])
    building = text(_l("Building"), 30)
    room = text(_l("Room"), 30, required=True)
    signing_date = DateField(_l("Signing date"), validators=[Optional(), archive_date], format="%Y-%m-%d")
    handover_date = DateField(_l("Handover date"), validators=[Optional(), archive_date], format="%Y-%m-%d")
    property_nature = text(_l("Property nature"), 30)
    property_type = text(_l("Property type"), 30)
    floor_area = FloatField(_l("Floor area (m²)"), validators=[Optional(), NumberRange(min=0.01, max=1_000_000)])
    unit_price = DecimalField(_l("Unit price (yuan/m²)"), places=2,
                              validators=[Optional(), in_fen, NumberRange(min=0, max=10_000_000)])
    total_price = DecimalField(_l("Total price (yuan)"), places=2,
                               validators=[Optional(), in_fen, NumberRange(min=0, max=2_000_000_000)])
    salesperson = text(_l("Salesperson"), 50)

    def values(self) -> dict:
        return {name: self[name].data for name in (
            "project_id", "building", "room", "signing_date", "handover_date", "property_nature", "property_type",
            "floor_area", "unit_price", "total_price", "salesperson")}


class QualityForm(PortalForm):
    basis = SelectField(_l("Basis"), choices=[(k.value, QUALITY_LABELS[k]) for k in
                                              (QualityBasisKind.REFERRAL, QualityBasisKind.SUGGESTION)])
    evidence = TextAreaField(_l("Evidence"), validators=[DataRequired(), Length(max=500)])


class CareForm(PortalForm):
    day = DateField(_l("Date"), validators=[DataRequired(message=DATE_MSG)], format="%Y-%m-%d")
    kind = SelectField(_l("Kind"), choices=list(CARE_KINDS.items()))
    description = TextAreaField(_l("Description"), validators=[DataRequired(), Length(max=500)])


class AttachmentForm(PortalForm):
    file = FileField(_l("File (PDF, JPEG, PNG, WebP)"))


class RevealForm(PortalForm):
    field = HiddenField()


class AccessRequestForm(PortalForm):
    scope = RadioField(_l("Scope"), choices=[(AccessScope.CUSTOMER.value, _l("One customer")),
                                             (AccessScope.PROJECT.value, _l("One project")),
                                             (AccessScope.VOLUME.value, _l("One year's volume"))],
                       default=AccessScope.CUSTOMER.value)
    customer_id = IntegerField(_l("Customer number"), validators=[Optional()])
    project_id = SelectField(_l("Project"), coerce=int, validators=[Optional()])
    volume_year = IntegerField(_l("Year"), validators=[Optional(), NumberRange(min=1990, max=2100)])
    # left empty: the default period (DOMAIN.md §3: default 7 days, at most 30)
    period_days = IntegerField(_l("Period (days)"), default=DEFAULT_PERIOD_DAYS,
                               validators=[Optional(), NumberRange(min=1, max=MAX_PERIOD_DAYS)])
    wants_export = BooleanField(_l("I also need to export the records to Excel"))
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=500)])


class DecisionForm(PortalForm):
    decision = RadioField(_l("Decision"), choices=[("approve", _l("Approve")), ("reject", _l("Reject"))],
                          validators=[DataRequired()])
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=500)])


class ImportForm(PortalForm):
    source = SelectField(_l("Submitted by"), choices=[(ImportSource.MARKETING.value, _l("Marketing department")),
                                                      (ImportSource.PROPERTY.value, _l("Property company"))])
    customer_kind = SelectField(_l("List"), choices=[
        (CustomerKind.OWNER.value, _l("Owner list")),
        (CustomerKind.PROSPECT.value, _l("Prospect register (sales sites' call and visit register)"))],
        default=CustomerKind.OWNER.value)
    year = IntegerField(_l("Archive volume (year)"), validators=[DataRequired(), NumberRange(min=1990, max=2100)])
    project_id = SelectField(
        _l("Project of the rows that name none (项目; of a prospect register: the project asked about)"),
        coerce=int, default=0)
    file = FileField(_l("Excel (.xlsx) or CSV file"))
