from portal.auth.permissions import Perm as P

ACCESS = {
    "reports.index": {P.REPORT_READ},
    "reports.monthly": {P.REPORT_READ},
    "reports.monthly_report": {P.REPORT_READ},
    "reports.monthly_narrative": {P.REPORT_SIGN},
    "reports.monthly_sign": {P.REPORT_SIGN},
    "reports.monthly_submit": {P.REPORT_SIGN},
    "reports.monthly_xlsx": {P.REPORT_READ},
    "reports.monthly_pdf": {P.REPORT_READ},
    "reports.weekly": {P.REPORT_READ},
    "reports.weekly_xlsx": {P.REPORT_READ},
    "reports.kpis": {P.REPORT_READ},
    "reports.kpis_xlsx": {P.REPORT_READ},
    "reports.export_start": {P.REPORT_READ},
    "reports.export_detail": {P.REPORT_READ},
    "reports.export_progress": {P.REPORT_READ},
    "reports.export_download": {P.REPORT_READ},
}
