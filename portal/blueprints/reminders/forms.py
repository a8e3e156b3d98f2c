from flask_babel import lazy_gettext as _l
from wtforms import SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget

from portal.forms import PortalForm


class EmailPreferencesForm(PortalForm):
    """Which reminder kinds also reach the user by e-mail (the bell always shows them)."""

    kinds = SelectMultipleField(_l("Also send by e-mail"), choices=[], validate_choice=True,
                                widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
