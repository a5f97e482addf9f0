import re
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DecimalField,
    Form,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
    ValidationError,
)

from warehouse import counts

from ..filters import clean_text
from ..i18n import number
from ..keyed import KeyedForm
from ..stock.forms import WholeNumberField
from ..transfers.forms import MAX_ID, _location_id

MAX_SKUS = 200
MAX_DAYS = 3650
CLASSES = [SelectChoice("", _l("Any class"))] + [SelectChoice(c, _l("Class %(cls)s", cls=c)) for c in "ABC"]
ACTIONS = {"accept": counts.accept, "recount": counts.recount, "reject": counts.reject}
_SEPARATORS = re.compile(r"[\s,;]+")


def _location_choices(locations):
    return [SelectChoice("", _l("Choose…"))] + [
        SelectChoice(loc.id, _("%(name)s (%(code)s)", name=loc.name, code=loc.code)) for loc in locations
    ]


def _days_in_range(form, field):
    if field.data is None:
        if field.raw_data and field.raw_data[0].strip():  # typed, but not a whole number
            raise StopValidation()
        return
    if not 1 <= field.data <= MAX_DAYS:
        raise ValidationError(_("Days must be 1 to %(max)s.", max=number(MAX_DAYS)))


def _finite(form, field):
    if field.data is not None and not field.data.is_finite():  # "NaN" and "Infinity" parse as decimals
        raise StopValidation(_("Enter a number, e.g. 50."))


def _line_ids(form, field):
    if not field.data:
        raise ValidationError(_("Tick at least one line first."))
    if any(not 1 <= i <= MAX_ID for i in field.data):
        raise ValidationError(_("A chosen line is not on this batch."))


class FromRequestsForm(KeyedForm):
    """ "Count these": one batch of a location's open count requests (its key: a double
    submit makes one batch)."""

    location = HiddenField(validators=[InputRequired(_l("Choose the location to count."))])

    def location_id(self) -> int | None:
        try:
            return _location_id(self.location.data)
        except ValueError:
            return None


class NewCountForm(KeyedForm):
    """What a new batch covers; any combination narrows the location's stock, and all
    empty counts the whole location. Its key: a double submit makes one batch."""

    location = SelectField(
        _l("Location"), coerce=_location_id, validators=[InputRequired(_l("Choose the location to count."))]
    )
    bins_like = StringField(
        _l("Bin range (e.g. A-01-*)"),
        filters=[clean_text],
        validators=[Optional(), Length(max=32, message=_l("A bin range is at most 32 characters."))],
    )
    skus = TextAreaField(
        _l("SKUs (comma or space separated)"),
        filters=[clean_text],
        validators=[Optional(), Length(max=4000, message=_l("Keep the SKU list under 4,000 characters."))],
    )
    abc_class = SelectField(_l("ABC class"), choices=CLASSES, validators=[Optional()])
    not_counted_days = WholeNumberField(_l("Not counted in N days"), validators=[Optional(), _days_in_range])

    def __init__(self, *args, locations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.location.choices = _location_choices(locations)

    def validate_skus(self, field):
        skus = self.sku_list()
        if len(skus) > MAX_SKUS:
            raise ValidationError(_("At most %(max)s SKUs per batch.", max=number(MAX_SKUS)))
        if any(len(sku) > 64 for sku in skus):
            raise ValidationError(_("A SKU is at most 64 characters."))

    def sku_list(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s for s in _SEPARATORS.split(self.skus.data or "") if s))

    def selection(self) -> counts.Selection:
        return counts.Selection(
            bins_like=self.bins_like.data or "",
            skus=self.sku_list(),
            abc_class=self.abc_class.data or "",
            not_counted_days=self.not_counted_days.data,
        )


class AbcFilterForm(Form):
    """GET ?location=<id> of the ABC report; a bad value is reported, never a 500."""

    location = SelectField(_l("Location"), coerce=_location_id, validators=[Optional()])

    def __init__(self, *args, locations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.location.choices = _location_choices(locations)


class DueCountForm(KeyedForm):
    """Count what is due today of one class at one location (its key: a double submit
    makes one batch)."""

    location = SelectField(
        _l("Location"), coerce=_location_id, validators=[InputRequired(_l("Choose the location to count."))]
    )
    abc_class = SelectField(_l("Class"), choices=CLASSES[1:], default="A")

    def __init__(self, *args, locations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.location.choices = _location_choices(locations)


class ReviewFilterForm(Form):
    """GET filters of the review: only variances, variance value at least X."""

    variances = SelectField(
        choices=[SelectChoice("", _l("All lines")), SelectChoice("1", _l("Only variances"))],
        validators=[Optional()],
    )
    min_value = DecimalField(
        _l("Variance value at least"),
        places=2,
        validators=[Optional(), _finite, NumberRange(0, 10**9, _l("Enter 0 to 1,000,000,000."))],
    )

    def keep(self, line) -> bool:
        if self.variances.data == "1" and not line.variance:
            return False
        return self.min_value.data is None or abs(counts.value(line)) >= Decimal(self.min_value.data)


class ResolveForm(FlaskForm):
    action = SelectField(
        choices=[
            SelectChoice("accept", _l("Accept")),
            SelectChoice("recount", _l("Recount")),
            SelectChoice("reject", _l("Reject")),
        ],
        validators=[InputRequired(_l("Choose Accept, Recount or Reject."))],
    )
    line = SelectMultipleField(coerce=int, validate_choice=False, validators=[_line_ids])

    def service(self):
        return ACTIONS[self.action.data]
