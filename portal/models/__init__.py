"""Typed SQLAlchemy models, one module per aggregate. Importing this package registers them all."""
from portal.models.archive import Customer, Purchase
from portal.models.audit import AuditEvent
from portal.models.base import UTCDateTime, utcnow
from portal.models.notification import Notification
from portal.models.org import OrgKind, OrgUnit, Project
from portal.models.settings import CalendarOverride, ComplaintCategory, Setting
from portal.models.shared import Attachment, SerialCounter
from portal.models.user import LoginAttempt, User, UserRole
from portal.models.reception import Contact, ContactEvent, WorkOrder  # noqa: E402  (reception)

__all__ = [
    "Attachment", "AuditEvent", "CalendarOverride", "Customer", "Purchase", "SerialCounter", "ComplaintCategory", "LoginAttempt", "Notification",
    "OrgKind", "OrgUnit", "Project", "Setting", "User", "UserRole", "UTCDateTime", "utcnow",
]
__all__ += ["Contact", "ContactEvent", "WorkOrder"]
