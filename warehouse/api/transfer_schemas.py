"""Request and response shapes of the JSON API for locations and the transfers between
them (snake_case, as in the seeds).

These models validate every request and are the source of /api/openapi.json.
"""

from typing import Literal

from pydantic import Field

from warehouse.catalog.models import BinKind, LocationType
from warehouse.transfers.models import TransferStatus

from . import aliases
from .aliases import INV_MODULE, PRODUCT_INV, Alias
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
    Sku,
    UtcDateTime,
    text,
)

# --- locations --------------------------------------------------------------------------


class BinIn(Body):
    code: BinCode
    kind: BinKind = BinKind.STORAGE
    capacity: int | None = Field(None, ge=1, le=1_000_000_000)


Latitude = Field(None, ge=-90, le=90, allow_inf_nan=False, description="degrees (WGS84); with longitude")
Longitude = Field(None, ge=-180, le=180, allow_inf_nan=False, description="degrees (WGS84); with latitude")


class LocationIn(Body):
    code: LocationCode
    name: text(200, min_length=1)
    type: LocationType = LocationType.WAREHOUSE
    bins: list[BinIn] = Field(
        default_factory=list,
        max_length=500,
        description="default: a receiving bin RCV-01 and a storage bin DEFAULT (transit: one bin TRANSIT)",
    )
    # Where it is, for order routing (both or neither; without them routing never chooses it).
    latitude: float | None = Latitude
    longitude: float | None = Longitude


class LocationOut(Out):
    code: str
    name: str
    type: str
    active: bool
    bin_count: int
    latitude: float | None = None
    longitude: float | None = None


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
    OTHER_NAMES = (aliases.product(PRODUCT_INV),)

    sku: Sku
    quantity: Quantity
    lot: LotCode = ""


class TransferIn(Body):
    OTHER_NAMES = (
        Alias("items", "lines", INV_MODULE),
        Alias("notes", "note", f"{INV_MODULE}, {PRODUCT_INV}"),
        aliases.location("from_warehouse_id", PRODUCT_INV, ours="from_location"),
        aliases.location("to_warehouse_id", PRODUCT_INV, ours="to_location"),
    )

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


class MissingIn(Body):
    line_id: Id
    outcome: Literal["found", "lost"] = Field(
        description="found: they arrived after all (transit -> the destination's receiving bin, "
        "put-away tasks open); lost: written off from transit (reason write_off)"
    )
    quantity: Quantity = Field(description="at most the line's quantity_missing")
    note: text(300) = ""


class TransferLineOut(Out):
    id: int
    sku: str
    lot: str | None
    quantity_requested: int
    quantity_picked: int
    quantity_received: int
    quantity_damaged: int = Field(description="of those received, damaged: on hold at the destination")
    quantity_missing: int = Field(description="shipped, not arrived: still in transit until found or lost")
    quantity_found: int
    quantity_lost: int
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
    units_missing: int = Field(
        description="units missing on arrival, waiting for found or lost (a received transfer with "
        "units missing is not completed)"
    )
    lines: list[TransferLineOut]


class TransferQuery(Paging):
    status: TransferStatus | None = None
