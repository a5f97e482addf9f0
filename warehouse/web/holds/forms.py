"""Forms of the holds and expiry pages. Every POST form carries a key minted when the form
is rendered, so a double submit is recognised and written once."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from warehouse.availability.holds import MAX_QTY
from warehouse.availability.models import HoldReason, HoldStatus
from warehouse.web.filter_form import FilterForm

from ..filters import clean_text
from ..i18n import number
from ..keyed import KeyedForm
from ..stock.forms import WholeNumberField
from ..words import WORDS

MAX_ID = 2_147_483_647
REASONS = [SelectChoice(r.value, WORDS[HoldReason][r]) for r in HoldReason]
STATUSES = [SelectChoice(s.value, WORDS[HoldStatus][s]) for s in HoldStatus] + [
    SelectChoice("any", _l("Any status"))
]
REFERENCE_HINT = _l("Enter the destruction reference as type:id, e.g. destruction:CERT-981.")


def _quantity(form, field):
    if field.data is not None and not 1 <= field.data <= MAX_QTY:
        raise ValidationError(_("Quantity must be 1 to %(max)s.", max=number(MAX_QTY)))


class HoldFilterForm(FilterForm):
    """GET filters; a bad value is reported, never a 500."""

    status = SelectField(_l("Status"), choices=STATUSES, default="active", validators=[Optional()])
    reason = SelectField(
        _l("Reason"), choices=[SelectChoice("", _l("Any reason"))] + REASONS, validators=[Optional()]
    )
    sku = StringField(_l("SKU"), filters=[clean_text], validators=[Optional(), Length(max=64)])
    location = StringField(_l("Location"), filters=[clean_text], validators=[Optional(), Length(max=64)])


class NewHoldForm(KeyedForm):
    sku = StringField(
        _l("SKU or barcode"),
        filters=[clean_text],
        validators=[DataRequired(_l("Enter or scan the SKU.")), Length(max=64)],
    )
    location = SelectField(_l("Location"), validators=[DataRequired(_l("Choose the location."))])
    bin = StringField(
        _l("Bin"),
        filters=[clean_text],
        validators=[DataRequired(_l("Enter or scan the bin.")), Length(max=64)],
    )
    lot = StringField(
        _l("Lot (lot-tracked items only)"), filters=[clean_text], validators=[Optional(), Length(max=64)]
    )
    qty = WholeNumberField(
        _l("Quantity"), validators=[InputRequired(_l("Enter how many to hold, e.g. 5.")), _quantity]
    )
    reason = SelectField(_l("Reason"), choices=REASONS, validators=[DataRequired(_l("Choose a reason."))])
    note = TextAreaField(
        _l("Note"),
        filters=[clean_text],
        validators=[Length(max=500, message=_l("Keep the note under 500 characters."))],
    )

    def __init__(self, *args, locations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.location.choices = [
            SelectChoice(loc.code, _("%(name)s (%(code)s)", name=loc.name, code=loc.code))
            for loc in locations
        ]


class ExpiryFilterForm(FilterForm):
    days = IntegerField(
        _l("Expiring within (days)"),
        default=30,
        validators=[Optional(), NumberRange(0, 3650, _l("Days must be 0 to 3650."))],
    )
    location = StringField(_l("Location"), filters=[clean_text], validators=[Optional(), Length(max=64)])


class MarkExpiredForm(KeyedForm):
    product_id = IntegerField(validators=[InputRequired(), NumberRange(1, MAX_ID)])
    bin_id = IntegerField(validators=[InputRequired(), NumberRange(1, MAX_ID)])
    lot_id = IntegerField(validators=[InputRequired(), NumberRange(1, MAX_ID)])


class WriteOffForm(FlaskForm):
    reference = StringField(
        _l("Destruction reference"),
        filters=[clean_text],
        validators=[
            DataRequired(REFERENCE_HINT),
            Length(max=97),
            Regexp(r"^[^:]{1,32}:.{1,64}$", message=REFERENCE_HINT),
        ],
    )


class DisposeForm(KeyedForm):
    """Write off a hold's units (any hold but an expired one: those go through the expiry
    page with a destruction reference)."""

    note = StringField(
        _l("Why (optional)"),
        filters=[clean_text],
        validators=[Length(max=300, message=_l("Keep the note under 300 characters."))],
    )
