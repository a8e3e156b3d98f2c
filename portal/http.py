"""The portal's request class: form and query values never carry control characters.

PostgreSQL refuses NUL bytes in text, and no field of the portal has a use for C0 control
characters (other than tab and line breaks), so they are removed once, here, for every
form field and query parameter, instead of in every form.
"""
from __future__ import annotations

import re
from functools import cached_property

from flask import Request
from werkzeug.datastructures import ImmutableMultiDict

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str) -> str:
    return _CONTROL.sub("", value) if isinstance(value, str) else value


def _clean(multidict):
    if not any(isinstance(v, str) and _CONTROL.search(v) for v in multidict.values()) and not any(
        _CONTROL.search(k) for k in multidict.keys()
    ):
        return multidict
    return ImmutableMultiDict([(clean_text(k), clean_text(v)) for k, v in multidict.items(multi=True)])


class PortalRequest(Request):
    def _load_form_data(self) -> None:
        super()._load_form_data()
        form = self.__dict__.get("form")
        if form is not None:
            self.__dict__["form"] = _clean(form)

    @cached_property
    def args(self):  # type: ignore[override]
        return _clean(super().args)


MAX_DB_ID = 2**31 - 1  # PostgreSQL INTEGER: larger numbers are refused by the database


def db_id(value) -> int | None:
    """``value`` if it can be a row id (1 … 2^31-1), else None: a guard before ``session.get``
    with numbers taken from a request."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= MAX_DB_ID else None


def bounded_int_converter():
    """``<int:…>`` in URLs matches only numbers a row id can have: larger ones are a 404, not a
    database error."""
    from werkzeug.routing import IntegerConverter

    class BoundedIntConverter(IntegerConverter):
        def __init__(self, map, *args, **kwargs):
            kwargs.setdefault("max", MAX_DB_ID)
            super().__init__(map, *args, **kwargs)

    return BoundedIntConverter
