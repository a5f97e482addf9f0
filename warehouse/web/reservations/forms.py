from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp

from warehouse.availability.models import ReservationStatus
from warehouse.web.filter_form import FilterForm

from ..filters import clean_text
from ..keyed import KeyedForm
from ..words import WORDS

STATUSES = [SelectChoice(s.value, WORDS[ReservationStatus][s]) for s in ReservationStatus] + [
    SelectChoice("any", _l("Any status"))
]


class ReservationFilterForm(FilterForm):
    """GET filters; a bad value is reported, never a 500."""

    status = SelectField(_l("Status"), choices=STATUSES, default="active", validators=[Optional()])
    reference = StringField(_l("Reference"), filters=[clean_text], validators=[Optional(), Length(max=97)])
    sku = StringField(_l("SKU"), filters=[clean_text], validators=[Optional(), Length(max=64)])
    location = StringField(_l("Location"), filters=[clean_text], validators=[Optional(), Length(max=64)])


class ReleaseForm(KeyedForm):
    """The release button of one reference; its key makes a double tap release once."""

    reference = HiddenField(
        filters=[clean_text],
        validators=[
            DataRequired(_l("Choose a reservation to release.")),
            Length(max=97),
            Regexp(r"^[^:]{1,32}:.{1,64}$", message=_l("A reference is type:id, e.g. order:ord-12345.")),
        ],
    )
