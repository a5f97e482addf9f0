from wtforms import Form, HiddenField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp

from warehouse.availability.models import ReservationStatus

from ..filters import clean_text
from ..keyed import KeyedForm

STATUSES = [SelectChoice(s.value, s.value.capitalize()) for s in ReservationStatus] + [
    SelectChoice("any", "Any status")
]


class ReservationFilterForm(Form):
    """GET filters; a bad value is reported, never a 500."""

    status = SelectField("Status", choices=STATUSES, default="active", validators=[Optional()])
    reference = StringField("Reference", filters=[clean_text], validators=[Optional(), Length(max=97)])
    sku = StringField("SKU", filters=[clean_text], validators=[Optional(), Length(max=64)])
    location = StringField("Location", filters=[clean_text], validators=[Optional(), Length(max=64)])


class ReleaseForm(KeyedForm):
    """The release button of one reference; its key makes a double tap release once."""

    reference = HiddenField(
        filters=[clean_text],
        validators=[
            DataRequired("Choose a reservation to release."),
            Length(max=97),
            Regexp(r"^[^:]{1,32}:.{1,64}$", message="A reference is type:id, e.g. order:ord-12345."),
        ],
    )
