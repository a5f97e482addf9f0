"""Request and response shapes of the JSON API for stock (snake_case, as in the seeds):
stock reads, adjustments and counts of one key, reservations, returns, availability
checks and the movement history.

These models validate every request and are the source of /api/openapi.json.
"""

from decimal import Decimal
from typing import Literal

from pydantic import Field, model_validator

from warehouse.ledger.models import ReasonCode

from . import aliases
from .aliases import CATALOGUE, MOVEMENTS, PRODUCT_INV, SKU_TX, Alias
from .product_schemas import Money
from .types import (
    BinCode,
    Blindable,
    Body,
    ChannelCode,
    Count,
    IsoDate,
    LocationCode,
    LotCode,
    Out,
    Paging,
    Quantity,
    ReferenceId,
    ReferenceType,
    SignedQuantity,
    Sku,
    UtcDateTime,
    Withheld,
    text,
)

# --- stock ------------------------------------------------------------------------------

# Their names for a location and a product (an id or our code).
LOCATION_ALIASES = (
    aliases.location("warehouse_id", f"{MOVEMENTS}, {PRODUCT_INV}"),
    aliases.location("locationId", f"{SKU_TX}, {CATALOGUE}"),
)
PRODUCT_ALIAS = aliases.product(f"{MOVEMENTS}, {PRODUCT_INV}")
REFERENCE_ALIASES = (
    Alias("referenceType", "reference_type", SKU_TX),
    Alias("referenceId", "reference_id", SKU_TX),
    Alias(
        "order_id",
        "reference_id",
        f"{PRODUCT_INV}: the reference is order:<order_id>",
        convert=lambda v: str(v) if isinstance(v, int) and not isinstance(v, bool) else v,
        implies={"reference_type": "order"},
        schema=aliases.ID_OR_CODE,
    ),
)


class StockQuery(Paging):
    OTHER_NAMES = LOCATION_ALIASES

    sku: Sku | None = Field(None, description="SKU (prefix match)")
    location: LocationCode | None = None
    bin: BinCode | None = None
    lot: LotCode | None = None
    low_stock: bool = Field(
        False,
        description="only where the location's on-hand is at or below the low-stock "
        "threshold (the alert setting's override, else the reorder point)",
    )
    out_of_stock: bool = Field(False, description="only keys with nothing available (includes empty keys)")


class StockRow(Blindable):
    sku: str
    product_name: str
    location: str
    bin: str
    lot: str | None
    on_hand: int | None = Withheld
    reserved: int | None = Withheld
    held: int | None = Withheld
    available: int | None = Withheld
    reorder_point: int | None
    reorder_qty: int | None
    max_stock_level: int | None = Field(description="the reorder policy's maximum (overstock above it)")
    average_cost: Decimal | None = Field(
        description="weighted average cost per unit at the location, from receipts with a "
        "cost_per_unit; null before the first (the product's unit_cost applies)"
    )
    last_movement_at: UtcDateTime | None
    last_counted_at: UtcDateTime | None


class Totals(Blindable):
    on_hand: int | None = Withheld
    reserved: int | None = Withheld
    held: int | None = Withheld
    available: int | None = Withheld


class BinStock(Totals):
    bin: str
    lot: str | None
    last_counted_at: UtcDateTime | None


class LocationStock(Totals):
    location: str
    location_name: str
    bins: list[BinStock]


class SkuStock(Out):
    sku: str
    product_name: str
    totals: Totals
    by_location: list[LocationStock]


AdjustType = Literal["adjustment", "inbound_purchase", "outbound_sale"]
# The reference documents' movement types: in and out are a purchase and a sale (an out of
# 5 removes 5, whichever sign it is sent with); adjustment_count is an adjustment found by
# counting. A transfer moves stock between two locations: that is POST /api/transfers.
THEIR_TYPES = {"in": "inbound_purchase", "out": "outbound_sale", "adjustment_count": "adjustment"}


