"""Request and response shapes of the JSON API for stock (snake_case, as in the seeds):
stock reads, adjustments and counts of one key, reservations, returns, availability
checks and the movement history.

These models validate every request and are the source of /api/openapi.json.
"""

from typing import Literal

from pydantic import Field

from warehouse.ledger.models import ReasonCode

from .types import (
    BinCode,
    Body,
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
    text,
)

# --- stock ------------------------------------------------------------------------------


class StockQuery(Paging):
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


class StockRow(Out):
    sku: str
    product_name: str
    location: str
    bin: str
    lot: str | None
    on_hand: int
    reserved: int
    held: int
    available: int
    reorder_point: int | None
    reorder_qty: int | None
    last_movement_at: UtcDateTime | None
    last_counted_at: UtcDateTime | None


class Totals(Out):
    on_hand: int
    reserved: int
    held: int
    available: int


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


class AdjustIn(Body):
    sku: Sku
    location: LocationCode
    bin: BinCode
    lot: LotCode = ""
    type: AdjustType = "adjustment"
    quantity: SignedQuantity = Field(
        description="signed: positive adds stock, negative removes it; "
        "inbound_purchase positive, outbound_sale negative"
    )
    reason: ReasonCode = ReasonCode.OTHER
    reference: text(64) = ""
    note: text(500) = ""


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


class KeyStock(Out):
    """One affected balance key after the change."""

    sku: str
    location: str
    bin: str
    lot: str | None
    on_hand: int
    reserved: int
    held: int
    available: int


class CountIn(Body):
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


class ByReferenceIn(Body):
    reference_type: ReferenceType
    reference_id: ReferenceId
    sku: Sku | None = None
    location: LocationCode | None = None
    quantity: Quantity | None = None


class ReturnIn(Body):
    sku: Sku
    location: LocationCode | None = None
    quantity: Quantity
    reference_type: ReferenceType
    reference_id: ReferenceId
    reason: text(500, min_length=1)
    lot: LotCode = ""


class ReservationOut(Out):
    id: int
    sku: str
    location: str
    bin: str
    lot: str | None
    quantity: int
    quantity_open: int
    quantity_fulfilled: int
    status: str
    expires_at: UtcDateTime | None


class StockChangeOut(Out):
    """What a reserve, release, fulfil or return did: the reservation rows it changed and
    the resulting stock of every key it touched."""

    reference_type: str
    reference_id: str
    quantity: int
    reservations: list[ReservationOut]
    stock: list[KeyStock]


class AvailabilityItem(Body):
    sku: Sku
    quantity: Quantity
    location: LocationCode | None = None


class AvailabilityIn(Body):
    items: list[AvailabilityItem] = Field(min_length=1, max_length=100)


class AvailabilityResult(Out):
    sku: str
    location: str | None
    quantity: int
    available: int
    ok: bool


class AvailabilityOut(Out):
    ok: bool
    items: list[AvailabilityResult]


# --- movements --------------------------------------------------------------------------


class MovementQuery(Paging):
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
        ]
        | None
    ) = None
    reference: text(100) | None = Field(
        None, description="'type:id' (e.g. transfer:TR-000001) or just the id"
    )
    start_date: IsoDate | None = Field(None, description="on or after this day (UTC)")
    end_date: IsoDate | None = Field(None, description="on or before this day (UTC)")


class MovementOut(Out):
    id: int
    posting_id: int
    type: str
    sku: str
    location: str
    bin: str
    lot: str | None
    quantity: int
    reserved_delta: int
    held_delta: int
    balance_before: int
    balance_after: int
    reason: str | None
    reference_type: str | None
    reference_id: str | None
    user: str | None
    created_at: UtcDateTime
