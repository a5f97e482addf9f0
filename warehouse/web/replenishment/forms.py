"""Replenishment forms: the report's filter (GET) and applying a reorder point (POST,
CSRF). Bad values become form errors, never 500s."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Optional, StopValidation, ValidationError

from warehouse.alerts.replenishment import MAX_DAYS, MAX_REORDER_POINT
from warehouse.web.filter_form import FilterForm

from ..i18n import number
from ..stock.forms import WholeNumberField
from ..transfers.forms import MAX_ID

DEFAULT_DAYS = 90
GONE = _l("This row is not on the report any more. Reload the page.")


def _location_choices(locations):
    return [SelectChoice("", _l("All locations"))] + [
        SelectChoice(loc.code, _named(loc)) for loc in locations
    ]


def _named(loc) -> str:
    """A location as the picker lists it: its name and code (values, nothing to translate)."""
    return f"{loc.name} ({loc.code})"


def _between(low: int, high: int, refusal):
    """`refusal(low, high)`: the sentence said when the number is outside (made during the
    request, so in the reader's language)."""

    def check(form, field):
        if field.data is None:
            if field.raw_data and field.raw_data[0].strip():  # typed, but not a whole number
                raise StopValidation()
            return
        if not low <= field.data <= high:
            raise ValidationError(refusal(number(low), number(high)))

    return check


class ReportForm(FilterForm):
    """Which location (by code, as in the stock pages' URLs; an id is understood too), and
    how many days of outbound the suggested points look back on."""

    location = SelectField(_l("Location"), validators=[Optional()])
    days = WholeNumberField(
        _l("Outbound days"),
        default=DEFAULT_DAYS,
        validators=[
            Optional(),
            _between(
                1, MAX_DAYS, lambda low, high: _("Days must be %(low)s to %(high)s.", low=low, high=high)
            ),
        ],
    )

    def __init__(self, *args, locations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.location.choices = _location_choices(locations)
        self._ids = {loc.code: loc.id for loc in locations}
        by_id = {str(loc.id): loc.code for loc in locations}
        self.location.data = by_id.get(self.location.data, self.location.data)

    @property
    def location_id(self) -> int | None:
        """The chosen location's id; None for all locations (or a choice not on the list,
        which validation reports)."""
        return self._ids.get(self.location.data)

    @property
    def window(self) -> int:
        return self.days.data or DEFAULT_DAYS


def _id(value):
    number = int(value)
    if not 1 <= number <= MAX_ID:
        raise ValueError("out of range")
    return number


class IdField(HiddenField):
    """A hidden row id: a whole number in the id range, or a form error."""

    def process_formdata(self, valuelist):
        self.data = None
        if valuelist and valuelist[0].strip():
            try:
                self.data = _id(valuelist[0].strip())
            except ValueError:
                raise ValueError(_("This row is not on the report any more. Reload the page.")) from None


class ApplyForm(FlaskForm):
    """Set one policy's reorder point (the suggestion, or what the supervisor typed)."""

    product = IdField(validators=[InputRequired(GONE)])
    location = IdField(validators=[InputRequired(GONE)])
    value = WholeNumberField(
        _l("New reorder point"),
        validators=[
            InputRequired(_l("Enter the new reorder point.")),
            _between(
                0,
                MAX_REORDER_POINT,
                lambda low, high: _("The reorder point must be %(low)s to %(high)s.", low=low, high=high),
            ),
        ],
    )
    # The report being looked at, so the answer shows the same rows.
    report_location = HiddenField()
    days = HiddenField()
