import secrets

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, NumberRange, Optional

from warehouse.catalog.scan import MAX_SCAN, clean
from warehouse.inbound.models import PutawayReason
from warehouse.transfers.models import ReceiveReason, ShortReason
from warehouse.web.keyed import KeyedForm
from warehouse.web.words import WORDS

MAX_ID = 2**31 - 1  # ids posted by a page: bound them before any lookup
MAX_SEQ = 2**53  # what a browser counts to exactly


class ScanForm(FlaskForm):
    """The one scan input of a floor screen. Scanner control characters (CR, LF, TAB) are
    dropped; the GS1 group separator is kept for the resolver."""

    scan = StringField(
        filters=[clean], validators=[Length(max=MAX_SCAN, message=_l("That code is too long."))]
    )
    scan_id = HiddenField(validators=[Optional(), Length(max=64)])


class StreamScanForm(ScanForm):
    """A scan of the handheld's ordered stream (warehouse/web/floor/stream.py)."""

    seq = IntegerField(validators=[Optional(), NumberRange(0, MAX_SEQ, _l("Scan again."))])
    # Who the handheld queued this scan under: a queue left on a shared device by one
    # operator is never applied as another's.
    operator = IntegerField(validators=[Optional(), NumberRange(1, MAX_ID, _l("Scan again."))])


class StartReceiptForm(ScanForm):
    key = HiddenField(validators=[Optional(), Length(max=64)])  # the server namespaces it per user

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.key.data:
            self.key.data = secrets.token_urlsafe(16)


# Labels are the reasons' words (warehouse/web/words.py), said in the reader's language.
REASONS = [SelectChoice("", _l("Suggested bin"))] + [
    SelectChoice(r.value, WORDS[PutawayReason][r]) for r in PutawayReason
]


class PutawayScanForm(StreamScanForm):
    qty = IntegerField(
        _l("Quantity"), validators=[Optional(), NumberRange(1, 1_000_000, _l("Enter 1 or more."))]
    )
    reason = SelectField(_l("Different bin? Why"), choices=REASONS, validators=[Optional()])


class LanguageForm(FlaskForm):
    """The floor home's language buttons: each submits its own code."""

    language = StringField(validators=[Length(max=8)])


class LocationForm(FlaskForm):
    location = SelectField(_l("Where are you working?"), coerce=int)


class ShortPickForm(KeyedForm):
    """Short asks first and acts on a second press (warehouse/transfers/pick_dialogue.py);
    the key minted with the page makes a double tap one press."""

    line = IntegerField(validators=[NumberRange(1, 2**31 - 1)])
    reason = SelectField(
        _l("Why short?"),
        choices=[SelectChoice(r.value, WORDS[ShortReason][r]) for r in ShortReason],
    )


class ReceiveLineForm(FlaskForm):
    line = IntegerField(validators=[NumberRange(1, 2**31 - 1)])
    received = IntegerField(
        _l("Received"), validators=[NumberRange(0, 1_000_000, _l("Enter 0 to 1,000,000."))]
    )
    damaged = IntegerField(
        _l("Damaged"), default=0, validators=[Optional(), NumberRange(0, 1_000_000, _l("Enter 0 or more."))]
    )
    reason = SelectField(
        _l("Why different?"),
        validators=[Optional()],
        choices=[SelectChoice("", _l("No difference"))]
        + [SelectChoice(r.value, WORDS[ReceiveReason][r]) for r in ReceiveReason],
    )
