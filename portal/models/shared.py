"""Records several areas share: serial-number counters and attachments."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.base import UTCDateTime, utcnow


class Channel(str, enum.Enum):
    """How a customer reached the center: one list for reception and complaints (DOMAIN.md §1)."""

    PHONE = "phone"  # 来电
    VISIT = "visit"  # 来访
    LETTER = "letter"  # 来函
    EMAIL = "email"
    ONLINE = "online"


# An unknown customer (no archive record) leaves a phone number to be called back on when he
# calls or comes in (seed 003); a letter, e-mail or online message carries its own way back (an
# address, the e-mail, the account), so there the number is optional. Reception and complaints
# apply the same rule: a complaint registered from such a contact must be registrable too.
PHONE_REQUIRED_CHANNELS = frozenset({Channel.PHONE.value, Channel.VISIT.value})


class SerialCounter(db.Model):
    """The last serial number issued per prefix and year (e.g. JD 2026 → 123)."""

    __tablename__ = "serial_counter"

    prefix: Mapped[str] = mapped_column(String(8), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last: Mapped[int] = mapped_column(default=0)


class Attachment(db.Model):
    """A file (letter scan, photo) stored outside the web root and served only through a view
    that first checks access to the record it belongs to (``owner_type``/``owner_id``)."""

    __tablename__ = "attachment"
    __table_args__ = (Index("ix_attachment_owner", "owner_type", "owner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_type: Mapped[str] = mapped_column(String(40))
    owner_id: Mapped[int]
    filename: Mapped[str] = mapped_column(String(200))  # as uploaded, for display and download
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)  # random; never derived from input
    content_type: Mapped[str] = mapped_column(String(80))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
