"""The portal's base form, and the one way every form reads a typed date.

Flask-WTF finds WTForms' own messages ("Not a valid choice" …) by reading and parsing WTForms'
catalogue from disk once per request that uses a form: ~0.3 ms of a list page with a filter bar.
The catalogue only depends on the locale, so it is parsed once per locale and process.

Dates and times typed into any form go through ``parse_datetime_input`` (a date and time) or the
``sensible_years`` validator (a DateField): a value that does not parse, or whose year lies outside
``clock.input_years`` (2000 to five years ahead), is a message on its field and the form comes
back as typed; never an error page, never a record dated in year 1. List filters read their dates
with ``filter_date``: an impossible date is ignored, not answered with an error.
"""
from __future__ import annotations

import functools
from datetime import date, datetime

from babel import support
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms.i18n import messages_path
from wtforms.validators import ValidationError

from portal.services.clock import YearOutOfRange, in_input_years, input_years, parse_local_input


@functools.cache
def wtforms_catalogue(locale: str) -> support.Translations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class PortalForm(FlaskForm):
    class Meta:
        def get_translations(self, form):
            return wtforms_catalogue(str(get_locale()))


# --- typed dates ------------------------------------------------------------------------------------

def years_message() -> str:
    first, last = input_years()
    return _("Enter a date between the years %(first)s and %(last)s.", first=first, last=last)


class DateInputError(ValueError):
    """A typed date or time the portal refuses; ``message`` is for the field."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def parse_datetime_input(raw: str, bad_format) -> datetime:
    """The UTC instant a typed local date and time names. Raises DateInputError with
    ``bad_format`` (the area's own wording) when it does not parse, or with ``years_message()``
    when its year is outside ``clock.input_years``."""
    try:
        return parse_local_input(raw)
    except YearOutOfRange:
        raise DateInputError(years_message()) from None
    except (ValueError, TypeError, OverflowError):
        raise DateInputError(bad_format) from None


def sensible_years(form, field) -> None:
    """WTForms validator for a DateField: its year within ``clock.input_years`` (empty passes)."""
    if isinstance(field.data, date) and not in_input_years(field.data):
        raise ValidationError(years_message())


def filter_date(value) -> date | None:
    """A list filter's date (a date, or the ISO text of a query argument): None when absent,
    unreadable or outside ``clock.input_years``, so the list is simply not limited by it."""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            return None
    if not isinstance(value, date) or isinstance(value, datetime):
        return None
    return value if in_input_years(value) else None
