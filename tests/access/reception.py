from portal.auth.permissions import Perm as P

ACCESS = {
    "reception.index": {P.RECEPTION_READ},
    "reception.new": {P.RECEPTION_WRITE},
    "reception.customer_search": {P.RECEPTION_WRITE},
    "reception.detail": {P.RECEPTION_READ},
    "reception.reassign": {P.RECEPTION_ASSIGN},
    "reception.reply": {P.RECEPTION_WRITE},
    "reception.close": {P.RECEPTION_WRITE},
    "reception.reopen": {P.RECEPTION_WRITE},
    "reception.dispatch": {P.RECEPTION_WRITE},
    "reception.reveal_phone": {P.RECEPTION_WRITE},  # and per object: reception.may_reveal_phone
    "reception.scan": {P.RECEPTION_READ},
    "reception.work_orders": {P.WORKORDER_READ},
    "reception.work_order_check": {P.WORKORDER_READ},
    "reception.work_order": {P.WORKORDER_READ},
    "reception.work_order_progress": {P.WORKORDER_UPDATE},
    "reception.work_order_complete": {P.WORKORDER_UPDATE},
    # and per object: the repeat's leaders only, else the center, the unit or those leaders
    "reception.work_order_revisit": {P.RECEPTION_READ},
}
