"""Alert filters and the per SKU x location setting form."""

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from warehouse.alerts import MAX_THRESHOLD
from warehouse.alerts.models import AlertKind, AlertStatus
from warehouse.web.filter_form import FilterForm

from ..filters import clean_text
from ..i18n import number
from ..words import WORDS

STATUSES = [SelectChoice("live", _l("Open or acknowledged")), SelectChoice("", _l("Any status"))] + [
    SelectChoice(s.value, WORDS[AlertStatus][s]) for s in AlertStatus
]
KINDS = [SelectChoice("", _l("Any kind"))] + [SelectChoice(k.value, WORDS[AlertKind][k]) for k in AlertKind]
_DIGITS = re.compile(r"[0-9]{1,10}")


class AlertFilterForm(FilterForm):
    """GET filters of the list: a bad value is reported, never a 500."""

    status = SelectField(_l("Status"), choices=STATUSES, default="live", validators=[Optional()])
    kind = SelectField(_l("Kind"), choices=KINDS, validators=[Optional()])
    location = SelectField(_l("Location"), validators=[Optional()])
    sku = StringField(_l("SKU starts with"), filters=[clean_text], validators=[Optional(), Length(max=64)])

    def __init__(self, *args, locations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.location.choices = [SelectChoice("", _l("Any location"))] + [
            SelectChoice(loc.code, loc.code) for loc in locations
        ]


class ThresholdField(StringField):
    """Empty (use the reorder point) or a whole number of units."""

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "").strip()
        if not text:
            self.data = None
            return
        if not _DIGITS.fullmatch(text) or int(text) > MAX_THRESHOLD:
            self.data = None
            raise ValueError(
                _(
                    "Enter a whole number of units from 0 to %(most)s, or leave it empty to use the reorder point.",
                    most=number(MAX_THRESHOLD),
                )
            )
        self.data = int(text)

    def _value(self):
        return "" if self.data is None else str(self.data)


class AlertSettingForm(FlaskForm):
    sku = StringField(
        _l("SKU or barcode"),
        filters=[clean_text],
        validators=[DataRequired(_l("Enter or scan the SKU.")), Length(max=64)],
    )
    location = SelectField(_l("Location"), validators=[DataRequired(_l("Choose a location."))])
    threshold = ThresholdField(_l("Low-stock threshold (empty: reorder point)"))
    recipients = StringField(
        _l("Recipients (e-mails, comma separated): mailed when an alert is raised"),
        filters=[clean_text],
        validators=[Optional(), Length(max=500, message=_l("Keep the list under 500 characters."))],
    )
    muted = BooleanField(_l("Mute alerts for this SKU here"))

    def __init__(self, *args, locations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.location.choices = [SelectChoice("", _l("Choose…"))] + [
            SelectChoice(loc.code, _named(loc)) for loc in locations
        ]


def _named(loc) -> str:
    """A location as the picker lists it: its name and code (values, nothing to translate)."""
    return f"{loc.name} ({loc.code})"
