"""Forms of the setup pages. They check shape (lengths, numbers, choices); the catalog's
rules (unique SKU and barcodes, GTIN check digits) are checked by the domain, whose
refusals the page shows."""

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    FloatField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from warehouse.accounts.models import Role
from warehouse.catalog.models import BinKind, LocationType
from warehouse.catalog.products import BarcodeSpec
from warehouse.setup.models import ImportKind

from ..keyed import KeyedForm
from ..words import WORDS

# "CODE", "CODE x 12", "CODE*12" or "CODE 12"; a code may itself hold an x and digits (BOX12).
_BARCODE_LINE = re.compile(r"^(\S+?)(?:\s*\*\s*(\d{1,9})|\s+(?:[x×]\s*)?(\d{1,9}))?$", re.IGNORECASE)


class ProductForm(KeyedForm):
    sku = StringField(_l("SKU"), validators=[DataRequired(_l("Write the SKU.")), Length(max=64)])
    name = StringField(_l("Name"), validators=[DataRequired(_l("Write the name.")), Length(max=200)])
    unit_cost = StringField(_l("Unit cost"), default="0", validators=[Optional(), Length(max=20)])
    barcodes = TextAreaField(
        _l("Barcodes: one per line; a case as its code x units (19506000134359 x 12)"),
        validators=[Optional(), Length(max=2000)],
    )
    lot_tracked = BooleanField(_l("Lot-tracked"))
    expiry_tracked = BooleanField(_l("Expiry-tracked (lots have an expiry date)"))
    track_inventory = BooleanField(_l("Track inventory"), default=True)
    allow_backorder = BooleanField(_l("Allow backorders"))
    active = BooleanField(_l("Active (can be received and reserved)"), default=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.parsed_barcodes = []  # an empty box: no barcodes (Optional stops the check below)

    def validate_barcodes(self, field):
        self.parsed_barcodes = []
        for number, line in enumerate((field.data or "").splitlines(), start=1):
            line = line.strip()
            if not line:
                continue
            match = _BARCODE_LINE.match(line)
            if match is None:
                raise ValidationError(
                    _l(
                        "Line %(number)s (%(line)s): write the code, or code x units for a case.",
                        number=number,
                        line=line[:30],
                    )
                )
            code, starred, spaced = match.groups()
            units = starred or spaced
            self.parsed_barcodes.append(BarcodeSpec(code, int(units) if units else 1))

    def fill(self, product) -> None:
        for name in (
            "sku",
            "name",
            "lot_tracked",
            "expiry_tracked",
            "track_inventory",
            "allow_backorder",
            "active",
        ):
            getattr(self, name).data = getattr(product, name)
        self.unit_cost.data = f"{product.unit_cost:f}".rstrip("0").rstrip(".")
        self.barcodes.data = "\n".join(
            b.code if b.pack_qty == 1 else f"{b.code} x {b.pack_qty}" for b in product.barcodes
        )


class SearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter

    q = StringField(_l("Search"), validators=[Optional(), Length(max=64)])
    page = IntegerField(validators=[Optional(), NumberRange(1, 100_000)], default=1)


class LocationForm(KeyedForm):
    code = StringField(
        _l("Code (used in bin labels and the API)"),
        validators=[DataRequired(_l("Write a code.")), Length(max=32)],
    )
    name = StringField(_l("Name"), validators=[DataRequired(_l("Write the name.")), Length(max=200)])
    type = SelectField(
        _l("Type"), choices=[SelectChoice(t.value, WORDS[LocationType][t]) for t in LocationType]
    )
    # Where it is, for routing orders to the nearest location (both or neither: the domain says so).
    latitude = FloatField(
        _l("Latitude (degrees, -90 to 90; optional, for order routing)"),
        validators=[Optional(), NumberRange(-90, 90, _l("-90 to 90 degrees, e.g. 52.37."))],
    )
    longitude = FloatField(
        _l("Longitude (degrees, -180 to 180)"),
        validators=[Optional(), NumberRange(-180, 180, _l("-180 to 180 degrees, e.g. 4.89."))],
    )

    def coordinates(self) -> tuple[float | None, float | None]:
        return self.latitude.data, self.longitude.data

    def validate_code(self, field):
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", field.data or ""):
            raise ValidationError(_l("Letters, digits, - and _ only, e.g. MAIN or north-1."))


class BinsForm(KeyedForm):
    first = StringField(
        _l("Bin code, or first of a range"),
        validators=[DataRequired(_l("Write a bin code.")), Length(max=32)],
    )
    last = StringField(_l("Last of the range (optional)"), validators=[Optional(), Length(max=32)])
    kind = SelectField(
        _l("Kind"), choices=[SelectChoice(k.value, WORDS[BinKind][k]) for k in BinKind], default="storage"
    )
    capacity = IntegerField(
        _l("Capacity in units (optional)"),
        validators=[Optional(), NumberRange(1, 10_000_000, _l("1 or more, or leave empty."))],
    )


# What the file picker offers: CSV and XLSX.
ACCEPTED_FILES = ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class UploadForm(FlaskForm):
    kind = SelectField(
        _l("What the file holds"),
        choices=[
            SelectChoice(ImportKind.PRODUCTS.value, _l("Products (with barcodes and case quantities)")),
            SelectChoice(ImportKind.LOCATIONS.value, _l("Locations (with coordinates for order routing)")),
            SelectChoice(ImportKind.BINS.value, _l("Bins")),
            SelectChoice(ImportKind.POLICIES.value, _l("Reorder policies")),
            SelectChoice(ImportKind.STOCK.value, _l("Opening stock")),
        ],
    )
    file = FileField(
        _l("CSV or XLSX file"),
        validators=[FileRequired(_l("Choose the file to import."))],
        render_kw={"accept": ACCEPTED_FILES},
    )
    skip_bad_rows = BooleanField(_l("Skip bad rows (import the good ones; download the bad ones to fix)"))


ROLES = [SelectChoice(r.value, WORDS[Role][r]) for r in Role]


class NewUserForm(KeyedForm):
    username = StringField(_l("Username"), validators=[DataRequired(_l("Write a username.")), Length(max=64)])
    role = SelectField(_l("Role"), choices=ROLES, default=Role.OPERATOR.value)
    password = PasswordField(
        _l("Password (8 characters or more)"),
        validators=[DataRequired(_l("Write a password.")), Length(max=200)],
    )
    badge_code = StringField(
        _l("Badge code (optional: printed on the badge, scanned to sign in)"),
        validators=[Optional(), Length(max=64)],
    )
    pin = PasswordField(_l("PIN for badge sign-in (4-8 digits)"), validators=[Optional(), Length(max=8)])


class RoleForm(KeyedForm):
    role = SelectField(_l("Role"), choices=ROLES)


class PasswordForm(KeyedForm):
    password = PasswordField(
        _l("New password (8 characters or more)"),
        validators=[DataRequired(_l("Write the new password.")), Length(max=200)],
    )


class PinForm(KeyedForm):
    pin = PasswordField(
        _l("New PIN (4-8 digits)"), validators=[DataRequired(_l("Write the new PIN.")), Length(max=8)]
    )


class BadgeForm(KeyedForm):
    badge_code = StringField(_l("Badge code (empty: no badge)"), validators=[Optional(), Length(max=64)])


class PolicyFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter

    q = StringField(_l("SKU starts with"), validators=[Optional(), Length(max=64)])
    location = StringField(_l("Location code"), validators=[Optional(), Length(max=64)])
    page = IntegerField(validators=[Optional(), NumberRange(1, 100_000)], default=1)


FIGURE = [Optional(), NumberRange(0, 1_000_000_000, _l("A whole number, 0 or more."))]


class PolicyForm(KeyedForm):
    sku = StringField(_l("SKU"), validators=[DataRequired(_l("Write the SKU.")), Length(max=64)])
    location = StringField(
        _l("Location code"), validators=[DataRequired(_l("Write the location code.")), Length(max=64)]
    )
    reorder_point = IntegerField(_l("Reorder point"), validators=FIGURE)
    reorder_qty = IntegerField(_l("Reorder quantity"), validators=FIGURE)
    max_level = IntegerField(_l("Max level (empty: none)"), validators=FIGURE)
    lead_time_days = IntegerField(
        _l("Lead time (days)"), validators=[Optional(), NumberRange(0, 3650, _l("0 to 3,650 days."))]
    )
    safety_stock = IntegerField(_l("Safety stock"), validators=FIGURE)


class ApplyForm(FlaskForm):
    sku = StringField(validators=[DataRequired(), Length(max=64)])
    location = StringField(validators=[DataRequired(), Length(max=64)])
    value = IntegerField(validators=[InputRequired(), NumberRange(0, 1_000_000_000)])  # 0 is a value


class OrganisationForm(FlaskForm):
    name = StringField(
        _l("Organisation name (printed on badge cards)"),
        validators=[DataRequired(_l("Write the name.")), Length(max=200)],
    )
    cart_ttl_minutes = IntegerField(
        _l("Cart reservations hold stock for (minutes, 1 to 1,440; empty: the installation's default)"),
        validators=[Optional(), NumberRange(1, 1440, _l("1 to 1,440 minutes, or leave it empty."))],
    )
