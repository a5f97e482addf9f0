"""Request and response shapes of the product endpoints, with the field names of the
product-inventory contract (sku, name, track_inventory, allow_backorder, stock_quantity,
reorder_point, reorder_quantity, stock_status, in_stock, inventory{...}) and ours
(unit_cost, lot_tracked, expiry_tracked, active, barcodes).

Types and lengths are checked here; the catalog's rules (GTIN check digits, pack
quantities, SKU and barcode uniqueness, a barcode that is a bin's code) are checked by
warehouse/catalog/products.py and come back named, per item in a bulk call.
"""

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, WithJsonSchema, model_validator

from warehouse.catalog.products import MAX_BARCODES, MAX_COST, MAX_PACK

from .types import (
    BinCode,
    Blindable,
    Body,
    Count,
    IsoDate,
    LocationCode,
    LotCode,
    Out,
    Paging,
    Query,
    Sku,
    UtcDateTime,
    Withheld,
    code,
    text,
)

MAX_SYNC = 1000  # items per PUT /api/products
Name = text(200, min_length=1)
BarcodeCode = code(64)
PolicyFigure = Annotated[int, Field(ge=0, le=1_000_000_000)]
# A number or a decimal string ("4.25": no float rounding on the way), 0 to 99,999,999.9999.
Money = Annotated[
    Decimal,
    Field(strict=False, ge=0, le=MAX_COST, decimal_places=4),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0, "maximum": float(MAX_COST)},
                {"type": "string", "pattern": r"^\d{1,8}(\.\d{1,4})?$"},
            ],
            "description": "unit cost, 0 to 99999999.9999, at most 4 decimals",
        }
    ),
]


def _day_as_text(value):
    """A body's day is JSON text (a number would be read as seconds since 1970)."""
    if not isinstance(value, str):
        raise ValueError("Give the day as text, YYYY-MM-DD, e.g. 2027-03-31.")
    return value


# Strict mode takes no date from JSON text at all: this field converts, text only.
Day = Annotated[IsoDate, Field(strict=False), BeforeValidator(_day_as_text)]
StockStatus = Literal["in_stock", "low_stock", "out_of_stock", "on_backorder"]


class BarcodeIn(Body):
    code: BarcodeCode = Field(
        description="GTIN (8, 12, 13 or 14 digits, check digit verified) or a supplier's code"
    )
    pack_qty: int = Field(
        1,
        description=f"units one scan of this code counts: 1 for an each, the case quantity for a case (1-{MAX_PACK:,})",
    )


class BarcodeOut(Out):
    code: str
    pack_qty: int


_BARCODES = f"the product's barcodes, at most {MAX_BARCODES}; given, they replace the ones it has"


class ProductIn(Body):
    sku: Sku
    name: Name
    unit_cost: Money = Decimal("0")
    track_inventory: bool = True
    allow_backorder: bool = False
    lot_tracked: bool | None = Field(None, description="left out: false, or true when expiry_tracked")
    expiry_tracked: bool = Field(False, description="true makes the product lot-tracked too")
    active: bool = True
    barcodes: list[BarcodeIn] = Field(default_factory=list, description=_BARCODES)
    stock_quantity: Count | None = Field(
        None,
        description="opening stock: units on hand at `location` (posted as adjustment_count, opening_balance)",
    )
    location: LocationCode | None = Field(
        None, description="location code for stock_quantity and the reorder policy"
    )
    bin: BinCode | None = Field(
        None, description="bin for the opening stock; default the location's receiving bin"
    )
    lot: LotCode | None = Field(None, description="lot of the opening stock (lot-tracked products)")
    expiry: Day | None = Field(
        None, description="the lot's expiry date, YYYY-MM-DD (expiry-tracked products)"
    )
    reorder_point: PolicyFigure | None = Field(None, description="reorder point at `location`")
    reorder_quantity: PolicyFigure | None = Field(None, description="quantity to reorder at `location`")

    @model_validator(mode="after")
    def _placed(self):
        placed = {"stock_quantity": self.stock_quantity, "bin": self.bin} | _policy_fields(self)
        named = [name for name, value in placed.items() if value is not None]
        if named and self.location is None:
            raise ValueError(f"location is needed with {', '.join(named)}: name the location's code.")
        if (self.lot or self.expiry or self.bin) and self.stock_quantity is None:
            raise ValueError("bin, lot and expiry go with stock_quantity: give the opening quantity too.")
        if self.expiry and not self.lot:
            raise ValueError("expiry belongs to a lot: give the lot too.")
        if self.location is not None and not named:
            raise ValueError("location goes with stock_quantity, reorder_point or reorder_quantity.")
        return self


