"""Validation of Chinese identifiers: mainland phone numbers and resident ID numbers."""
from __future__ import annotations

import re
from datetime import date

from stdnum.cn import ric
from stdnum.exceptions import ValidationError

from portal.services.clock import local_date, now_utc

# Mobile: 1[3-9] + 9 digits. Landline: optional 0 + 2–3 digit area code, 7–8 digits,
# optional extension (e.g. 0991-1234567, 010-12345678-123).
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")


def normalise_phone(value: str) -> str:
    value = (value or "").strip().replace(" ", "")
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("0086"):
        value = value[4:]
    return value


def is_valid_phone(value: str) -> bool:
    value = normalise_phone(value)
    return bool(MOBILE_RE.match(value) or LANDLINE_RE.match(value))


def normalise_id_number(value: str) -> str:
    return (value or "").strip().upper()


def is_valid_id_number(value: str, today: date | None = None) -> bool:
    """GB 11643-1999: 18 characters, the ISO 7064 MOD 11-2 check digit, a valid birth date that
    is not after ``today`` (default: today in the portal's time zone) and an administrative
    region that existed in the birth year — ``stdnum.cn.ric.validate``, step by step, so the
    costly step (the region lookup in stdnum's data file, ~0.2 ms) is done once per region and
    year: an owner list of 100,000 rows repeats a few hundred of them. (stdnum accepts a birth
    date in the future; nobody holding an ID number was born tomorrow.)"""
    try:
        number = ric.compact(normalise_id_number(value))
        if len(number) != 18 or not number[:-1].isdigit() or not number[:-1].isascii():
            return False
        if number[-1] != ric.calc_check_digit(number):
            return False
        born = ric.get_birth_date(number)
    except (ValidationError, ValueError):
        return False
    if born > (today or local_date(now_utc())):
        return False
    return _region_existed(number)


_REGIONS: dict[tuple[str, str], bool] = {}


def _region_existed(number: str) -> bool:
    key = (number[:6], number[6:10])  # get_birth_place looks at nothing else
    known = _REGIONS.get(key)
    if known is None:
        try:
            ric.get_birth_place(number)
            known = True
        except ValidationError:
            known = False
        if len(_REGIONS) > 200_000:  # bounded: every region × every year is about that
            _REGIONS.clear()
        _REGIONS[key] = known
    return known