class AdjustIn(Body):
    OTHER_NAMES = (
        PRODUCT_ALIAS,
        *LOCATION_ALIASES,
        Alias("movement_type", "type", MOVEMENTS),
        Alias("notes", "note", f"{MOVEMENTS}, {PRODUCT_INV}"),
        Alias("reference_id", "reference", MOVEMENTS),
    )

    sku: Sku
    location: LocationCode
    bin: BinCode | None = Field(
        None,
        description="left out: the one bin holding the SKU at the location (units added where it "
        "is in none go to the receiving bin); refused when it is in several",
    )
    lot: LotCode = ""
    type: AdjustType | Literal["in", "out", "adjustment_count", "transfer"] = Field(
        "adjustment",
        description="ours, or the reference documents' in (inbound_purchase), out (outbound_sale), "
        "adjustment_count (adjustment, reason physical_count unless given); transfer is refused: "
        "use POST /api/transfers",
    )
    quantity: SignedQuantity = Field(
        description="signed: positive adds stock, negative removes it; "
        "inbound_purchase positive, outbound_sale negative (type out: either sign removes)"
    )
    reason: ReasonCode | text(200, min_length=1) = Field(
        ReasonCode.OTHER,
        union_mode="left_to_right",  # "damaged" is the code, not free text that says damaged
        description="a reason code, or free text (as the reference documents send it): "
        "reason other with the text as the note",
    )
    reference: text(64) = ""
    reference_type: ReferenceType = Field(
        "adjustment", description="what the reference names (purchase_order, sales_order ...)"
    )
    note: text(500) = ""
    cost_per_unit: Money | None = Field(
        None,
        description="what one unit cost (a purchase at its invoice price): kept on the movement and "
        "moves the weighted average cost of the SKU at the location; only on units coming in",
    )

    @model_validator(mode="after")
    def _their_type_and_reason(self):
        if self.type == "transfer":
            raise ValueError(
                "A transfer moves stock between two locations: create it with POST /api/transfers."
            )
        if self.type == "out":
            self.quantity = -abs(self.quantity)
        if self.type == "adjustment_count" and self.reason == ReasonCode.OTHER:
            self.reason = ReasonCode.PHYSICAL_COUNT
        if self.type == "in" and self.reason == ReasonCode.OTHER:  # "Stock received"
            self.reason = ReasonCode.RECEIVED
        self.type = THEIR_TYPES.get(self.type, self.type)
        return self


class AdjustOut(Out):
    movement_id: int
    type: str
    sku: str
    location: str
    bin: str
    lot: str | None
    quantity: int
    previous_on_hand: int
    new_on_hand: int
    reserved: int
    available: int
    recorded_at: UtcDateTime
    putaway_task_id: int | None = Field(
        None, description="units added to a receiving bin get a put-away task (GET /api/putaway)"
    )


class KeyStock(Blindable):
    """One affected balance key after the change."""

    sku: str
    location: str
    bin: str
    lot: str | None
    on_hand: int | None = Withheld
    reserved: int | None = Withheld
    held: int | None = Withheld
    available: int | None = Withheld


class CountIn(Body):
    OTHER_NAMES = (PRODUCT_ALIAS, *LOCATION_ALIASES)

    sku: Sku
    location: LocationCode
    bin: BinCode | None = None
    lot: LotCode = ""
    counted_quantity: Count
    reference: text(64) = ""


class CountOut(KeyStock):
    previous_on_hand: int
    variance: int
    movement_id: int | None


class ReserveIn(Body):
    OTHER_NAMES = (PRODUCT_ALIAS, *LOCATION_ALIASES, *REFERENCE_ALIASES)

    sku: Sku
    location: LocationCode
    quantity: Quantity
    reference_type: ReferenceType
    reference_id: ReferenceId
    ttl_seconds: int | None = Field(
        None,
        ge=1,
        le=366 * 24 * 3600,
        description="left out: the configured TTL (60 minutes); null: no expiry (pending fulfillment)",
    )
    bin: BinCode | None = None
    lot: LotCode = ""
    channel: ChannelCode | None = Field(
        None,
        description="the selling channel (code): the reserve takes no more than its ATP at the location "
        "(GET /api/inventory/channel-location)",
    )


class ByReferenceIn(Body):
    OTHER_NAMES = (PRODUCT_ALIAS, *LOCATION_ALIASES, *REFERENCE_ALIASES)

    reference_type: ReferenceType
    reference_id: ReferenceId
    sku: Sku | None = None
    location: LocationCode | None = None
    quantity: Quantity | None = None


class ReturnIn(Body):
    OTHER_NAMES = (PRODUCT_ALIAS, *LOCATION_ALIASES, *REFERENCE_ALIASES)

    sku: Sku
    location: LocationCode | None = None
    quantity: Quantity
    reference_type: ReferenceType
    reference_id: ReferenceId
    reason: text(500, min_length=1)
    lot: LotCode = ""