def _policy_fields(body) -> dict:
    return {"reorder_point": body.reorder_point, "reorder_quantity": body.reorder_quantity}


class ProductPatch(Body):
    """Fields left out (or null) keep their value."""

    sku: Sku | None = None
    name: Name | None = None
    unit_cost: Money | None = None
    track_inventory: bool | None = None
    allow_backorder: bool | None = None
    lot_tracked: bool | None = None
    expiry_tracked: bool | None = None
    active: bool | None = Field(
        None, description="false deactivates the product (products are never deleted here)"
    )
    barcodes: list[BarcodeIn] | None = Field(None, description=_BARCODES)
    location: LocationCode | None = Field(None, description="location of the reorder policy to set")
    reorder_point: PolicyFigure | None = None
    reorder_quantity: PolicyFigure | None = None

    @model_validator(mode="after")
    def _placed(self):
        named = [name for name, value in _policy_fields(self).items() if value is not None]
        if named and self.location is None:
            raise ValueError(f"location is needed with {', '.join(named)}: name the location's code.")
        if self.location is not None and not named:
            raise ValueError("location goes with reorder_point or reorder_quantity.")
        return self


class ProductQuery(Paging):
    search: text(100) | None = Field(None, description="part of the SKU or name, or a whole barcode")
    active: bool | None = Field(None, description="true: active products only; false: inactive only")
    include: Literal["inventory"] | None = Field(None, description="inventory: add each product's inventory")
    location: LocationCode | None = Field(None, description="stock figures at this location only")


class ProductGetQuery(Query):
    include: Literal["inventory"] | None = Field(None, description="inventory: add the inventory figures")
    location: LocationCode | None = Field(None, description="stock figures at this location only")


class InventoryOut(Blindable):
    quantity_on_hand: int | None = Withheld
    quantity_reserved: int | None = Withheld
    quantity_available: int | None = Field(
        None, description="on hand - reserved - held; null when being_counted"
    )
    reorder_point: int | None
    reorder_quantity: int | None
    last_counted_at: UtcDateTime | None
    last_movement_at: UtcDateTime | None


class ProductOut(Blindable):
    id: int
    sku: str
    name: str
    unit_cost: Decimal
    track_inventory: bool
    allow_backorder: bool
    lot_tracked: bool
    expiry_tracked: bool
    active: bool
    barcodes: list[BarcodeOut]
    stock_quantity: int | None = Field(None, description="units on hand; null when being_counted")
    reorder_point: int | None
    reorder_quantity: int | None
    stock_status: StockStatus
    in_stock: bool = Field(description="something is available (in_stock or low_stock)")
    inventory: InventoryOut | None = Field(None, description="with include=inventory (and on POST and PATCH)")


class SyncItem(Body):
    """One product of a catalog sync; fields left out keep their value (a new product
    needs a name)."""

    sku: Sku
    name: Name | None = None
    unit_cost: Money | None = None
    track_inventory: bool | None = None
    allow_backorder: bool | None = None
    lot_tracked: bool | None = None
    expiry_tracked: bool | None = None
    active: bool | None = None
    barcodes: list[BarcodeIn] | None = Field(None, description=_BARCODES)


class SyncIn(Body):
    items: list[SyncItem] = Field(
        min_length=1, max_length=MAX_SYNC, description=f"1 to {MAX_SYNC:,} products"
    )


class SyncQuery(Query):
    atomic: bool = Field(False, description="true: all items or none (422 naming each refused item)")


class LineError(Out):
    code: str
    message: str


class SyncLine(Out):
    sku: str
    status: Literal["created", "updated", "unchanged", "error"]
    id: int | None
    error: LineError | None


class SyncOut(Out):
    created: int
    updated: int
    unchanged: int
    errors: int
    items: list[SyncLine]
