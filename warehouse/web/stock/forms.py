import re
import secrets

from flask_wtf import FlaskForm
from wtforms import Form, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields import DateField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    StopValidation,
    ValidationError,
)

from warehouse.ledger import adjustments
from warehouse.ledger.models import MovementType

from ..filters import clean_text

MAX_ADJUST = 1_000_000

# The reasons a person may choose (an import's opening balance is the system's).
REASONS = [SelectChoice(r.code.value, r.label) for r in adjustments.reasons() if r.chosen_by_people]


class WholeNumberField(IntegerField):
    """An integer typed in ASCII digits only ("1_000", "1e3" and "５" are refused)."""

    PATTERN = re.compile(r"[+-]?[0-9]{1,15}")

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            return
        text = valuelist[0].strip()
        if not self.PATTERN.fullmatch(text):
            self.data = None
            raise ValueError("Enter a whole number, e.g. 5 or -3.")
        self.data = int(text)


def _sensible_quantity(form, field):
    if field.data is None:  # not a number: process_formdata already said so
        raise StopValidation()
    if field.data == 0:
        raise ValidationError("Quantity must not be zero: enter how many to add (5) or remove (-5).")
    if abs(field.data) > MAX_ADJUST:
        raise ValidationError(f"Enter a quantity between -{MAX_ADJUST:,} and {MAX_ADJUST:,}.")


class StockFilterForm(Form):
    """GET filters; bad values are reported, never a 500."""

    location = StringField(filters=[clean_text], validators=[Optional(), Length(max=64)])
    bin = StringField(filters=[clean_text], validators=[Optional(), Length(max=32)])
    sku = StringField(filters=[clean_text], validators=[Optional(), Length(max=64)])
    page = IntegerField(default=1, validators=[Optional(), NumberRange(1, 100_000)])


class MovementFilterForm(Form):
    sku = StringField(filters=[clean_text], validators=[Optional(), Length(max=64)])
    location = StringField(filters=[clean_text], validators=[Optional(), Length(max=64)])
    type = SelectField(
        choices=[SelectChoice("", "Any type")] + [SelectChoice(t.value, t.value) for t in MovementType],
        validators=[Optional()],
    )
    since = DateField("From", validators=[Optional()])
    until = DateField("To", validators=[Optional()])
    before = IntegerField(validators=[Optional(), NumberRange(1, 2**62)])
    reference = StringField(filters=[clean_text], validators=[Optional(), Length(max=64)])

    TRANSFER_NUMBER = re.compile(r"TR-0*([0-9]{1,9})", re.IGNORECASE)
    COUNT_NUMBER = re.compile(r"CNT-0*([0-9]{1,9})", re.IGNORECASE)

    def reference_key(self) -> tuple[str | None, str | None]:
        """(reference_type, reference_id) to filter on: a transfer number (TR-000001, also
        typed as tr-1) is a transfer's; any other text matches a reference of any type."""
        text = self.reference.data
        if not text:
            return None, None
        if match := self.TRANSFER_NUMBER.fullmatch(text):
            return "transfer", f"TR-{int(match.group(1)):06d}"
        if match := self.COUNT_NUMBER.fullmatch(text):  # every line of a count batch
            return "count", f"CNT-{int(match.group(1)):06d}/"
        return None, text


class AdjustForm(FlaskForm):
    key = HiddenField(
        validators=[Optional(), Length(max=64), Regexp(r"^[A-Za-z0-9_-]*$")]
    )  # minted at render
    sku = StringField(
        "SKU or barcode",
        filters=[clean_text],
        validators=[DataRequired("Enter or scan the SKU."), Length(max=64)],
    )
    location = SelectField("Location", validators=[DataRequired("Choose the location.")])
    bin = StringField(
        "Bin", filters=[clean_text], validators=[DataRequired("Enter or scan the bin."), Length(max=32)]
    )
    lot = StringField(
        "Lot (lot-tracked items only)", filters=[clean_text], validators=[Optional(), Length(max=64)]
    )
    quantity = WholeNumberField(
        "Quantity (+ adds, - removes)",
        validators=[InputRequired("Enter a whole number, e.g. 5 or -3."), _sensible_quantity],
    )
    reason = SelectField("Reason", choices=REASONS)
    reference = StringField("Reference", filters=[clean_text], validators=[Length(max=64)])
    note = TextAreaField(
        "Note",
        filters=[clean_text],
        validators=[Length(max=500, message="Keep the note under 500 characters.")],
    )

    def __init__(self, *args, locations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.location.choices = [SelectChoice(loc.code, f"{loc.name} ({loc.code})") for loc in locations]
        if not self.key.data:
            self.key.data = secrets.token_urlsafe(16)
