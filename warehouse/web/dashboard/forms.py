"""GET filters for the dashboard and the reports. Bad values (text periods, impossible
dates, 5000-character strings) are reported on the page with a 400, never a 500."""

from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.fields import DateField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, ValidationError

from warehouse.ledger.models import MovementType
from warehouse.reporting import periods
from warehouse.web.filter_form import FilterForm

from ..filters import clean_text
from ..words import WORDS

EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)
PERIOD_NAMES = {
    "7d": _l("Last 7 days"),
    "30d": _l("Last 30 days"),
    "90d": _l("Last 90 days"),
    "1y": _l("Last year"),
}
PERIODS = [SelectChoice(name, PERIOD_NAMES[name]) for name in periods.PERIODS]
TYPES = [SelectChoice("", _l("Any type"))] + [
    SelectChoice(t.value, WORDS[MovementType][t]) for t in MovementType
]


def _sensible_date(form, field):
    if field.data is not None and not EARLIEST <= field.data <= LATEST:
        raise ValidationError(
            _(
                "Choose a date between %(first)s and %(last)s.",
                first=EARLIEST.isoformat(),
                last=LATEST.isoformat(),
            )
        )


class DashboardFilterForm(FilterForm):
    location = StringField(filters=[clean_text], validators=[Optional(), Length(max=64)])
    period = SelectField(choices=PERIODS, default=periods.DEFAULT_PERIOD, validate_choice=True)

    def validate_period(self, field):
        if field.data not in periods.PERIODS:
            raise ValidationError(_("Choose 7d, 30d, 90d or 1y."))


class ValuationFilterForm(FilterForm):
    location = StringField(filters=[clean_text], validators=[Optional(), Length(max=64)])
    as_of = DateField(_l("As of"), validators=[Optional(), _sensible_date])
    cost = SelectField(
        _l("Valued at"),
        choices=[
            SelectChoice("standard", _l("Standard cost")),
            SelectChoice("average", _l("Weighted average cost")),
        ],
        default="standard",
    )


class RangeFilterForm(FilterForm):
    """A date range of whole days, at most a year and a bit long."""

    location = StringField(filters=[clean_text], validators=[Optional(), Length(max=64)])
    since = DateField(_l("From"), validators=[Optional(), _sensible_date])
    until = DateField(_l("To"), validators=[Optional(), _sensible_date])

    def validate_until(self, field):
        if self.since.data and field.data and field.data < self.since.data:
            raise ValidationError(_("The end date is before the start date: swap them."))


class MovementReportForm(RangeFilterForm):
    sku = StringField(filters=[clean_text], validators=[Optional(), Length(max=64)])
    type = SelectField(choices=TYPES, validators=[Optional()])
