"""Display names of the reception enums (translated lazily, so usable at import time)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.models.reception import (
    Channel, ContactCategory, ContactStatus, EventKind, RepairKind, RepairRevisitWay, RepairType, ReplyMethod, Urgency,
    WorkOrderStatus,
)

CHANNEL_LABELS = {
    Channel.PHONE: _l("Phone call"), Channel.VISIT: _l("Visit"), Channel.LETTER: _l("Letter"),
    Channel.EMAIL: _l("E-mail"), Channel.ONLINE: _l("Online"),
}
CATEGORY_LABELS = {
    ContactCategory.INQUIRY: _l("Inquiry"), ContactCategory.REPAIR: _l("Repair"),
    ContactCategory.COMPLAINT: _l("Complaint"), ContactCategory.SUGGESTION: _l("Suggestion"),
    ContactCategory.PRAISE: _l("Praise"), ContactCategory.OTHER: _l("Other"),
}
URGENCY_LABELS = {
    Urgency.GENERAL: _l("General"), Urgency.IMPORTANT: _l("Important"), Urgency.EMERGENCY: _l("Emergency"),
}
STATUS_LABELS = {
    ContactStatus.OPEN: _l("In handling"), ContactStatus.DISPATCHED: _l("Dispatched"),
    ContactStatus.CLOSED: _l("Closed"),
}
REPLY_METHOD_LABELS = {
    ReplyMethod.PHONE: _l("By phone"), ReplyMethod.SMS: _l("By text message"),
    ReplyMethod.IN_PERSON: _l("In person"), ReplyMethod.LETTER: _l("By letter"), ReplyMethod.EMAIL: _l("By e-mail"),
}
WORK_ORDER_STATUS_LABELS = {WorkOrderStatus.OPEN: _l("Not finished"), WorkOrderStatus.DONE: _l("Done")}
REPAIR_KIND_LABELS = {RepairKind.ORDINARY: _l("Ordinary repair"), RepairKind.MAJOR: _l("Major repair")}
REPAIR_TYPE_LABELS = {
    RepairType.WATER_LEAK: _l("Water leak / seepage"), RepairType.PLUMBING: _l("Water supply and drains"),
    RepairType.ELECTRICAL: _l("Electrical"), RepairType.DOORS_WINDOWS: _l("Doors and windows"),
    RepairType.WALLS_FLOORS: _l("Walls and floors (cracks, hollows)"), RepairType.HEATING: _l("Heating"),
    RepairType.FIXTURES: _l("Kitchen and bathroom fittings"), RepairType.PUBLIC_AREA: _l("Common areas"),
    RepairType.OTHER: _l("Other repair"),
}
EVENT_LABELS = {
    EventKind.CREATED: _l("Registered"), EventKind.REASSIGNED: _l("Reassigned"),
    EventKind.DISPATCHED: _l("Dispatched as a work order"), EventKind.PROGRESS: _l("Progress"),
    EventKind.WORK_DONE: _l("Work order done"), EventKind.REPLY: _l("Reply to the customer"),
    EventKind.CLOSED: _l("Closed"), EventKind.REOPENED: _l("Reopened"),
    EventKind.COMPLAINT_LINKED: _l("Registered as a complaint"),
    EventKind.REPEAT_FLAGGED: _l("Repeat repair within 30 days: leader revisits in person"),
    EventKind.REPAIR_REVISITED: _l("Customer revisited after the repair"),
}
REVISIT_WAY_LABELS = {RepairRevisitWay.PHONE: _l("By phone"), RepairRevisitWay.ON_SITE: _l("On site")}
REVISIT_LABELS = {
    "phone": _l("Phone revisit"), "on_site": _l("On-site revisit"),
    "leader_in_person": _l("Leader revisits in person"),
}
REPLY_STATE_LABELS = {
    "overdue": _l("Overdue"), "due_soon": _l("Due soon"), "replied": _l("Replied"), "pending": "",
}


def choices(labels: dict, blank=None) -> list[tuple[str, object]]:
    rows = [(k.value if hasattr(k, "value") else k, v) for k, v in labels.items()]
    return ([("", blank)] if blank is not None else []) + rows


TEMPLATE_LABELS = {
    "channel_labels": CHANNEL_LABELS, "category_labels": CATEGORY_LABELS, "urgency_labels": URGENCY_LABELS,
    "status_labels": STATUS_LABELS, "reply_method_labels": REPLY_METHOD_LABELS,
    "wo_status_labels": WORK_ORDER_STATUS_LABELS, "repair_kind_labels": REPAIR_KIND_LABELS,
    "repair_type_labels": REPAIR_TYPE_LABELS, "event_labels": EVENT_LABELS, "revisit_labels": REVISIT_LABELS,
    "revisit_way_labels": REVISIT_WAY_LABELS,
    "reply_state_labels": REPLY_STATE_LABELS,
}
