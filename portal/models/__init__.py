"""Typed SQLAlchemy models, one module per aggregate. Importing this package registers them all."""
from portal.models.archive import Customer, Purchase
from portal.models.archive import (  # noqa: F401  (archives area)
    AccessScope, AccessStatus, ArchiveAccessRequest, ArchiveImport, ArchiveReadLog, CareActivity, CustomerChange,
    CustomerKind, Gender, ImportSource, ImportStatus, QualityBasis, QualityBasisKind, SpecialKind,
)
from portal.models.audit import AuditEvent
from portal.models.base import UTCDateTime, utcnow
from portal.models.notification import Notification
from portal.models.org import OrgKind, OrgUnit, Project
from portal.models.settings import CalendarOverride, ComplaintCategory, Setting
from portal.models.shared import Attachment, SerialCounter
from portal.models.user import LoginAttempt, User, UserRole
from portal.models.complaint import (  # noqa: E402
    Complaint, ComplaintEvent, CustomerContact, LeaderComment, LeaderReport, Matter, WorkContactForm,
)
from portal.models.reception import Contact, ContactEvent, WorkOrder  # noqa: E402  (reception)

__all__ = [
    "Attachment", "AuditEvent", "CalendarOverride", "Customer", "Purchase", "SerialCounter", "ComplaintCategory", "LoginAttempt", "Notification",
    "OrgKind", "OrgUnit", "Project", "Setting", "User", "UserRole", "UTCDateTime", "utcnow",
    "Complaint", "ComplaintEvent", "CustomerContact", "LeaderComment", "LeaderReport", "Matter", "WorkContactForm",
]
from portal.models.reminder import (  # noqa: E402
    PeriodicRun, Reminder, ReminderDelivery, ReminderEmailPreference, ReminderStatus,
)

__all__ += ["PeriodicRun", "Reminder", "ReminderDelivery", "ReminderEmailPreference", "ReminderStatus"]
from portal.models.revisit import (  # noqa: E402  (revisits)
    RevisitAttempt, RevisitFollowUp, RevisitMethod, RevisitPlan, RevisitScript, RevisitStatus,
)

__all__ += ["RevisitAttempt", "RevisitFollowUp", "RevisitMethod", "RevisitPlan", "RevisitScript", "RevisitStatus"]
__all__ += ["Contact", "ContactEvent", "WorkOrder"]
from portal.models.report import ExportStatus, MonthlyReport, ReportExport, ReportStatus  # noqa: E402  (reports)

__all__ += ["ExportStatus", "MonthlyReport", "ReportExport", "ReportStatus"]
