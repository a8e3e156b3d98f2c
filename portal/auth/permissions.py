"""Roles → permissions: the one table that says who may do what.

Views declare the permission they need (``@require(Perm.X)``); templates ask
``current_user.can(Perm.X)``. Nothing compares role names outside this module.
Per-object rules (branch scope, confidentiality, archive grants) come on top, in the
``get_*_or_403`` helpers of each area.
"""
from __future__ import annotations

import enum


class Role(str, enum.Enum):
    ADMIN = "admin"
    CENTER_STAFF = "center_staff"
    CENTER_MANAGER = "center_manager"
    LEADER = "leader"
    BRANCH_STAFF = "branch_staff"
    DEPARTMENT_STAFF = "department_staff"


class Perm(str, enum.Enum):
    # administration
    ADMIN_USERS = "admin.users"
    ADMIN_ORG = "admin.org"  # org units and projects
    ADMIN_CATALOG = "admin.catalog"  # complaint categories and other editable lists
    ADMIN_CALENDAR = "admin.calendar"
    ADMIN_SETTINGS = "admin.settings"
    ADMIN_JOBS = "admin.jobs"
    AUDIT_READ = "audit.read"
    # reception (来电来访来函) and work orders (派工单)
    RECEPTION_READ = "reception.read"  # scoped: branch/department users see their own unit's
    RECEPTION_WRITE = "reception.write"
    RECEPTION_ASSIGN = "reception.assign"
    WORKORDER_READ = "workorder.read"  # scoped to the user's org unit outside the center
    WORKORDER_UPDATE = "workorder.update"
    # complaints (投诉)
    COMPLAINT_READ = "complaint.read"  # scoped and confidentiality-filtered per object
    COMPLAINT_WRITE = "complaint.write"
    COMPLAINT_MANAGE = "complaint.manage"  # assign, override severity, archive
    COMPLAINT_COMMENT = "complaint.comment"  # leaders' comments and instructions
    COMPLAINT_FILE = "complaint.file"  # branch/department filing (备案) of complaints they handled
    COMPLAINT_ACCEPT_FILING = "complaint.accept_filing"
    CONTACT_FORM_REPLY = "complaint.contact_form_reply"  # answer a work contact form (工作联系单)
    # customer archives (客户档案)
    ARCHIVE_READ = "archive.read"  # direct read: center only; others need a grant
    ARCHIVE_WRITE = "archive.write"
    ARCHIVE_REVEAL = "archive.reveal"  # unmask an ID number or phone (logged)
    ARCHIVE_IMPORT = "archive.import"
    ARCHIVE_EXPORT = "archive.export"
    ARCHIVE_REQUEST = "archive.request"  # ask a leader for access
    ARCHIVE_APPROVE = "archive.approve"
    ARCHIVE_AUDIT_READ = "archive.audit_read"  # who looked at a customer, and why
    # revisits (回访)
    REVISIT_READ = "revisit.read"
    REVISIT_WRITE = "revisit.write"
    REVISIT_SCRIPT_EDIT = "revisit.script_edit"
    # reports (报表)
    REPORT_READ = "report.read"  # branch users: their own branch only
    REPORT_SIGN = "report.sign"


_CENTER_STAFF = {
    Perm.RECEPTION_READ, Perm.RECEPTION_WRITE,
    Perm.WORKORDER_READ, Perm.WORKORDER_UPDATE,
    Perm.COMPLAINT_READ, Perm.COMPLAINT_WRITE, Perm.COMPLAINT_ACCEPT_FILING,
    Perm.ARCHIVE_READ, Perm.ARCHIVE_WRITE, Perm.ARCHIVE_REVEAL, Perm.ARCHIVE_IMPORT,
    Perm.REVISIT_READ, Perm.REVISIT_WRITE,
    Perm.REPORT_READ,
}

ROLE_PERMISSIONS: dict[Role, frozenset[Perm]] = {
    # The administrator runs the system, and has no implicit access to customer data.
    Role.ADMIN: frozenset({
        Perm.ADMIN_USERS, Perm.ADMIN_ORG, Perm.ADMIN_CATALOG, Perm.ADMIN_CALENDAR,
        Perm.ADMIN_SETTINGS, Perm.ADMIN_JOBS, Perm.AUDIT_READ, Perm.ARCHIVE_AUDIT_READ,
    }),
    Role.CENTER_STAFF: frozenset(_CENTER_STAFF),
    # The manager reads archives directly, but exporting them "needs its own approval" (DOMAIN.md
    # §3): ARCHIVE_REQUEST is for asking a leader for that, and the export opens only under it.
    Role.CENTER_MANAGER: frozenset(_CENTER_STAFF | {
        Perm.RECEPTION_ASSIGN, Perm.COMPLAINT_MANAGE, Perm.ARCHIVE_EXPORT, Perm.ARCHIVE_REQUEST,
        Perm.REVISIT_SCRIPT_EDIT, Perm.REPORT_SIGN,
    }),
    Role.LEADER: frozenset({
        Perm.RECEPTION_READ, Perm.COMPLAINT_READ, Perm.COMPLAINT_COMMENT,
        Perm.ARCHIVE_REQUEST, Perm.ARCHIVE_APPROVE, Perm.ARCHIVE_AUDIT_READ,
        Perm.REPORT_READ,
    }),
    Role.BRANCH_STAFF: frozenset({
        Perm.RECEPTION_READ, Perm.WORKORDER_READ, Perm.WORKORDER_UPDATE,
        Perm.COMPLAINT_READ, Perm.COMPLAINT_FILE, Perm.CONTACT_FORM_REPLY,
        Perm.ARCHIVE_REQUEST, Perm.REPORT_READ,
    }),
    Role.DEPARTMENT_STAFF: frozenset({
        Perm.RECEPTION_READ, Perm.WORKORDER_READ, Perm.WORKORDER_UPDATE,
        Perm.COMPLAINT_READ, Perm.COMPLAINT_FILE, Perm.CONTACT_FORM_REPLY,
        Perm.ARCHIVE_REQUEST,
    }),
}


def permissions_for(roles) -> frozenset[Perm]:
    perms: set[Perm] = set()
    for role in roles:
        perms |= ROLE_PERMISSIONS.get(Role(role), frozenset())
    return frozenset(perms)
