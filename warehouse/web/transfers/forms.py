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
    ValidationError,
)

from warehouse.transfers import MAX_QTY
from warehouse.transfers.missing import MAX_NOTE
from warehouse.transfers.models import MissingOutcome, TransferStatus
from warehouse.web.filter_form import FilterForm

from ..filters import clean_text
from ..i18n import number
from ..keyed import KeyedForm
from ..stock.forms import WholeNumberField, place
from ..words import WORDS

MAX_ID = 2_147_483_647
STATUSES = [SelectChoice("", _l("Any status"))] + [
    SelectChoice(s.value, WORDS[TransferStatus][s]) for s in TransferStatus
]


def _quantity_between(low: int):
    def check(form, field):
        if field.data is None:  # not a number: process_formdata already said so
            return
        if not low <= field.data <= MAX_QTY:
            raise ValidationError(_("Quantity must be %(low)s to %(high)s.", low=low, high=number(MAX_QTY)))

    return check


def _location_id(value):
    """A location id from a select; "" (the "Choose" prompt) is no choice yet."""
    if value in ("", None):
        return None
    number = int(value)
    if not 1 <= number <= MAX_ID:
        raise ValueError("out of range")
    return number


class TransferFilterForm(FilterForm):
    """GET filter of the list; a bad value is reported, never a 500."""

    status = SelectField(_l("Status"), choices=STATUSES, validators=[Optional()])


class NewTransferForm(KeyedForm):
    from_location = SelectField(
        _l("From"), coerce=_location_id, validators=[InputRequired(_l("Choose where the stock leaves from."))]
    )
    to_location = SelectField(
        _l("To"), coerce=_location_id, validators=[InputRequired(_l("Choose where the stock goes."))]
    )
    note = TextAreaField(
        _l("Note"),
        filters=[clean_text],
        validators=[Length(max=500, message=_l("Keep the note under %(limit)s characters.", limit=500))],
    )

    def __init__(self, *args, locations=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [SelectChoice(loc.id, place(loc)) for loc in locations]
        self.from_location.choices = [SelectChoice("", _("Choose…"))] + choices
        self.to_location.choices = [SelectChoice("", _("Choose…"))] + choices

    def validate_to_location(self, field):
        if field.data is not None and field.data == self.from_location.data:
            raise ValidationError(_("Choose two different locations."))


class AddLineForm(KeyedForm):
    code = StringField(
        _l("SKU or barcode"),
        filters=[clean_text],
        validators=[DataRequired(_l("Enter or scan the SKU.")), Length(max=64)],
    )
    qty = WholeNumberField(
        _l("Quantity"), validators=[InputRequired(_l("Enter how many, e.g. 5.")), _quantity_between(1)]
    )
    lot = StringField(_l("Lot (optional)"), filters=[clean_text], validators=[Optional(), Length(max=64)])


class LineQtyForm(FlaskForm):
    qty = WholeNumberField(
        _l("Quantity"),
        validators=[InputRequired(_l("Enter how many, or 0 to remove the line.")), _quantity_between(0)],
    )


class SkuSearchForm(FilterForm):
    transfer = IntegerField(validators=[InputRequired(_l("Open a transfer first.")), NumberRange(1, MAX_ID)])
    q = StringField(_l("Find a SKU"), filters=[clean_text], validators=[Optional(), Length(max=64)])


class ResolveMissingForm(KeyedForm):
    """What happened to a line's units missing on arrival: found or lost, how many."""

    outcome = SelectField(
        _l("What happened"),
        choices=[SelectChoice("", _l("Choose…"))]
        + [
            SelectChoice(MissingOutcome.FOUND.value, _l("Found: they arrived, receive them")),
            SelectChoice(MissingOutcome.LOST.value, _l("Lost: write them off from transit")),
        ],
        validators=[InputRequired(_l("Say whether they were found or lost."))],
        validate_choice=False,  # validate_outcome says it in words
    )
    qty = WholeNumberField(
        _l("Units"), validators=[InputRequired(_l("Enter how many units, e.g. 1.")), _quantity_between(1)]
    )
    note = StringField(
        _l("Note (optional)"),
        filters=[clean_text],
        validators=[
            Length(max=MAX_NOTE, message=_l("Keep the note under %(limit)s characters.", limit=MAX_NOTE))
        ],
    )

    def validate_outcome(self, field):
        if field.data and field.data not in {o.value for o in MissingOutcome}:
            raise ValidationError(_("Say whether they were found or lost."))
