from portal.auth.permissions import Perm as P

ACCESS = {
    "revisits.queue": {P.REVISIT_READ},
    "revisits.detail": {P.REVISIT_READ},
    "revisits.record": {P.REVISIT_WRITE},
    "revisits.reveal_phone": {P.REVISIT_WRITE},
    "revisits.assign": {P.REVISIT_WRITE},
    "revisits.follow_ups": {P.REVISIT_READ},
    "revisits.follow_up_close": {P.REVISIT_WRITE},
    "revisits.rates": {P.REVISIT_READ},
    "revisits.scripts": {P.REVISIT_READ},
    "revisits.script_edit": {P.REVISIT_SCRIPT_EDIT},
}