class ReservationOut(Blindable):
    """A reservation row. In a bin being counted its quantities are withheld from an
    operator: how much it took from the bin gives the bin's available away when the
    reservation emptied it."""

    id: int
    sku: str
    location: str
    bin: str
    lot: str | None
    quantity: int | None = Withheld
    quantity_open: int | None = Withheld
    quantity_fulfilled: int | None = Withheld
    status: str
    expires_at: UtcDateTime | None
    channel: str | None = None


class BackorderOut(Blindable):
    """Units ordered beyond what could be promised, of a SKU that allows backorders,
    waiting at a location: served first come first served when stock arrives there. Its
    quantities are withheld from an operator while a bin of that SKU there is counted (the
    order less them is what was free)."""

    id: int
    sku: str
    location: str
    quantity: int | None = Withheld
    quantity_waiting: int | None = Withheld
    status: Literal["on_backorder", "allocated", "cancelled"]
    position: int | None = Field(
        description="place in the location's queue (1: served next); null when not waiting"
    )
    created_at: UtcDateTime


class StockChangeOut(Out):
    """What a reserve, release, fulfil or return did: the reservation rows it changed and
    the resulting stock of every key it touched; for a reserve of a SKU that allows
    backorders, what waits as a backorder (a release cancels them)."""

    reference_type: str
    reference_id: str
    quantity: int
    reservations: list[ReservationOut]
    stock: list[KeyStock]
    backorders: list[BackorderOut] = []


class AvailabilityItem(Body):
    OTHER_NAMES = (PRODUCT_ALIAS, *LOCATION_ALIASES)

    sku: Sku
    quantity: Quantity
    location: LocationCode | None = None


class AvailabilityIn(Body):
    items: list[AvailabilityItem] = Field(min_length=1, max_length=100)


class AvailabilityResult(Blindable):
    sku: str
    location: str | None
    quantity: int
    available: int | None = Withheld
    ok: bool


class AvailabilityOut(Out):
    ok: bool
    items: list[AvailabilityResult]


# --- movements --------------------------------------------------------------------------


# The reference documents' movement types, as filters: transfer is both of a transfer's.
THEIR_MOVEMENT_FILTERS = {
    "in": ("inbound_purchase",),
    "out": ("outbound_sale",),
    "transfer": ("transfer_out", "transfer_in"),
}


class MovementQuery(Paging):
    OTHER_NAMES = (
        aliases.product(f"{MOVEMENTS}, {PRODUCT_INV}"),
        *LOCATION_ALIASES,
        Alias("movement_type", "type", MOVEMENTS),
    )

    sku: Sku | None = None
    location: LocationCode | None = None
    type: (
        Literal[
            "inbound_purchase",
            "outbound_sale",
            "transfer_out",
            "transfer_in",
            "adjustment",
            "adjustment_count",
            "reserve",
            "release",
            "fulfill",
            "return",
            "putaway",
            "hold",
            "hold_release",
            "expire",
            "in",
            "out",
            "transfer",
        ]
        | None
    ) = Field(None, description="ours, or the reference documents' in, out, transfer (out and in)")
    reference: text(100) | None = Field(
        None, description="'type:id' (e.g. transfer:TR-000001) or just the id"
    )
    start_date: IsoDate | None = Field(None, description="on or after this day (UTC)")
    end_date: IsoDate | None = Field(None, description="on or before this day (UTC)")

    @property
    def types(self) -> tuple[str, ...]:
        """The types a reference document's filter stands for (the type filter is then
        left to these)."""
        return THEIR_MOVEMENT_FILTERS.get(self.type or "", ())


class MovementOut(Blindable):
    id: int
    posting_id: int
    type: str
    sku: str
    product_name: str
    location: str
    bin: str
    lot: str | None
    quantity: int | None = Withheld
    reserved_delta: int | None = Withheld
    held_delta: int | None = Withheld
    balance_before: int | None = Withheld
    balance_after: int | None = Withheld
    reason: str | None
    note: str | None = Field(
        None,
        description="the posting's note (free text); null when being_counted (a count's note names figures)",
    )
    cost_per_unit: Decimal | None = Field(description="what one unit cost, when the posting said")
    reference_type: str | None
    reference_id: str | None
    user: str | None
    created_at: UtcDateTime
