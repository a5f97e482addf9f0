"""Forms of the stock-request pages. Every form that writes carries a key minted when it
is rendered (KeyedForm): a double tap or a retried post is applied once."""

from flask_wtf import FlaskForm
from wtforms import Form, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from warehouse.stock_requests.models import (
    MAX_COMMENT,
    MAX_DEPARTMENT,
    MAX_LINE_NOTE,
    MAX_NOTE,
    MAX_QTY,
    Fulfilment,
    RequestCategory,
    RequestStatus,
)

from ..filters import clean_text
from ..keyed import KeyedForm
from ..stock.forms import WholeNumberField

MAX_ID = 2_147_483_647


def _words(value: str) -> str:
    return value.replace("_", " ").capitalize()


CATEGORIES = [SelectChoice(c.value, _words(c.value)) for c in RequestCategory]


def _location_id(value):
    """A location id from a select; "" (no location) is None."""
    if value in ("", None):
        return None
    number = int(value)
    if not 1 <= number <= MAX_ID:
        raise ValueError("out of range")
    return number


def _quantity_from(low: int):
    def check(form, field):
        if field.data is not None and not low <= field.data <= MAX_QTY:
            raise ValidationError(f"Quantity must be {low} to {MAX_QTY:,}.")

    return check


class RequestFilterForm(Form):
    """GET filters of the list; a bad value is reported, never a 500."""

    status = SelectField(
        "Status",
        choices=[SelectChoice("", "Any status")]
        + [SelectChoice(s.value, _words(s.value)) for s in RequestStatus],
    )
    category = SelectField("Category", choices=[SelectChoice("", "Any category")] + CATEGORIES)
    mine = SelectField("Whose", choices=[SelectChoice("", "Everyone's"), SelectChoice("1", "Mine")])


class NewRequestForm(KeyedForm):
    location = SelectField("For location", coerce=_location_id, validators=[Optional()])
    department = StringField(
        "Department (optional)",
        filters=[clean_text],
        validators=[Length(max=MAX_DEPARTMENT, message=f"Keep it under {MAX_DEPARTMENT} characters.")],
    )
    category = SelectField("What it is for", choices=CATEGORIES)
    note = TextAreaField(
        "Note",
        filters=[clean_text],
        validators=[Length(max=MAX_NOTE, message=f"Keep the note under {MAX_NOTE} characters.")],
    )

    def __init__(self, *args, locations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.location.choices = [SelectChoice("", "No location (a department)")] + [
            SelectChoice(loc.id, f"{loc.name} ({loc.code})") for loc in locations
        ]

    def validate_department(self, field):
        if not field.data and self.location.data is None:
            raise ValidationError("Choose the location the stock is for, or name a department.")


class AddLineForm(KeyedForm):
    code = StringField(
        "SKU or barcode",
        filters=[clean_text],
        validators=[DataRequired("Enter or scan the SKU."), Length(max=64)],
    )
    qty = WholeNumberField(
        "Quantity", validators=[InputRequired("Enter how many, e.g. 5."), _quantity_from(1)]
    )
    note = StringField("Note (optional)", filters=[clean_text], validators=[Length(max=MAX_LINE_NOTE)])


class LineQtyForm(FlaskForm):
    qty = WholeNumberField(
        "Quantity", validators=[InputRequired("Enter how many, or 0 to remove the line."), _quantity_from(0)]
    )


class StepForm(KeyedForm):
    """Submit, roll back, withdraw: nothing to fill in but the key."""


class CommentForm(KeyedForm):
    text = TextAreaField(
        "Comment",
        filters=[clean_text],
        validators=[
            DataRequired("Write a comment first."),
            Length(max=MAX_COMMENT, message=f"Keep it under {MAX_COMMENT} characters."),
        ],
    )


class ApproveForm(KeyedForm):
    fulfil_as = SelectField(
        "Approve as",
        choices=[
            SelectChoice(Fulfilment.TRANSFER.value, "A transfer from the source to the requester"),
            SelectChoice(Fulfilment.ISSUE.value, "An issue from stock at the source, now"),
        ],
    )
    source = SelectField(
        "Source location", coerce=_location_id, validators=[InputRequired("Choose the source.")]
    )
    remark = StringField(
        "Note for the history (optional)", filters=[clean_text], validators=[Length(max=MAX_NOTE)]
    )

    def __init__(self, *args, locations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.source.choices = [SelectChoice(loc.id, f"{loc.name} ({loc.code})") for loc in locations]


class RejectForm(KeyedForm):
    reason = StringField(
        "Reason",
        filters=[clean_text],
        validators=[DataRequired("Say why, so the requester knows what to change."), Length(max=MAX_NOTE)],
    )


class ProductSearchForm(Form):
    request = IntegerField(validators=[InputRequired("Open a request first."), NumberRange(1, MAX_ID)])
    q = StringField("Find a SKU", filters=[clean_text], validators=[Optional(), Length(max=64)])
