"""Validation of Chinese identifiers: mainland phone numbers and resident ID numbers."""
from __future__ import annotations

import re
import unicodedata
from datetime import date

from flask_babel import lazy_gettext as _l
from stdnum import numdb
from stdnum.cn import ric
from stdnum.exceptions import ValidationError

from portal.services.clock import local_date, now_utc

# Mobile: 1[3-9] + 9 digits. Landline: optional 0 + 2–3 digit area code, 7–8 digits,
# optional extension (e.g. 0991-1234567, 010-12345678-123).
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")


def _half_width(value: str) -> str:
    """Full-width digits, letters and punctuation (１３８…, Ｘ, －, as a Chinese input method types
    them) as their ASCII forms; other characters as they are."""
    return unicodedata.normalize("NFKC", value or "")


def normalise_phone(value: str) -> str:
    value = _half_width(value).strip().replace(" ", "")
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("0086"):
        value = value[4:]
    return value


def is_valid_phone(value: str) -> bool:
    value = normalise_phone(value)
    return bool(MOBILE_RE.match(value) or LANDLINE_RE.match(value))


def normalise_id_number(value: str) -> str:
    return _half_width(value).strip().upper()


# The years a date in a customer's archive record (birthday, signing, handover) may fall in, on
# the form and in an imported file alike.
ARCHIVE_FIRST_YEAR, ARCHIVE_LAST_YEAR = 1900, 2100


# What ``id_number_problem`` finds wrong, in words (the form and the import say which part).
ID_NUMBER_PROBLEMS = {
    "format": _l("An ID number has 18 characters: 17 digits, then a digit or X."),
    "check_digit": _l("The last character (the check digit) does not match the first 17: a digit is mistyped."),
    "birth_date": _l("Characters 7–14 are not a valid birth date."),
    "born_later": _l("The birth date in the number (characters 7–14) is after today."),
    "province": _l("The first two digits are not a province's code."),
}


def id_number_problem(value: str, today: date | None = None) -> str | None:
    """What is wrong with a resident ID number (a key of ``ID_NUMBER_PROBLEMS``), or None.

    GB 11643-1999: 18 characters, the ISO 7064 MOD 11-2 check digit, a valid birth date that is
    not after ``today`` (default: today in the portal's time zone; stdnum accepts tomorrow), and a
    province stdnum knows. Not ``stdnum.cn.ric.validate``'s test that the six-digit region code
    existed in the birth year: a code is assigned when its district is created, and the district's
    people were born before that (天山区 650102 dates from 1983, 浦东新区 310115 from 1992: every owner
    born earlier was refused). Nor that stdnum's list of counties (compiled from Wikipedia) holds
    the code at all: one code missing there would refuse real owners, and one refused row stops a
    whole list of 100,000. The check digit catches a mistyped digit; the province is a cheap guard
    against a number made up whole. One dict lookup per number: the import checks 100,000."""
    try:
        number = ric.compact(normalise_id_number(value))
    except (ValidationError, ValueError):
        return "format"
    if len(number) != 18 or not number[:-1].isdigit() or not number[:-1].isascii():
        return "format"
    if number[-1] != ric.calc_check_digit(number):
        return "check_digit"
    try:
        born = ric.get_birth_date(number)
    except (ValidationError, ValueError):
        return "birth_date"
    if born > (today or local_date(now_utc())):
        return "born_later"
    if not _is_province(number[:2]):
        return "province"
    return None


def is_valid_id_number(value: str, today: date | None = None) -> bool:
    return id_number_problem(value, today) is None


def birth_facts(number: str) -> tuple[date, bool]:
    """What a number ``id_number_problem`` accepted says of its holder: the birth date (characters
    7–14) and whether male (the 17th digit odd). By slicing: the import derives them for 100,000
    rows already checked."""
    return date(int(number[6:10]), int(number[10:12]), int(number[12:14])), int(number[16]) % 2 == 1


def born_and_male(value: str, today: date | None = None) -> tuple[date, bool] | None:
    """``birth_facts`` of a typed ID number, or None for one ``id_number_problem`` refuses."""
    if id_number_problem(value, today):
        return None
    return birth_facts(normalise_id_number(value))


# 港澳台居民居住证 numbers are written like resident ID numbers: Hong Kong 81, Macao 82 (in stdnum's
# list) and Taiwan 83 (not in it).
_PROVINCES: dict[str, bool] = {"83": True}


def _is_province(code: str) -> bool:
    known = _PROVINCES.get(code)
    if known is None:  # at most 100 codes: no bound needed
        known = _PROVINCES[code] = "province" in numdb.get("cn/loc").info(code)[0][1]
    return known
