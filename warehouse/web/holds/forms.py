"""Forms of the holds and expiry pages. Every POST form carries a key minted when the form
is rendered, so a double submit is recognised and written once."""

from flask_wtf import FlaskForm
from wtforms import Form, IntegerField, SelectField, StringField, TextAreaField
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

from ..filters import clean_text
from ..keyed import KeyedForm
from ..stock.forms import WholeNumberField

MAX_ID = 2_147_483_647
REASONS = [SelectChoice(r.value, r.value.capitalize()) for r in HoldReason]
STATUSES = [SelectChoice(s.value, s.value.replace("_", " ").capitalize()) for s in HoldStatus] + [
    SelectChoice("any", "Any status")
]
REFERENCE_HINT = "Enter the destruction reference as type:id, e.g. destruction:CERT-981."


def _quantity(form, field):
    if field.data is not None and not 1 <= field.data <= MAX_QTY:
        raise ValidationError(f"Quantity must be 1 to {MAX_QTY:,}.")


class HoldFilterForm(Form):
    """GET filters; a bad value is reported, never a 500."""

    status = SelectField("Status", choices=STATUSES, default="active", validators=[Optional()])
    reason = SelectField(
        "Reason", choices=[SelectChoice("", "Any reason")] + REASONS, validators=[Optional()]
    )
    sku = StringField("SKU", filters=[clean_text], validators=[Optional(), Length(max=64)])
    location = StringField("Location", filters=[clean_text], validators=[Optional(), Length(max=64)])


class NewHoldForm(KeyedForm):
    sku = StringField(
        "SKU or barcode",
        filters=[clean_text],
        validators=[DataRequired("Enter or scan the SKU."), Length(max=64)],
    )
    location = SelectField("Location", validators=[DataRequired("Choose the location.")])
    bin = StringField(
        "Bin", filters=[clean_text], validators=[DataRequired("Enter or scan the bin."), Length(max=64)]
    )
    lot = StringField(
        "Lot (lot-tracked items only)", filters=[clean_text], validators=[Optional(), Length(max=64)]
    )
    qty = WholeNumberField(
        "Quantity", validators=[InputRequired("Enter how many to hold, e.g. 5."), _quantity]
    )
    reason = SelectField("Reason", choices=REASONS, validators=[DataRequired("Choose a reason.")])
    note = TextAreaField(
        "Note",
        filters=[clean_text],
        validators=[Length(max=500, message="Keep the note under 500 characters.")],
    )

    def __init__(self, *args, locations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.location.choices = [SelectChoice(loc.code, f"{loc.name} ({loc.code})") for loc in locations]


class ExpiryFilterForm(Form):
    days = IntegerField(
        "Expiring within (days)",
        default=30,
        validators=[Optional(), NumberRange(0, 3650, "Days must be 0 to 3650.")],
    )
    location = StringField("Location", filters=[clean_text], validators=[Optional(), Length(max=64)])


class MarkExpiredForm(KeyedForm):
    product_id = IntegerField(validators=[InputRequired(), NumberRange(1, MAX_ID)])
    bin_id = IntegerField(validators=[InputRequired(), NumberRange(1, MAX_ID)])
    lot_id = IntegerField(validators=[InputRequired(), NumberRange(1, MAX_ID)])


class WriteOffForm(FlaskForm):
    reference = StringField(
        "Destruction reference",
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
        "Why (optional)",
        filters=[clean_text],
        validators=[Length(max=300, message="Keep the note under 300 characters.")],
    )
