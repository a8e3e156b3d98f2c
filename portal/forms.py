"""The portal's base form.

Flask-WTF finds WTForms' own messages ("Not a valid choice" …) by reading and parsing WTForms'
catalogue from disk once per request that uses a form: ~0.3 ms of a list page with a filter bar.
The catalogue only depends on the locale, so it is parsed once per locale and process.
"""
from __future__ import annotations

import functools

from babel import support
from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms.i18n import messages_path


@functools.cache
def wtforms_catalogue(locale: str) -> support.Translations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class PortalForm(FlaskForm):
    class Meta:
        def get_translations(self, form):
            return wtforms_catalogue(str(get_locale()))
