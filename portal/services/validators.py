"""Validation of Chinese identifiers: mainland phone numbers and resident ID numbers."""
from __future__ import annotations

import re

from stdnum.cn import ric
from stdnum.exceptions import ValidationError

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


def is_valid_id_number(value: str) -> bool:
    """GB 11643-1999: 18 characters, a valid birth date and the ISO 7064 MOD 11-2 check digit."""
    try:
        ric.validate(normalise_id_number(value))
    except ValidationError:
        return False
    return True
