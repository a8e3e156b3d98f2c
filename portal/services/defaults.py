"""The reference data every installation starts with (``flask init-db``)."""
from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.models import ComplaintCategory, OrgKind, OrgUnit

# Seed 000 §7 (客户投诉的分类): five categories.
DEFAULT_CATEGORIES = [
    ("engineering_quality", "工程质量", "房屋质量、设计、施工等工程方面的投诉"),
    ("sales_management", "销售管理", "销售承诺、合同、价格、交付等销售方面的投诉"),
    ("property_management", "物业管理", "物业服务、收费、安保、保洁等方面的投诉"),
    ("customer_service", "客户服务", "员工服务态度和工作质量方面的投诉"),
    ("other", "其他", "合作单位、社会环境等其他方面的投诉"),
]

GROUP_NAME = "集团公司"
CENTER_NAME = "客户服务中心"
DEFAULT_DEPARTMENTS = ["营销部", "工程部"]


def ensure_defaults() -> dict[str, OrgUnit]:
    """Create the group, the center, the default departments and categories if missing.
    Safe to run any number of times."""
    units = {u.name: u for u in db.session.scalars(select(OrgUnit))}

    def unit(name, kind, parent):
        if name not in units:
            units[name] = OrgUnit(name=name, kind=kind, parent=parent)
            db.session.add(units[name])
        return units[name]

    group = unit(GROUP_NAME, OrgKind.GROUP, None)
    unit(CENTER_NAME, OrgKind.CENTER, group)
    for name in DEFAULT_DEPARTMENTS:
        unit(name, OrgKind.DEPARTMENT, group)

    existing = set(db.session.scalars(select(ComplaintCategory.code)))
    for order, (code, name, description) in enumerate(DEFAULT_CATEGORIES):
        if code not in existing:
            db.session.add(ComplaintCategory(code=code, name=name, description=description, sort_order=order * 10))
    db.session.flush()
    return units
