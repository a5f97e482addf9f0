"""Forms of the channel pages. GET filters report a bad value, never a 500; every POST form
carries a key minted when it is rendered, so a double submit is written once."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from warehouse.availability.channels import MAX_BUFFER, MAX_NAME
from warehouse.web.filter_form import FilterForm

from ..filters import clean_text
from ..keyed import KeyedForm
from ..stock.forms import WholeNumberField

CODE = r"^[A-Za-z0-9_-]{1,32}$"


class MatrixFilterForm(FilterForm):
    """The matrix's location, search, channels and page (a GET, so no CSRF)."""

    location = SelectField(_l("Location"), validators=[Optional()])
    search = StringField(_l("SKU or name"), filters=[clean_text], validators=[Optional(), Length(max=100)])
    channel = SelectMultipleField(_l("Channels"), validators=[Optional()])
    page = IntegerField(_l("Page"), default=1, validators=[Optional(), NumberRange(1, 100_000)])

    def __init__(self, *args, places=(), channels=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.location.choices = [SelectChoice(p.code, _named(p)) for p in places]
        self.channel.choices = [SelectChoice(c.code, c.name) for c in channels]


def _named(thing) -> str:
    """A location or channel in a list: its name and code."""
    return _("%(name)s (%(code)s)", name=thing.name, code=thing.code)


class DrilldownForm(FilterForm):
    sku = StringField(
        _l("SKU"), filters=[clean_text], validators=[DataRequired(_l("Name a SKU.")), Length(max=64)]
    )
    location = StringField(_l("Location"), filters=[clean_text], validators=[Optional(), Length(max=64)])


class NewChannelForm(KeyedForm):
    code = StringField(
        _l("Code"),
        filters=[clean_text],
        validators=[
            DataRequired(_l("Enter a code, e.g. web.")),
            # CODE_RULE (availability/channels.py) written out, for translators
            Regexp(CODE, message=_l("A code is 1-32 letters, digits, '-' or '_', e.g. web or market-eu.")),
        ],
    )
    name = StringField(
        _l("Name"),
        filters=[clean_text],
        validators=[DataRequired(_l("Enter a name, e.g. Web shop.")), Length(max=MAX_NAME)],
    )


class ChannelForm(KeyedForm):
    """Rename, activate or deactivate one channel."""

    name = StringField(
        _l("Name"), filters=[clean_text], validators=[DataRequired(_l("Enter a name.")), Length(max=MAX_NAME)]
    )
    active = BooleanField(_l("Active"))


class RuleForm(KeyedForm):
    """A channel's rule at a location, made or changed."""

    channel = SelectField(_l("Channel"), validators=[DataRequired(_l("Choose a channel."))])
    location = SelectField(_l("Location"), validators=[DataRequired(_l("Choose a location."))])
    can_sell = BooleanField(_l("Sells from here"), default=True)
    buffer = WholeNumberField(
        _l("Buffer (units kept back)"),
        default=0,
        # MAX_BUFFER written out, so a translator writes the number the reader's way
        validators=[Optional(), NumberRange(0, MAX_BUFFER, _l("The buffer is 0 to 1,000,000 units."))],
    )
    share = WholeNumberField(
        _l("Share (%)"),
        validators=[Optional(), NumberRange(1, 100, _l("The share is 1 to 100 percent, or empty for none."))],
    )

    def __init__(self, *args, channels=(), places=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.channel.choices = [SelectChoice(c.code, _named(c)) for c in channels]
        self.location.choices = [SelectChoice(p.code, _named(p)) for p in places]


class RemoveRuleForm(KeyedForm):
    pass
