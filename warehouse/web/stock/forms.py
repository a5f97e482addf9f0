import re
import secrets

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, StringField, TextAreaField
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
from warehouse.web.filter_form import FilterForm

from ..filters import clean_text
from ..i18n import number, translate
from ..words import WORDS

MAX_ADJUST = 1_000_000


def reason_choices() -> list[SelectChoice]:
    """The reasons a person may choose (an import's opening balance is the system's), in
    the reader's language: made per request, as the labels are."""
    return [
        SelectChoice(r.code.value, translate(r.label)) for r in adjustments.reasons() if r.chosen_by_people
    ]


def place(location) -> str:
    """A location as a choice names it: its name and code, values said as they are."""
    return f"{location.name} ({location.code})"


class WholeNumberField(IntegerField):
    """An integer typed in ASCII digits only ("1_000", "1e3" and "５" are refused)."""

    PATTERN = re.compile(r"[+-]?[0-9]{1,15}")

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            return
        text = valuelist[0].strip()
        if not self.PATTERN.fullmatch(text):
            self.data = None
            raise ValueError(_("Enter a whole number, e.g. 5 or -3."))
        self.data = int(text)


def _sensible_quantity(form, field):
    if field.data is None:  # not a number: process_formdata already said so
        raise StopValidation()
    if field.data == 0:
        raise ValidationError(_("Quantity must not be zero: enter how many to add (5) or remove (-5)."))
    if abs(field.data) > MAX_ADJUST:
        raise ValidationError(
            _("Enter a quantity between -%(limit)s and %(limit)s.", limit=number(MAX_ADJUST))
        )


class StockFilterForm(FilterForm):
    """GET filters; bad values are reported, never a 500."""

    location = StringField(filters=[clean_text], validators=[Optional(), Length(max=64)])
    bin = StringField(filters=[clean_text], validators=[Optional(), Length(max=32)])
    sku = StringField(filters=[clean_text], validators=[Optional(), Length(max=64)])
    page = IntegerField(default=1, validators=[Optional(), NumberRange(1, 100_000)])


class MovementFilterForm(FilterForm):
    sku = StringField(filters=[clean_text], validators=[Optional(), Length(max=64)])
    location = StringField(filters=[clean_text], validators=[Optional(), Length(max=64)])
    type = SelectField(
        choices=[SelectChoice("", _l("Any type"))]
        + [SelectChoice(t.value, WORDS[MovementType][t]) for t in MovementType],
        validators=[Optional()],
    )
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("To"), validators=[Optional()])
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
        _l("SKU or barcode"),
        filters=[clean_text],
        validators=[DataRequired(_l("Enter or scan the SKU.")), Length(max=64)],
    )
    location = SelectField(_l("Location"), validators=[DataRequired(_l("Choose the location."))])
    bin = StringField(
        _l("Bin"),
        filters=[clean_text],
        validators=[DataRequired(_l("Enter or scan the bin.")), Length(max=32)],
    )
    lot = StringField(
        _l("Lot (lot-tracked items only)"), filters=[clean_text], validators=[Optional(), Length(max=64)]
    )
    quantity = WholeNumberField(
        _l("Quantity (+ adds, - removes)"),
        validators=[InputRequired(_l("Enter a whole number, e.g. 5 or -3.")), _sensible_quantity],
    )
    reason = SelectField(_l("Reason"))
    reference = StringField(_l("Reference"), filters=[clean_text], validators=[Length(max=64)])
    note = TextAreaField(
        _l("Note"),
        filters=[clean_text],
        validators=[Length(max=500, message=_l("Keep the note under %(limit)s characters.", limit=500))],
    )

    def __init__(self, *args, locations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.reason.choices = reason_choices()
        self.location.choices = [SelectChoice(loc.code, place(loc)) for loc in locations]
        if not self.key.data:
            self.key.data = secrets.token_urlsafe(16)
