"""Request and response shapes of the JSON API for stock control: cycle counts and stock
alerts with their per-SKU settings (snake_case, as in the seeds).

These models validate every request and are the source of /api/openapi.json.
"""

from typing import Literal

from pydantic import Field

from warehouse.alerts.models import AlertKind, AlertStatus
from warehouse.counts.models import CountStatus

from .types import (
    Body,
    Id,
    LocationCode,
    Out,
    Paging,
    Sku,
    UtcDateTime,
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
