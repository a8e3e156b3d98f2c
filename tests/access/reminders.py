from portal.auth.permissions import Perm as P
from tests.access import LOGIN

ACCESS = {
    "reminders.preferences": LOGIN,
    "reminders.queues_page": {P.ADMIN_JOBS},
    "reminders.reminder_retry": {P.ADMIN_JOBS},
    "reminders.job_retry": {P.ADMIN_JOBS},
}
