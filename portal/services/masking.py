"""Masking of personal identifiers (DOMAIN.md §3): ``110101********1234``, ``138****5678``.

Pages, fragments, exports, notifications and logs show masked values unless a logged
"reveal" was made by someone allowed to.
"""
from __future__ import annotations


def mask_id_number(value: str | None) -> str:
    """Keep the 6-digit region code and the last 4: 110101********1234."""
    if not value:
        return ""
    value = value.strip()
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str | None) -> str:
    """Keep the first 3 and last 4 digits of a mobile number: 138****5678; a landline written
    with its area code keeps that code and the last 4 digits: 0991-***4567."""
    if not value:
        return ""
    value = value.strip()
    area, dash, number = value.partition("-")
    if dash and area.startswith("0") and area.isdigit() and len(number) > 4:
        return f"{area}-" + "*" * (len(number) - 4) + number[-4:]
    if len(value) >= 11:
        return value[:3] + "*" * (len(value) - 7) + value[-4:]
    if len(value) > 4:
        return "*" * (len(value) - 4) + value[-4:]
    return "*" * len(value)


def mask_name(value: str | None) -> str:
    """张三丰 → 张**: for places that must not identify the person (confidential complaints)."""
    if not value:
        return ""
    value = value.strip()
    return value[0] + "*" * max(len(value) - 1, 1)
