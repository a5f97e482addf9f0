"""Request and response shapes of the adjustment endpoints: reason codes, the adjustment
history, bulk adjustments by actual quantity (the field names of the inventory-movements
contract: product_id / warehouse_id, actual_quantity, quantity_before, quantity_after,
adjustment) and lot corrections.

These models validate every request and are the source of /api/openapi.json.
"""

from typing import Literal

from pydantic import Field, model_validator

from warehouse.ledger.bulk_adjustments import MAX_LINES
from warehouse.ledger.models import ReasonCode

from .product_schemas import Day
from .types import (
    BinCode,
    Body,
    Count,
    Id,
    IsoDate,
    LocationCode,
    LotCode,
    Out,
    Paging,
    Quantity,
    Sku,
    UtcDateTime,
    code,
    text,
)

MAX_BODY = 512 * 1024  # 500 lines with a long free-text reason each fit with room to spare
Reason = text(500, min_length=1)

# --- reason codes -----------------------------------------------------------------------


class ReasonCodeOut(Out):
    code: str
    label: str
    description: str
    selectable: bool = Field(description="whether a person may choose it (false: set by the system)")


class ReasonCodesOut(Out):
    data: list[ReasonCodeOut]


# --- the adjustment history -------------------------------------------------------------


class AdjustmentQuery(Paging):
    sku: Sku | None = None
    location: LocationCode | None = None
    type: Literal["adjustment", "adjustment_count"] | None = Field(
        None, description="adjustment (by hand, lot corrections) or adjustment_count (counts)"
    )
    reason: ReasonCode | None = None
    reference: text(100) | None = Field(
        None, description="'type:id' (e.g. lot_correction:L-2301) or just the id"
    )
    start_date: IsoDate | None = Field(None, description="on or after this day (UTC)")
    end_date: IsoDate | None = Field(None, description="on or before this day (UTC)")


class AdjustmentOut(Out):
    id: int
    posting_id: int
    type: str
    sku: str
    product_name: str
    location: str
    bin: str
    lot: str | None
    quantity: int
    balance_before: int
    balance_after: int
    reason: str | None
    note: str | None = Field(
        description="the posting's note: free text given as the reason, or what a correction did"
    )
    reference_type: str | None
    reference_id: str | None
    user: str | None
    created_at: UtcDateTime


# --- bulk by actual quantity ------------------------------------------------------------


class ActualLine(Body):
    sku: Sku | None = Field(None, description="SKU or barcode (or product_id)")
    product_id: Id | None = None
    location: LocationCode | None = Field(None, description="location code (or warehouse_id)")
    warehouse_id: Id | None = Field(None, description="the location's id")
    bin: BinCode | None = Field(
        None, description="bin code or label; left out: the one bin of the location holding the product"
    )
    lot: LotCode = ""
    expiry: Day | None = Field(None, description="YYYY-MM-DD, for a new lot of an expiry-tracked product")
    actual_quantity: Count = Field(description="units really there")
    reason: Reason = Field(
        description="a reason code (GET /api/adjustments/reason-codes) or free text (reason other, the text as note)"
    )

    @model_validator(mode="after")
    def _one_of_each(self):
        if (self.sku is None) == (self.product_id is None):
            raise ValueError("Name the product by sku or by product_id (one of them).")
        if (self.location is None) == (self.warehouse_id is None):
            raise ValueError("Name the place by location or by warehouse_id (one of them).")
        return self


class AdjustmentsIn(Body):
    adjustments: list[ActualLine] = Field(
        min_length=1, max_length=MAX_LINES, description=f"1 to {MAX_LINES} lines, all posted or none"
    )
    reference: text(64) = Field("", description="e.g. a stocktake's number, on every posting")


class AdjustedLine(Out):
    index: int
    id: int | None = Field(description="the movement's id; null when nothing changed")
    posting_id: int | None
    sku: str
    product_id: int
    product_name: str
    location: str
    warehouse_id: int
    bin: str
    lot: str | None
    quantity_before: int
    quantity_after: int
    adjustment: int
    type: str | None = Field(description="adjustment or adjustment_count; null when nothing changed")
    reason: str
    note: str | None
    created_at: UtcDateTime | None


class AdjustmentsOut(Out):
    adjustments_processed: int = Field(description="lines that changed stock")
    unchanged: int = Field(description="lines whose actual quantity agreed with the ledger")
    total_adjustments: int = Field(description="lines sent")
    adjustments: list[AdjustedLine]


# --- lot correction ---------------------------------------------------------------------


class LotCorrectionIn(Body):
    sku: Sku
    location: LocationCode
    bin: BinCode
    wrong_lot: code(64) = Field(description="the lot the units are booked on")
    right_lot: code(64) = Field(description="the lot they really are (made when new)")
    expiry: Day | None = Field(None, description="YYYY-MM-DD: the right lot's expiry, when it is new")
    quantity: Quantity
    note: text(300) = ""
    reference: text(64) = Field("", description="reference id; default the wrong lot")


class LotQuantity(Out):
    lot: str
    expiry: str | None
    on_hand: int = Field(description="in the bin after the correction")


class LotCorrectionOut(Out):
    posting_id: int
    sku: str
    product_name: str
    location: str
    bin: str
    quantity: int
    wrong_lot: LotQuantity
    right_lot: LotQuantity
    right_lot_created: bool
    reason: str
    note: str
    reference_type: str
    reference_id: str
    created_at: UtcDateTime | None
