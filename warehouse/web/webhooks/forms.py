"""The add-subscription form of the webhook admin page."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from warehouse.integrations.webhooks import EVENT_TYPES

from ..filters import clean_text
from ..keyed import KeyedForm


class SubscriptionForm(KeyedForm):
    """Its key: a double submit adds one subscription."""

    url = StringField(
        _l("Receiver URL (https://…)"),
        filters=[clean_text],
        validators=[
            DataRequired(_l("Enter the address events are POSTed to.")),
            Length(max=500, message=_l("Keep the address under 500 characters.")),
        ],
    )
    event_types = SelectMultipleField(
        _l("Events (none ticked: all)"),
        choices=[SelectChoice(t, t) for t in EVENT_TYPES],
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
    )
