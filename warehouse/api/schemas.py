"""Request and response shapes of the JSON API (snake_case, as in the seeds).

These models validate every request and are the source of /api/openapi.json.
"""

from datetime import date
from typing import Literal

from pydantic import Field

from warehouse.alerts.models import AlertKind, AlertStatus
from warehouse.catalog.models import BinKind, LocationType
from warehouse.counts.models import CountStatus
from warehouse.ledger.models import ReasonCode
from warehouse.transfers.models import TransferStatus

from .types import (
    BinCode,
    Body,
    Count,
    Id,
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
    start_date: date | None = Field(None, description="on or after this day (UTC)")
    end_date: date | None = Field(None, description="on or before this day (UTC)")


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


# --- locations --------------------------------------------------------------------------


class BinIn(Body):
    code: BinCode
    kind: BinKind = BinKind.STORAGE
    capacity: int | None = Field(None, ge=1, le=1_000_000_000)


class LocationIn(Body):
    code: LocationCode
    name: text(200, min_length=1)
    type: LocationType = LocationType.WAREHOUSE
    bins: list[BinIn] = Field(
        default_factory=list,
        max_length=500,
        description="default: a receiving bin RCV-01 and a storage bin DEFAULT (transit: one bin TRANSIT)",
    )


class LocationOut(Out):
    code: str
    name: str
    type: str
    active: bool
    bin_count: int


class BinOut(Out):
    code: str
    barcode: str
    kind: str
    capacity: int | None
    active: bool


class LocationQuery(Paging):
    type: LocationType | None = None


# --- transfers --------------------------------------------------------------------------


class TransferLineIn(Body):
    sku: Sku
    quantity: Quantity
    lot: LotCode = ""


class TransferIn(Body):
    from_location: LocationCode
    to_location: LocationCode
    note: text(500) = ""
    lines: list[TransferLineIn] = Field(min_length=1, max_length=200)


class ReceivedLineIn(Body):
    line_id: Id
    quantity_received: Count
    quantity_damaged: Count = 0
    reason: Literal["short_shipped", "damaged_in_transit", "over_shipped", "other"] | None = None


class TransferPatch(Body):
    status: Literal["approved", "in_transit", "received", "completed", "cancelled"] = Field(
        description="approved (reserve at the source), in_transit (pick what approval reserved "
        "and ship), received (with line quantities; default: as shipped), completed, "
        "cancelled (before shipping)"
    )
    lines: list[ReceivedLineIn] | None = Field(None, max_length=200, description="only with status received")


class TransferLineOut(Out):
    id: int
    sku: str
    lot: str | None
    quantity_requested: int
    quantity_picked: int
    quantity_received: int
    quantity_damaged: int
    short_picked: bool
    receive_reason: str | None


class TransferOut(Out):
    id: int
    number: str
    status: TransferStatus
    from_location: str
    to_location: str
    note: str | None
    created_at: UtcDateTime
    approved_at: UtcDateTime | None
    shipped_at: UtcDateTime | None
    received_at: UtcDateTime | None
    completed_at: UtcDateTime | None
    cancelled_at: UtcDateTime | None
    lines: list[TransferLineOut]


class TransferQuery(Paging):
    status: TransferStatus | None = None


# --- cycle counts -----------------------------------------------------------------------


class CycleCountIn(Body):
    location: LocationCode
    bins_like: text(32) = Field("", description="bin codes like A-01-*")
    skus: list[Sku] = Field(default_factory=list, max_length=200)
    abc_class: Literal["", "A", "B", "C"] = ""
    not_counted_days: int | None = Field(None, ge=1, le=3650)


class CycleCountLineOut(Out):
    id: int
    bin: str
    sku: str
    lot: str | None
    status: str
    unexpected: bool
    counted_quantity: int | None
    ledger_quantity_at_count: int | None
    variance: int | None
    counted_by: str | None
    counted_at: UtcDateTime | None
    recount_of_id: int | None


class CycleCountOut(Out):
    id: int
    number: str
    location: str
    status: CountStatus
    selection: str
    created_at: UtcDateTime
    submitted_at: UtcDateTime | None
    resolved_at: UtcDateTime | None
    line_count: int


class CycleCountDetail(CycleCountOut):
    lines: list[CycleCountLineOut]


class ResolveIn(Body):
    accept: list[Id] = Field(default_factory=list, max_length=500)
    recount: list[Id] = Field(default_factory=list, max_length=500)
    reject: list[Id] = Field(default_factory=list, max_length=500)


class CycleCountQuery(Paging):
    status: CountStatus | None = None


# --- alerts -----------------------------------------------------------------------------


class AlertQuery(Paging):
    status: Literal["live", "any", "open", "acknowledged", "resolved", "cleared"] = Field(
        "live", description="live: open or acknowledged"
    )
    kind: AlertKind | None = None
    sku: Sku | None = Field(None, description="SKU (prefix match)")
    location: LocationCode | None = None


class AlertOut(Out):
    id: int
    kind: AlertKind
    status: AlertStatus
    sku: str
    location: str
    threshold: int | None
    on_hand: int
    available: int
    message: str
    raised_at: UtcDateTime
    acknowledged_at: UtcDateTime | None
    closed_at: UtcDateTime | None


class AlertPatch(Body):
    id: Id
    status: Literal["acknowledged", "resolved"]


class AlertSettingIn(Body):
    sku: Sku
    location: LocationCode
    low_stock_threshold: int | None = Field(
        None, ge=0, le=1_000_000_000, description="empty: use the reorder point"
    )
    recipients: text(500) = Field(
        "",
        description="comma-separated e-mail addresses, mailed when an alert "
        "is raised here (flask mail-alerts)",
    )
    muted: bool = False


class AlertSettingOut(Out):
    sku: str
    location: str
    low_stock_threshold: int | None
    recipients: str | None
    muted: bool
