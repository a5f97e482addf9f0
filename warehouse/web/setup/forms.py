"""Forms of the setup pages. They check shape (lengths, numbers, choices); the catalog's
rules (unique SKU and barcodes, GTIN check digits) are checked by the domain, whose
refusals the page shows."""

import re

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

# "CODE", "CODE x 12", "CODE*12" or "CODE 12"; a code may itself hold an x and digits (BOX12).
_BARCODE_LINE = re.compile(r"^(\S+?)(?:\s*\*\s*(\d{1,9})|\s+(?:[x×]\s*)?(\d{1,9}))?$", re.IGNORECASE)


class ProductForm(KeyedForm):
    sku = StringField("SKU", validators=[DataRequired("Write the SKU."), Length(max=64)])
    name = StringField("Name", validators=[DataRequired("Write the name."), Length(max=200)])
    unit_cost = StringField("Unit cost", default="0", validators=[Optional(), Length(max=20)])
    barcodes = TextAreaField(
        "Barcodes: one per line; a case as its code x units (19506000134359 x 12)",
        validators=[Optional(), Length(max=2000)],
    )
    lot_tracked = BooleanField("Lot-tracked")
    expiry_tracked = BooleanField("Expiry-tracked (lots have an expiry date)")
    track_inventory = BooleanField("Track inventory", default=True)
    allow_backorder = BooleanField("Allow backorders")
    active = BooleanField("Active (can be received and reserved)", default=True)

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
                    f"Line {number} ({line[:30]}): write the code, or code x units for a case."
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

    q = StringField("Search", validators=[Optional(), Length(max=64)])
    page = IntegerField(validators=[Optional(), NumberRange(1, 100_000)], default=1)


class LocationForm(KeyedForm):
    code = StringField(
        "Code (used in bin labels and the API)", validators=[DataRequired("Write a code."), Length(max=32)]
    )
    name = StringField("Name", validators=[DataRequired("Write the name."), Length(max=200)])
    type = SelectField(
        "Type", choices=[SelectChoice(t.value, t.value.replace("_", " ").capitalize()) for t in LocationType]
    )
    # Where it is, for routing orders to the nearest location (both or neither: the domain says so).
    latitude = FloatField(
        "Latitude (degrees, -90 to 90; optional, for order routing)",
        validators=[Optional(), NumberRange(-90, 90, "-90 to 90 degrees, e.g. 52.37.")],
    )
    longitude = FloatField(
        "Longitude (degrees, -180 to 180)",
        validators=[Optional(), NumberRange(-180, 180, "-180 to 180 degrees, e.g. 4.89.")],
    )

    def coordinates(self) -> tuple[float | None, float | None]:
        return self.latitude.data, self.longitude.data

    def validate_code(self, field):
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", field.data or ""):
            raise ValidationError("Letters, digits, - and _ only, e.g. MAIN or north-1.")


class BinsForm(KeyedForm):
    first = StringField(
        "Bin code, or first of a range", validators=[DataRequired("Write a bin code."), Length(max=32)]
    )
    last = StringField("Last of the range (optional)", validators=[Optional(), Length(max=32)])
    kind = SelectField(
        "Kind", choices=[SelectChoice(k.value, k.value.capitalize()) for k in BinKind], default="storage"
    )
    capacity = IntegerField(
        "Capacity in units (optional)",
        validators=[Optional(), NumberRange(1, 10_000_000, "1 or more, or leave empty.")],
    )


class UploadForm(FlaskForm):
    kind = SelectField(
        "What the file holds",
        choices=[
            SelectChoice(ImportKind.PRODUCTS.value, "Products (with barcodes and case quantities)"),
            SelectChoice(ImportKind.LOCATIONS.value, "Locations (with coordinates for order routing)"),
            SelectChoice(ImportKind.BINS.value, "Bins"),
            SelectChoice(ImportKind.POLICIES.value, "Reorder policies"),
            SelectChoice(ImportKind.STOCK.value, "Opening stock"),
        ],
    )
    file = FileField("CSV or XLSX file", validators=[FileRequired("Choose the file to import.")])
    skip_bad_rows = BooleanField("Skip bad rows (import the good ones; download the bad ones to fix)")


ROLES = [SelectChoice(r.value, r.value.capitalize()) for r in Role]


class NewUserForm(KeyedForm):
    username = StringField("Username", validators=[DataRequired("Write a username."), Length(max=64)])
    role = SelectField("Role", choices=ROLES, default=Role.OPERATOR.value)
    password = PasswordField(
        "Password (8 characters or more)", validators=[DataRequired("Write a password."), Length(max=200)]
    )
    badge_code = StringField(
        "Badge code (optional: printed on the badge, scanned to sign in)",
        validators=[Optional(), Length(max=64)],
    )
    pin = PasswordField("PIN for badge sign-in (4-8 digits)", validators=[Optional(), Length(max=8)])


class RoleForm(KeyedForm):
    role = SelectField("Role", choices=ROLES)


class PasswordForm(KeyedForm):
    password = PasswordField(
        "New password (8 characters or more)",
        validators=[DataRequired("Write the new password."), Length(max=200)],
    )


class PinForm(KeyedForm):
    pin = PasswordField(
        "New PIN (4-8 digits)", validators=[DataRequired("Write the new PIN."), Length(max=8)]
    )


class BadgeForm(KeyedForm):
    badge_code = StringField("Badge code (empty: no badge)", validators=[Optional(), Length(max=64)])


class PolicyFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter

    q = StringField("SKU starts with", validators=[Optional(), Length(max=64)])
    location = StringField("Location code", validators=[Optional(), Length(max=64)])
    page = IntegerField(validators=[Optional(), NumberRange(1, 100_000)], default=1)


FIGURE = [Optional(), NumberRange(0, 1_000_000_000, "A whole number, 0 or more.")]


class PolicyForm(KeyedForm):
    sku = StringField("SKU", validators=[DataRequired("Write the SKU."), Length(max=64)])
    location = StringField(
        "Location code", validators=[DataRequired("Write the location code."), Length(max=64)]
    )
    reorder_point = IntegerField("Reorder point", validators=FIGURE)
    reorder_qty = IntegerField("Reorder quantity", validators=FIGURE)
    max_level = IntegerField("Max level (empty: none)", validators=FIGURE)
    lead_time_days = IntegerField(
        "Lead time (days)", validators=[Optional(), NumberRange(0, 3650, "0 to 3,650 days.")]
    )
    safety_stock = IntegerField("Safety stock", validators=FIGURE)


class ApplyForm(FlaskForm):
    sku = StringField(validators=[DataRequired(), Length(max=64)])
    location = StringField(validators=[DataRequired(), Length(max=64)])
    value = IntegerField(validators=[InputRequired(), NumberRange(0, 1_000_000_000)])  # 0 is a value


class OrganisationForm(FlaskForm):
    name = StringField(
        "Organisation name (printed on badge cards)",
        validators=[DataRequired("Write the name."), Length(max=200)],
    )
    cart_ttl_minutes = IntegerField(
        "Cart reservations hold stock for (minutes, 1 to 1,440; empty: the installation's default)",
        validators=[Optional(), NumberRange(1, 1440, "1 to 1,440 minutes, or leave it empty.")],
    )
