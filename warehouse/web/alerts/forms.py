"""Alert filters and the per SKU x location setting form."""

import re

from flask_wtf import FlaskForm
from wtforms import BooleanField, Form, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from warehouse.alerts import MAX_THRESHOLD
from warehouse.alerts.models import AlertKind, AlertStatus

from ..filters import clean_text

STATUSES = [SelectChoice("live", "Open or acknowledged"), SelectChoice("", "Any status")] + [
    SelectChoice(s.value, s.value.capitalize()) for s in AlertStatus
]
KINDS = [SelectChoice("", "Any kind")] + [
    SelectChoice(k.value, k.value.replace("_", " ").capitalize()) for k in AlertKind
]
_DIGITS = re.compile(r"[0-9]{1,10}")


class AlertFilterForm(Form):
    """GET filters of the list: a bad value is reported, never a 500."""

    status = SelectField("Status", choices=STATUSES, default="live", validators=[Optional()])
    kind = SelectField("Kind", choices=KINDS, validators=[Optional()])
    location = SelectField("Location", validators=[Optional()])
    sku = StringField("SKU starts with", filters=[clean_text], validators=[Optional(), Length(max=64)])

    def __init__(self, *args, locations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.location.choices = [SelectChoice("", "Any location")] + [
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
                f"Enter a whole number of units from 0 to {MAX_THRESHOLD:,}, "
                "or leave it empty to use the reorder point."
            )
        self.data = int(text)

    def _value(self):
        return "" if self.data is None else str(self.data)


class AlertSettingForm(FlaskForm):
    sku = StringField(
        "SKU or barcode",
        filters=[clean_text],
        validators=[DataRequired("Enter or scan the SKU."), Length(max=64)],
    )
    location = SelectField("Location", validators=[DataRequired("Choose a location.")])
    threshold = ThresholdField("Low-stock threshold (empty: reorder point)")
    recipients = StringField(
        "Recipients (e-mails, comma separated): mailed when an alert is raised",
        filters=[clean_text],
        validators=[Optional(), Length(max=500, message="Keep the list under 500 characters.")],
    )
    muted = BooleanField("Mute alerts for this SKU here")

    def __init__(self, *args, locations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.location.choices = [SelectChoice("", "Choose…")] + [
            SelectChoice(loc.code, f"{loc.name} ({loc.code})") for loc in locations
        ]
