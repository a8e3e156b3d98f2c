from portal.auth.permissions import Perm as P

READ_OR_GRANT = {P.ARCHIVE_READ, P.ARCHIVE_REQUEST}

ACCESS = {
    "archives.index": READ_OR_GRANT,
    "archives.special": READ_OR_GRANT,
    "archives.volumes": {P.ARCHIVE_READ},
    "archives.customer": READ_OR_GRANT,
    "archives.reveal": {P.ARCHIVE_REVEAL},
    "archives.customer_new": {P.ARCHIVE_WRITE},
    "archives.customer_edit": {P.ARCHIVE_WRITE},
    "archives.history": READ_OR_GRANT,
    "archives.readers": {P.ARCHIVE_AUDIT_READ},
    "archives.purchase_new": {P.ARCHIVE_WRITE},
    "archives.purchase_edit": {P.ARCHIVE_WRITE},
    "archives.purchase_delete": {P.ARCHIVE_WRITE},
    "archives.quality_add": {P.ARCHIVE_WRITE},
    "archives.quality_delete": {P.ARCHIVE_WRITE},
    "archives.care_add": {P.ARCHIVE_WRITE},
    "archives.attachment_add": {P.ARCHIVE_WRITE},
    "archives.attachment": READ_OR_GRANT,
    "archives.export": {P.ARCHIVE_EXPORT},
    "archives.grant_export": {P.ARCHIVE_REQUEST},
    "archives.my_requests": {P.ARCHIVE_REQUEST},
    "archives.request_new": {P.ARCHIVE_REQUEST},
    "archives.request_queue": {P.ARCHIVE_APPROVE},
    "archives.request_detail": {P.ARCHIVE_REQUEST, P.ARCHIVE_APPROVE},
    "archives.request_decide": {P.ARCHIVE_APPROVE},
    "archives.request_revoke": {P.ARCHIVE_REQUEST, P.ARCHIVE_APPROVE},
    "archives.imports": {P.ARCHIVE_IMPORT},
    "archives.import_template": {P.ARCHIVE_IMPORT},
    "archives.import_detail": {P.ARCHIVE_IMPORT},
    "archives.import_progress": {P.ARCHIVE_IMPORT},
    "archives.import_run": {P.ARCHIVE_IMPORT},
}

# Outsiders (leaders, branch and department staff) hold ARCHIVE_REQUEST but see archive pages
# only under a live grant; without one these answer 403 (tests/archives prove both sides).
GRANT_SCOPED = {"archives.index", "archives.special", "archives.customer", "archives.history", "archives.attachment"}
