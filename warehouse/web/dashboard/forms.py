"""GET filters for the dashboard and the reports. Bad values (text periods, impossible
dates, 5000-character strings) are reported on the page with a 400, never a 500."""

from datetime import date

from wtforms import Form, SelectField, StringField
from wtforms.fields import DateField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, ValidationError

from warehouse.ledger.models import MovementType
from warehouse.reporting import periods

from ..filters import clean_text

EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)
PERIODS = [
    SelectChoice(name, f"Last {name.replace('d', ' days').replace('1y', 'year')}") for name in periods.PERIODS
]
TYPES = [SelectChoice("", "Any type")] + [SelectChoice(t.value, t.value) for t in MovementType]


def _sensible_date(form, field):
    if field.data is not None and not EARLIEST <= field.data <= LATEST:
        raise ValidationError(f"Choose a date between {EARLIEST} and {LATEST}.")


class DashboardFilterForm(Form):
    location = StringField(filters=[clean_text], validators=[Optional(), Length(max=64)])
    period = SelectField(choices=PERIODS, default=periods.DEFAULT_PERIOD, validate_choice=True)

    def validate_period(self, field):
        if field.data not in periods.PERIODS:
            raise ValidationError("Choose 7d, 30d, 90d or 1y.")


class ValuationFilterForm(Form):
    location = StringField(filters=[clean_text], validators=[Optional(), Length(max=64)])
    as_of = DateField("As of", validators=[Optional(), _sensible_date])
    cost = SelectField(
        "Valued at",
        choices=[SelectChoice("standard", "Standard cost"), SelectChoice("average", "Weighted average cost")],
        default="standard",
    )


class RangeFilterForm(Form):
    """A date range of whole days, at most a year and a bit long."""

    location = StringField(filters=[clean_text], validators=[Optional(), Length(max=64)])
    since = DateField("From", validators=[Optional(), _sensible_date])
    until = DateField("To", validators=[Optional(), _sensible_date])

    def validate_until(self, field):
        if self.since.data and field.data and field.data < self.since.data:
            raise ValidationError("The end date is before the start date: swap them.")


class MovementReportForm(RangeFilterForm):
    sku = StringField(filters=[clean_text], validators=[Optional(), Length(max=64)])
    type = SelectField(choices=TYPES, validators=[Optional()])
