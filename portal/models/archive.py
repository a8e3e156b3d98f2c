"""Customer archives (客户档案), DOMAIN.md §3.

``Customer`` and ``Purchase`` are what other areas link to (reception and complaints search
``Customer.name/phone1/phone2`` and ``Purchase.room``; revisits read ``Purchase.signing_date``
and ``handover_date``). Around them: the basis of a quality customer, care activities, the
change history, access requests/grants, the per-customer read log, and Excel/CSV imports.

ID numbers and phones are stored in full (the center must be able to call the customer) and
are masked everywhere they are shown unless a logged reveal was made; the change history
keeps masked values only, so it can be shown to anyone who may see the record.
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Float, ForeignKey, Index, Numeric, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime, str_enum, utcnow
from portal.models.org import Project


def _this_year() -> int:
    from portal.services.clock import now_utc, to_local

    return to_local(now_utc()).year


class CustomerKind(str, enum.Enum):
    OWNER = "owner"  # 业主
    PROSPECT = "prospect"  # 意向客户


class Gender(str, enum.Enum):
    MALE = "male"
    FEMALE = "female"


class SpecialKind(str, enum.Enum):
    """特殊业主, kept as a separate list (seed 000 §5)."""

    ELDERLY_ALONE = "elderly_alone"  # 孤寡老人
    RETIRED_APART = "retired_apart"  # 未与子女同住的退休老人
    MILITARY_FAMILY = "military_family"  # 军属
    OTHER = "other"


class QualityBasisKind(str, enum.Enum):
    """Why a customer is a quality customer (优质客户); any one qualifies."""

    REPEAT_PURCHASE = "repeat_purchase"  # bought twice or more (detected from purchases)
    REFERRAL = "referral"  # successfully referred a buyer
    SUGGESTION = "suggestion"  # made a constructive suggestion the company adopted


class Customer(db.Model):
    __tablename__ = "customer"
    __table_args__ = (
        # Name search is a prefix match (姓 or full name); varchar_pattern_ops lets PostgreSQL use
        # the index for LIKE 'x%' whatever the database collation.
        Index("ix_customer_name_prefix", "name", postgresql_ops={"name": "varchar_pattern_ops"}),
        # the import's search for a record without an ID number that a row's new number joins
        # (name + first phone): a list of 100,000 numbered owners asks it for every row
        Index("ix_customer_phone1_without_id", "phone1", postgresql_where=text("id_number IS NULL"),
              sqlite_where=text("id_number IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[CustomerKind] = mapped_column(str_enum(CustomerKind, 16), default=CustomerKind.OWNER, index=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    gender: Mapped[Gender | None] = mapped_column(str_enum(Gender, 8))
    birthday: Mapped[date | None]
    stated_age: Mapped[int | None]  # prospects give an age, not a birthday
    phone1: Mapped[str | None] = mapped_column(String(20), index=True)
    phone2: Mapped[str | None] = mapped_column(String(20), index=True)
    id_number: Mapped[str | None] = mapped_column(String(18), unique=True)
    address: Mapped[str | None] = mapped_column(String(200))
    postcode: Mapped[str | None] = mapped_column(String(10))
    employer: Mapped[str | None] = mapped_column(String(100))
    position: Mapped[str | None] = mapped_column(String(50))
    occupation: Mapped[str | None] = mapped_column(String(50))
    living_area: Mapped[str | None] = mapped_column(String(100))
    working_area: Mapped[str | None] = mapped_column(String(100))
    education: Mapped[str | None] = mapped_column(String(30))
    marital_status: Mapped[str | None] = mapped_column(String(20))
    family_structure: Mapped[str | None] = mapped_column(String(50))
    household_size: Mapped[int | None]
    income_band: Mapped[str | None] = mapped_column(String(30))
    how_learned: Mapped[str | None] = mapped_column(String(50))  # 项目得知途径
    car_plate: Mapped[str | None] = mapped_column(String(20))
    # Prospects (意向客户, from the sales sites' call/visit registers)
    prospect_project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id"), index=True)
    wanted_layout: Mapped[str | None] = mapped_column(String(50))
    wanted_area: Mapped[str | None] = mapped_column(String(30))
    wanted_floor: Mapped[str | None] = mapped_column(String(30))
    payment_method: Mapped[str | None] = mapped_column(String(30))
    purchase_purpose: Mapped[str | None] = mapped_column(String(50))
    previous_purchases: Mapped[int | None]
    receiving_salesperson: Mapped[str | None] = mapped_column(String(50))
    # The yearly volume (年度卷) the record is filed in.
    archive_year: Mapped[int] = mapped_column(index=True, default=lambda: _this_year())
    is_quality: Mapped[bool] = mapped_column(default=False, index=True)
    special_kind: Mapped[SpecialKind | None] = mapped_column(str_enum(SpecialKind, 20), index=True)
    special_note: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    purchases: Mapped[list[Purchase]] = relationship(back_populates="customer", order_by="Purchase.id")
    quality_bases: Mapped[list[QualityBasis]] = relationship(back_populates="customer", order_by="QualityBasis.id")
    prospect_project: Mapped[Project | None] = relationship()

    def age_on(self, day: date) -> int | None:
        """Age in whole years on ``day`` (from the birthday), else the age the prospect gave."""
        if self.birthday is None:
            return self.stated_age
        years = day.year - self.birthday.year
        if (day.month, day.day) < (self.birthday.month, self.birthday.day):
            years -= 1
        return years


class Purchase(db.Model):
    """A room a customer bought: the dates here drive the routine revisits.

    Change purchases only through ``portal.services.archives`` (add/update/delete_purchase),
    where quality detection and the revisit plans hook in.
    """

    __tablename__ = "purchase"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    building: Mapped[str | None] = mapped_column(String(30))
    room: Mapped[str] = mapped_column(String(30), index=True)
    signing_date: Mapped[date | None]
    handover_date: Mapped[date | None]
    property_nature: Mapped[str | None] = mapped_column(String(30))  # 房屋建筑性质 (商品房 …)
    property_type: Mapped[str | None] = mapped_column(String(30))  # 类型 (住宅、商铺、车位 …)
    floor_area: Mapped[float | None] = mapped_column(Float)  # m²
    unit_price: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))  # yuan per m², with fen
    total_price: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))  # yuan, with fen
    salesperson: Mapped[str | None] = mapped_column(String(50))

    customer: Mapped[Customer] = relationship(back_populates="purchases")
    project: Mapped[Project] = relationship()


class QualityBasis(db.Model):
    """One reason a customer is a quality customer, with its evidence (seed 000 §5: 须保存认定依据)."""

    __tablename__ = "customer_quality_basis"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    basis: Mapped[QualityBasisKind] = mapped_column(str_enum(QualityBasisKind, 20))
    evidence: Mapped[str] = mapped_column(String(500))
    automatic: Mapped[bool] = mapped_column(default=False)  # detected from purchases, kept in step with them
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    customer: Mapped[Customer] = relationship(back_populates="quality_bases")


class CareActivity(db.Model):
    """A customer care activity (客户关怀): a birthday call, a festival gift, an event."""

    __tablename__ = "customer_care_activity"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    day: Mapped[date]
    kind: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(String(500))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CustomerChange(db.Model):
    """One changed field: who, when, old and new value. ID numbers and phones are kept masked, a
    project by its name."""

    __tablename__ = "customer_change"
    __table_args__ = (Index("ix_customer_change_customer_at", "customer_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    field: Mapped[str] = mapped_column(String(40))
    old_value: Mapped[str | None] = mapped_column(String(300))
    new_value: Mapped[str | None] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(String(20), default="form")  # form, import, purchase
    # a purchase row's project: a project grant shows the history of its project's rooms only
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id"))


class AccessScope(str, enum.Enum):
    CUSTOMER = "customer"  # one customer
    PROJECT = "project"  # every customer with a purchase in a project
    VOLUME = "volume"  # one year's volume


class AccessStatus(str, enum.Enum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    REVOKED = "revoked"
    WITHDRAWN = "withdrawn"


class ArchiveAccessRequest(db.Model):
    """A request to read archives; once approved it is the grant (read-only, until ``expires_at``)."""

    __tablename__ = "archive_access_request"
    __table_args__ = (Index("ix_archive_access_request_requester_status", "requester_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    requester_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    reason: Mapped[str] = mapped_column(String(500))
    scope: Mapped[AccessScope] = mapped_column(str_enum(AccessScope, 16))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id"))
    volume_year: Mapped[int | None]
    period_days: Mapped[int] = mapped_column(default=7)
    wants_export: Mapped[bool] = mapped_column(default=False)
    status: Mapped[AccessStatus] = mapped_column(str_enum(AccessStatus, 16), default=AccessStatus.PENDING,
                                                 index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_comment: Mapped[str | None] = mapped_column(String(500))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    requester = relationship("User", foreign_keys=[requester_id])
    requester_unit = relationship("OrgUnit", foreign_keys=[requester_unit_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    revoked_by = relationship("User", foreign_keys=[revoked_by_id])
    customer: Mapped[Customer | None] = relationship()
    project: Mapped[Project | None] = relationship()


class ArchiveReadLog(db.Model):
    """One read of one customer's record: who, when, in what (list, page, export …), under which
    grant or role. Kept per customer so "who looked at this record, and why" is one indexed query."""

    __tablename__ = "archive_read_log"
    __table_args__ = (Index("ix_archive_read_log_customer_at", "customer_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    context: Mapped[str] = mapped_column(String(20))  # list, detail, export, reveal, attachment, history
    via: Mapped[str] = mapped_column(String(40))  # a role ("center_staff") or "grant"
    grant_id: Mapped[int | None] = mapped_column(ForeignKey("archive_access_request.id"))

    user = relationship("User")
    grant: Mapped[ArchiveAccessRequest | None] = relationship()


class ImportSource(str, enum.Enum):
    MARKETING = "marketing"  # 营销部
    PROPERTY = "property"  # 物业公司


class ImportStatus(str, enum.Enum):
    QUEUED = "queued"  # waiting for the worker to check it
    CHECKING = "checking"
    INVALID = "invalid"  # errors listed; nothing written
    VALID = "valid"  # checked; waits for "import"
    IMPORTING = "importing"
    DONE = "done"
    FAILED = "failed"  # an unexpected error; nothing written


class ArchiveImport(db.Model):
    """An uploaded Excel/CSV file (an owner list or a prospect register), its check and its import
    (all or nothing)."""

    __tablename__ = "archive_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[ImportSource] = mapped_column(str_enum(ImportSource, 16))
    year: Mapped[int]
    filename: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    size: Mapped[int]
    # the project of every row when the file has no 项目 column (the property company's list)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id"))
    # an owner list, or the marketing department's prospect register (案场来电来访登记表)
    customer_kind: Mapped[CustomerKind] = mapped_column(str_enum(CustomerKind, 16), default=CustomerKind.OWNER)
    status: Mapped[ImportStatus] = mapped_column(str_enum(ImportStatus, 16), default=ImportStatus.QUEUED)
    total_rows: Mapped[int] = mapped_column(default=0)
    error_count: Mapped[int] = mapped_column(default=0)
    errors: Mapped[list | None] = mapped_column(JSON)  # [[row, column, message], …] (first MAX_STORED_ERRORS)
    # what a clean file would change that the user should know first (a customer renamed), same form
    warning_count: Mapped[int] = mapped_column(default=0)
    warnings: Mapped[list | None] = mapped_column(JSON)
    inserted: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    job_id: Mapped[str | None] = mapped_column(String(64))
    message: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    created_by = relationship("User")
    project = relationship("Project")
