"""Attachments: letter scans and photos, stored outside the web root.

A file is accepted by what its first bytes say it is (PDF, JPEG, PNG, WebP), not by its
name, and up to ``MAX_ATTACHMENT_BYTES``. It is stored under a random name in
``UPLOAD_DIR``; the original name is kept only for display. Serving goes through the owning
area's view, which checks access to the owning record first, then calls ``send``.
"""
from __future__ import annotations

import hashlib
import secrets
from pathlib import Path

from flask import current_app, send_file
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import FileStorage

from portal.extensions import db
from portal.models import Attachment

# magic bytes → (content type, extension)
SIGNATURES = [
    (b"%PDF-", ("application/pdf", ".pdf")),
    (b"\xff\xd8\xff", ("image/jpeg", ".jpg")),
    (b"\x89PNG\r\n\x1a\n", ("image/png", ".png")),
]


class AttachmentRejected(ValueError):
    """The upload cannot be kept; ``message`` says why, in the user's language."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def sniff(head: bytes) -> tuple[str, str] | None:
    for magic, kind in SIGNATURES:
        if head.startswith(magic):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return ("image/webp", ".webp")
    return None


def upload_dir() -> Path:
    path = Path(current_app.config["UPLOAD_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def check_upload(upload: FileStorage) -> tuple[bytes, str]:
    """Read and check an upload without storing it. Returns (data, content type)."""
    limit = current_app.config["MAX_ATTACHMENT_BYTES"]
    data = upload.stream.read(limit + 1)
    if not data:
        raise AttachmentRejected(_l("The file is empty."))
    if len(data) > limit:
        raise AttachmentRejected(_l("The file is larger than %(mb)d MB.", mb=limit // (1024 * 1024)))
    kind = sniff(data[:16])
    if kind is None:
        raise AttachmentRejected(_l("Only PDF, JPEG, PNG or WebP files can be attached."))
    return data, kind[0]


def store(upload: FileStorage, *, owner_type: str, owner_id: int, user=None) -> Attachment:
    """Check and keep an upload for a record (flush-only). Raises AttachmentRejected."""
    data, content_type = check_upload(upload)
    ext = sniff(data[:16])[1]
    stored_name = secrets.token_hex(16) + ext
    (upload_dir() / stored_name).write_bytes(data)
    original = Path(upload.filename or "file").name[:200] or "file"
    att = Attachment(owner_type=owner_type, owner_id=owner_id, filename=original, stored_name=stored_name,
                     content_type=content_type, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                     uploaded_by_id=getattr(user, "id", None))
    db.session.add(att)
    return att


def send(att: Attachment, *, inline: bool = True):
    """The file as a response. Call only after checking access to the owning record."""
    path = upload_dir() / att.stored_name
    resp = send_file(path, mimetype=att.content_type, as_attachment=not inline, download_name=att.filename,
                     max_age=0)
    resp.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; object-src 'self'; sandbox"
    return resp


def for_owner(owner_type: str, owner_id: int) -> list[Attachment]:
    return list(db.session.scalars(
        db.select(Attachment).where(Attachment.owner_type == owner_type, Attachment.owner_id == owner_id)
        .order_by(Attachment.id)
    ))
