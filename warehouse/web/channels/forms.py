"""Forms of the channel pages. GET filters report a bad value, never a 500; every POST form
carries a key minted when it is rendered, so a double submit is written once."""

from wtforms import BooleanField, Form, IntegerField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from warehouse.availability.channels import CODE_RULE, MAX_BUFFER, MAX_NAME

from ..filters import clean_text
from ..keyed import KeyedForm
from ..stock.forms import WholeNumberField

CODE = r"^[A-Za-z0-9_-]{1,32}$"


class MatrixFilterForm(Form):
    """The matrix's location, search, channels and page (a GET, so no CSRF)."""

    location = SelectField("Location", validators=[Optional()])
    search = StringField("SKU or name", filters=[clean_text], validators=[Optional(), Length(max=100)])
    channel = SelectMultipleField("Channels", validators=[Optional()])
    page = IntegerField("Page", default=1, validators=[Optional(), NumberRange(1, 100_000)])

    def __init__(self, *args, places=(), channels=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.location.choices = [SelectChoice(p.code, f"{p.name} ({p.code})") for p in places]
        self.channel.choices = [SelectChoice(c.code, c.name) for c in channels]


class DrilldownForm(Form):
    sku = StringField("SKU", filters=[clean_text], validators=[DataRequired("Name a SKU."), Length(max=64)])
    location = StringField("Location", filters=[clean_text], validators=[Optional(), Length(max=64)])


class NewChannelForm(KeyedForm):
    code = StringField(
        "Code",
        filters=[clean_text],
        validators=[DataRequired("Enter a code, e.g. web."), Regexp(CODE, message=f"A code is {CODE_RULE}.")],
    )
    name = StringField(
        "Name",
        filters=[clean_text],
        validators=[DataRequired("Enter a name, e.g. Web shop."), Length(max=MAX_NAME)],
    )


class ChannelForm(KeyedForm):
    """Rename, activate or deactivate one channel."""

    name = StringField(
        "Name", filters=[clean_text], validators=[DataRequired("Enter a name."), Length(max=MAX_NAME)]
    )
    active = BooleanField("Active")


class RuleForm(KeyedForm):
    """A channel's rule at a location, made or changed."""

    channel = SelectField("Channel", validators=[DataRequired("Choose a channel.")])
    location = SelectField("Location", validators=[DataRequired("Choose a location.")])
    can_sell = BooleanField("Sells from here", default=True)
    buffer = WholeNumberField(
        "Buffer (units kept back)",
        default=0,
        validators=[Optional(), NumberRange(0, MAX_BUFFER, f"The buffer is 0 to {MAX_BUFFER:,} units.")],
    )
    share = WholeNumberField(
        "Share (%)",
        validators=[Optional(), NumberRange(1, 100, "The share is 1 to 100 percent, or empty for none.")],
    )

    def __init__(self, *args, channels=(), places=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.channel.choices = [SelectChoice(c.code, f"{c.name} ({c.code})") for c in channels]
        self.location.choices = [SelectChoice(p.code, f"{p.name} ({p.code})") for p in places]


class RemoveRuleForm(KeyedForm):
    pass
