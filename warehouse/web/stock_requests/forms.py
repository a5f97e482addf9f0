"""Forms of the stock-request pages. Every form that writes carries a key minted when it
is rendered (KeyedForm): a double tap or a retried post is applied once."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, TextAreaField
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
from warehouse.web.filter_form import FilterForm

from ..filters import clean_text
from ..i18n import number
from ..keyed import KeyedForm
from ..stock.forms import WholeNumberField, place
from ..words import WORDS

MAX_ID = 2_147_483_647
CATEGORIES = [SelectChoice(c.value, WORDS[RequestCategory][c]) for c in RequestCategory]


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
            raise ValidationError(_("Quantity must be %(low)s to %(high)s.", low=low, high=number(MAX_QTY)))

    return check


class RequestFilterForm(FilterForm):
    """GET filters of the list; a bad value is reported, never a 500."""

    status = SelectField(
        _l("Status"),
        choices=[SelectChoice("", _l("Any status"))]
        + [SelectChoice(s.value, WORDS[RequestStatus][s]) for s in RequestStatus],
        default="",  # the list opened from the menu, with no filter: every request
    )
    category = SelectField(
        _l("Category"), choices=[SelectChoice("", _l("Any category"))] + CATEGORIES, default=""
    )
    mine = SelectField(
        _l("Whose"), choices=[SelectChoice("", _l("Everyone's")), SelectChoice("1", _l("Mine"))], default=""
    )


class NewRequestForm(KeyedForm):
    location = SelectField(_l("For location"), coerce=_location_id, validators=[Optional()])
    department = StringField(
        _l("Department (optional)"),
        filters=[clean_text],
        validators=[
            Length(
                max=MAX_DEPARTMENT, message=_l("Keep it under %(limit)s characters.", limit=MAX_DEPARTMENT)
            )
        ],
    )
    category = SelectField(_l("What it is for"), choices=CATEGORIES)
    note = TextAreaField(
        _l("Note"),
        filters=[clean_text],
        validators=[
            Length(max=MAX_NOTE, message=_l("Keep the note under %(limit)s characters.", limit=MAX_NOTE))
        ],
    )

    def __init__(self, *args, locations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.location.choices = [SelectChoice("", _("No location (a department)"))] + [
            SelectChoice(loc.id, place(loc)) for loc in locations
        ]

    def validate_department(self, field):
        if not field.data and self.location.data is None:
            raise ValidationError(_("Choose the location the stock is for, or name a department."))


class AddLineForm(KeyedForm):
    code = StringField(
        _l("SKU or barcode"),
        filters=[clean_text],
        validators=[DataRequired(_l("Enter or scan the SKU.")), Length(max=64)],
    )
    qty = WholeNumberField(
        _l("Quantity"), validators=[InputRequired(_l("Enter how many, e.g. 5.")), _quantity_from(1)]
    )
    note = StringField(_l("Note (optional)"), filters=[clean_text], validators=[Length(max=MAX_LINE_NOTE)])


class LineQtyForm(FlaskForm):
    qty = WholeNumberField(
        _l("Quantity"),
        validators=[InputRequired(_l("Enter how many, or 0 to remove the line.")), _quantity_from(0)],
    )


class StepForm(KeyedForm):
    """Submit, roll back, withdraw: nothing to fill in but the key."""


class CommentForm(KeyedForm):
    text = TextAreaField(
        _l("Comment"),
        filters=[clean_text],
        validators=[
            DataRequired(_l("Write a comment first.")),
            Length(max=MAX_COMMENT, message=_l("Keep it under %(limit)s characters.", limit=MAX_COMMENT)),
        ],
    )


class ApproveForm(KeyedForm):
    fulfil_as = SelectField(
        _l("Approve as"),
        choices=[
            SelectChoice(Fulfilment.TRANSFER.value, _l("A transfer from the source to the requester")),
            SelectChoice(Fulfilment.ISSUE.value, _l("An issue from stock at the source, now")),
        ],
    )
    source = SelectField(
        _l("Source location"), coerce=_location_id, validators=[InputRequired(_l("Choose the source."))]
    )
    remark = StringField(
        _l("Note for the history (optional)"), filters=[clean_text], validators=[Length(max=MAX_NOTE)]
    )

    def __init__(self, *args, locations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.source.choices = [SelectChoice(loc.id, place(loc)) for loc in locations]


class RejectForm(KeyedForm):
    reason = StringField(
        _l("Reason"),
        filters=[clean_text],
        validators=[
            DataRequired(_l("Say why, so the requester knows what to change.")),
            Length(max=MAX_NOTE),
        ],
    )


class ProductSearchForm(FilterForm):
    request = IntegerField(validators=[InputRequired(_l("Open a request first.")), NumberRange(1, MAX_ID)])
    q = StringField(_l("Find a SKU"), filters=[clean_text], validators=[Optional(), Length(max=64)])
