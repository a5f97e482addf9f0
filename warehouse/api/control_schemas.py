"""Request and response shapes of the JSON API for stock control: cycle counts and stock
alerts with their per-SKU settings (snake_case, as in the seeds).

These models validate every request and are the source of /api/openapi.json.
"""

from typing import Literal

from pydantic import Field

from warehouse.alerts.models import AlertKind, AlertStatus
from warehouse.counts.models import CountStatus

from .aliases import INV_MODULE, Alias
from .types import (
    Blindable,
    Body,
    Id,
    LocationCode,
    Out,
    PageMeta,
    Paging,
    Sku,
    UtcDateTime,
    Withheld,
    text,
)

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


class CycleCountPatch(Body):
    status: Literal["cancelled"] = Field(
        description="cancelled: a batch not yet in review (open, counting, submitted) is set aside"
    )


# --- ABC classes and the blind count form ----------------------------------------------

AbcClass = Literal["A", "B", "C"]


class AbcQuery(Paging):
    location: LocationCode | None = Field(
        None, description="classes from this location's outbound; left out: all"
    )
    abc_class: AbcClass | None = None
    due: bool | None = Field(
        None, description="true: only SKUs due for a count today; false: only those not due"
    )


class AbcRowOut(Out):
    product_id: int
    sku: str
    product_name: str
    abc_class: AbcClass
    outbound_value: str = Field(
        description="units out in the last 12 months x unit cost, as a decimal string"
    )
    last_counted_at: UtcDateTime | None
    due: bool


class AbcClassOut(Out):
    abc_class: AbcClass
    share: str | None = Field(description="share of the outbound value the class covers (C: the rest)")
    count_every_days: int
    products: int
    due: int


class AbcOut(Out):
    location: str | None
    classes: list[AbcClassOut]
    data: list[AbcRowOut]
    meta: PageMeta


class AbcDueIn(Body):
    location: LocationCode
    abc_class: AbcClass | None = Field(None, description="left out: a batch for every class with SKUs due")


class AbcDueOut(Out):
    batches: list[CycleCountDetail]


class BlindItemOut(Out):
    sku: str
    name: str
    lot: str | None
    recount: bool = Field(description="a recount of this item waits")


class BlindBinOut(Out):
    bin: str
    barcode: str
    items: list[BlindItemOut]


class BlindFormOut(Out):
    """What a counter walks with: bins and what to look for in each, never how many."""

    id: int
    number: str
    location: str
    location_name: str
    status: CountStatus
    selection: str
    created_at: UtcDateTime
    bins: list[BlindBinOut]


# --- alerts -----------------------------------------------------------------------------


class AlertQuery(Paging):
    status: Literal["live", "any", "open", "acknowledged", "resolved", "cleared"] = Field(
        "live", description="live: open or acknowledged"
    )
    kind: AlertKind | None = None
    sku: Sku | None = Field(None, description="SKU (prefix match)")
    location: LocationCode | None = None


class AlertOut(Blindable):
    id: int
    kind: AlertKind
    status: AlertStatus
    sku: str
    location: str
    threshold: int | None
    on_hand: int | None = Field(None, description="when raised; null when being_counted")
    available: int | None = Withheld
    message: str = Field(description="without the figures when being_counted")
    raised_at: UtcDateTime
    acknowledged_at: UtcDateTime | None
    closed_at: UtcDateTime | None


class AlertPatch(Body):
    id: Id
    status: Literal["acknowledged", "resolved"]


class AlertSettingIn(Body):
    OTHER_NAMES = (Alias("threshold", "low_stock_threshold", INV_MODULE),)

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
