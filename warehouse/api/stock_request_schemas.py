"""Request and response shapes of the stock-request endpoints (snake_case). These models
validate every request and are the source of /api/openapi.json."""

from typing import Literal

from pydantic import Field

from warehouse.stock_requests.models import (
    MAX_COMMENT,
    MAX_DEPARTMENT,
    MAX_LINE_NOTE,
    MAX_NOTE,
    Fulfilment,
    RequestCategory,
    RequestStatus,
)

from .types import Body, LocationCode, Out, Paging, Quantity, Query, Sku, UtcDateTime, code, text

Department = text(MAX_DEPARTMENT)
Username = code(64)

# --- in ---------------------------------------------------------------------------------


class RequestLineIn(Body):
    sku: Sku = Field(description="a SKU or one of its barcodes")
    quantity: Quantity
    note: text(MAX_LINE_NOTE) = ""


class StockRequestIn(Body):
    location: LocationCode | None = Field(None, description="the location the stock is for")
    department: Department | None = Field(None, description="who asks, when not (only) a location")
    category: RequestCategory = Field(RequestCategory.REPLENISHMENT, description="what the stock is for")
    note: text(MAX_NOTE) = ""
    lines: list[RequestLineIn] = Field(default_factory=list, max_length=200, description="one per SKU")


class StockRequestPatch(Body):
    """Fields left out keep their value; `location` or `department` null clears it (one of
    them must stay); `lines`, when given, replace every line."""

    location: LocationCode | None = None
    department: Department | None = None
    category: RequestCategory | None = Field(None, description="null or left out: unchanged")
    note: text(MAX_NOTE) | None = None
    lines: list[RequestLineIn] | None = Field(None, max_length=200)


class ApproveIn(Body):
    fulfil_as: Literal["transfer", "issue"] = Field(
        "transfer",
        description="transfer: from the source location to the request's location (created and "
        "approved, reserved at the source); issue: the units leave the source's stock for the "
        "requester at once (a fulfill posting with the request as reference)",
    )
    source_location: LocationCode | None = Field(
        None, description="where the stock comes from; left out: the suggested location (see GET)"
    )
    note: text(MAX_NOTE) = ""


class RejectIn(Body):
    reason: text(MAX_NOTE, min_length=1) = Field(description="what the requester reads")


class CommentIn(Body):
    text: text(MAX_COMMENT, min_length=1)


class StatusIn(Body):
    status: Literal["submitted", "draft", "cancelled"] = Field(
        description="the requester's moves: submitted (submit), draft (roll back before a decision), "
        "cancelled (withdraw). Approving and rejecting go through /approve and /reject."
    )


class RequestFilterQuery(Query):
    status: RequestStatus | None = None
    category: RequestCategory | None = None
    location: LocationCode | None = None
    department: Department | None = None
    requested_by: Username | None = Field(None, description="a username")
    mine: bool = Field(False, description="only the caller's own requests")


class StockRequestQuery(Paging, RequestFilterQuery):
    number: text(16) | None = Field(None, description="SR-000012 (or 12)")


class ProductSearchQuery(Paging):
    q: text(64, min_length=1) = Field(description="the start of a SKU, a name or a barcode")
    location: LocationCode | None = Field(None, description="also say what is available there")


class StocklistQuery(Paging):
    location: LocationCode | None = Field(None, description="default: the caller's own location")


# --- out --------------------------------------------------------------------------------


class RequestLineOut(Out):
    id: int
    sku: str
    product_name: str
    quantity: int
    note: str | None


class TransferRef(Out):
    id: int
    number: str
    status: str


class SuggestionOut(Out):
    source_location: str
    units_available: int = Field(description="of the units requested, how many it has available")
    units_requested: int
    why: str


class StockRequestOut(Out):
    id: int
    number: str
    status: RequestStatus
    category: RequestCategory
    location: str | None
    department: str | None
    requester: str = Field(description="who asks, in words: a department at a location")
    requested_by: str
    note: str | None
    created_at: UtcDateTime
    submitted_at: UtcDateTime | None
    decided_at: UtcDateTime | None
    decided_by: str | None
    fulfilled_at: UtcDateTime | None
    reject_reason: str | None
    fulfilment: Fulfilment | None
    source_location: str | None
    transfer: TransferRef | None
    issue_reference: str | None = Field(description="stock_request:SR-… on the issue's movements")
    lines: list[RequestLineOut]
    suggestion: SuggestionOut | None = Field(
        None, description="for an approver, while submitted: where to send it from (null: nowhere has it)"
    )


class EventOut(Out):
    from_status: RequestStatus | None
    to_status: RequestStatus
    by: str | None
    at: UtcDateTime
    note: str | None


class StatusOut(Out):
    number: str
    status: RequestStatus
    next: list[str] = Field(description="the statuses POST .../status can move it to now")
    history: list[EventOut]


class CommentOut(Out):
    id: int
    by: str
    text: str
    created_at: UtcDateTime


class CommentsOut(Out):
    data: list[CommentOut]


class DashboardOut(Out):
    total: int
    by_status: dict[str, int]
    by_category: dict[str, int]
    pending_approvals: int = Field(description="submitted, waiting for a decision")
    waiting_since: UtcDateTime | None = Field(description="when the oldest of them was submitted")


class CategoryRow(Out):
    category: RequestCategory
    total: int
    by_status: dict[str, int]


class ByCategoryOut(Out):
    data: list[CategoryRow]


class LocationChoice(Out):
    code: str
    name: str


class FiltersOut(Out):
    statuses: list[str]
    categories: list[str]
    locations: list[LocationChoice]
    departments: list[str]
    requesters: list[str]


class ProductHit(Out):
    sku: str
    name: str
    barcodes: list[str]
    location: str | None
    available: int | None = Field(
        description="units available at `location` (null without one, or while a bin there that "
        "holds it is being counted and the caller is an operator)"
    )
    being_counted: bool = False


class StocklistRow(Out):
    sku: str
    name: str
    location: str
    on_hand: int | None
    available: int | None = Field(description="free to promise outside receiving bins, unexpired")
    being_counted: bool = False


# --- examples shown in /api/openapi.json (valid for their models: tests/api/test_stock_requests.py)

REQUEST_IN = {
    "location": "store-12",
    "department": "Maintenance",
    "category": "maintenance",
    "note": "pump overhaul on Friday",
    "lines": [{"sku": "LAPTOP-001", "quantity": 2, "note": "with chargers"}],
}

REQUEST_OUT = {
    "id": 7,
    "number": "SR-000007",
    "status": "approved",
    "category": "maintenance",
    "location": "store-12",
    "department": "Maintenance",
    "requester": "Maintenance at store-12",
    "requested_by": "olga",
    "note": "pump overhaul on Friday",
    "created_at": "2026-12-09T08:00:00Z",
    "submitted_at": "2026-12-09T08:05:00Z",
    "decided_at": "2026-12-09T09:10:00Z",
    "decided_by": "sam",
    "fulfilled_at": None,
    "reject_reason": None,
    "fulfilment": "transfer",
    "source_location": "wh-east",
    "transfer": {"id": 31, "number": "TR-000031", "status": "approved"},
    "issue_reference": None,
    "lines": [{"id": 12, "sku": "LAPTOP-001", "product_name": "Premium Laptop", "quantity": 2, "note": None}],
    "suggestion": None,
}
