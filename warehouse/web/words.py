"""The words a page shows for the app's named values (statuses, reasons, roles, kinds):
`{{ transfer.status|word }}` says "In transit" in the reader's language. The context
(`_p("transfer status", ...)`) tells a translator which thing the word describes: Polish
says an open receipt and an open alert differently. The API and CSV exports keep the
values themselves (in_transit)."""

from __future__ import annotations

import enum

from flask_babel import lazy_pgettext as _p

from warehouse.accounts.models import Role
from warehouse.alerts.models import AlertKind, AlertStatus
from warehouse.availability.models import BackorderStatus, HoldReason, HoldStatus, ReservationStatus
from warehouse.catalog.models import BinKind, LocationType
from warehouse.counts.models import CountLineStatus, CountRequestStatus, CountStatus
from warehouse.inbound.models import PutawayReason, ReceiptStatus, TaskStatus
from warehouse.integrations.models import DeliveryStatus
from warehouse.ledger.models import MovementType, ReasonCode
from warehouse.setup.models import ImportKind, ImportStatus
from warehouse.setup.products import StockStatus
from warehouse.stock_requests.models import Fulfilment, RequestCategory, RequestStatus
from warehouse.transfers.models import MissingOutcome, ReceiveReason, ShortReason, TransferStatus

WORDS = {
    StockStatus: {
        StockStatus.IN_STOCK: _p("stock status", "In stock"),
        StockStatus.LOW_STOCK: _p("stock status", "Low stock"),
        StockStatus.OUT_OF_STOCK: _p("stock status", "Out of stock"),
        StockStatus.ON_BACKORDER: _p("stock status", "On backorder"),
    },
    Role: {
        Role.OPERATOR: _p("role", "Operator"),
        Role.SUPERVISOR: _p("role", "Supervisor"),
        Role.ADMIN: _p("role", "Admin"),
    },
    AlertKind: {
        AlertKind.LOW_STOCK: _p("alert kind", "Low stock"),
        AlertKind.OUT_OF_STOCK: _p("alert kind", "Out of stock"),
        AlertKind.REORDER_NEEDED: _p("alert kind", "Reorder needed"),
        AlertKind.OVERSTOCK: _p("alert kind", "Overstock"),
    },
    AlertStatus: {
        AlertStatus.OPEN: _p("alert status", "Open"),
        AlertStatus.ACKNOWLEDGED: _p("alert status", "Acknowledged"),
        AlertStatus.RESOLVED: _p("alert status", "Resolved"),
        AlertStatus.CLEARED: _p("alert status", "Cleared"),
    },
    ReservationStatus: {
        ReservationStatus.ACTIVE: _p("reservation status", "Active"),
        ReservationStatus.RELEASED: _p("reservation status", "Released"),
        ReservationStatus.EXPIRED: _p("reservation status", "Expired"),
        ReservationStatus.FULFILLED: _p("reservation status", "Fulfilled"),
    },
    BackorderStatus: {
        BackorderStatus.ON_BACKORDER: _p("backorder status", "On backorder"),
        BackorderStatus.ALLOCATED: _p("backorder status", "Allocated"),
        BackorderStatus.CANCELLED: _p("backorder status", "Cancelled"),
    },
    HoldReason: {
        HoldReason.QUALITY: _p("hold reason", "Quality"),
        HoldReason.QUARANTINE: _p("hold reason", "Quarantine"),
        HoldReason.DAMAGED: _p("hold reason", "Damaged"),
        HoldReason.RECALL: _p("hold reason", "Recall"),
        HoldReason.EXPIRED: _p("hold reason", "Expired"),
        HoldReason.OTHER: _p("hold reason", "Other"),
    },
    HoldStatus: {
        HoldStatus.ACTIVE: _p("hold status", "Active"),
        HoldStatus.RELEASED: _p("hold status", "Released"),
        HoldStatus.WRITTEN_OFF: _p("hold status", "Written off"),
        HoldStatus.MOVED: _p("hold status", "Moved"),
    },
    LocationType: {
        LocationType.WAREHOUSE: _p("location type", "Warehouse"),
        LocationType.SERVICE_CENTER: _p("location type", "Service center"),
        LocationType.CONSIGNMENT: _p("location type", "Consignment"),
        LocationType.TRANSIT: _p("location type", "Transit"),
        LocationType.DEALER: _p("location type", "Dealer"),
        LocationType.RETURNS: _p("location type", "Returns"),
        LocationType.DESTRUCTION: _p("location type", "Destruction"),
    },
    BinKind: {
        BinKind.RECEIVING: _p("bin kind", "Receiving"),
        BinKind.STORAGE: _p("bin kind", "Storage"),
        BinKind.STAGING: _p("bin kind", "Staging"),
        BinKind.SHIPPING: _p("bin kind", "Shipping"),
    },
    CountRequestStatus: {
        CountRequestStatus.OPEN: _p("count request status", "Open"),
        CountRequestStatus.DONE: _p("count request status", "Done"),
    },
    CountStatus: {
        CountStatus.OPEN: _p("count status", "Open"),
        CountStatus.COUNTING: _p("count status", "Counting"),
        CountStatus.SUBMITTED: _p("count status", "Submitted"),
        CountStatus.IN_REVIEW: _p("count status", "In review"),
        CountStatus.RESOLVED: _p("count status", "Resolved"),
        CountStatus.CANCELLED: _p("count status", "Cancelled"),
    },
    CountLineStatus: {
        CountLineStatus.PENDING: _p("count line status", "Pending"),
        CountLineStatus.COUNTED: _p("count line status", "Counted"),
        CountLineStatus.ACCEPTED: _p("count line status", "Accepted"),
        CountLineStatus.RECOUNT: _p("count line status", "Recount"),
        CountLineStatus.REJECTED: _p("count line status", "Rejected"),
    },
    ReceiptStatus: {
        ReceiptStatus.OPEN: _p("receipt status", "Open"),
        ReceiptStatus.POSTED: _p("receipt status", "Posted"),
    },
    TaskStatus: {
        TaskStatus.OPEN: _p("task status", "Open"),
        TaskStatus.DONE: _p("task status", "Done"),
    },
    PutawayReason: {
        PutawayReason.SUGGESTED_FULL: _p("putaway reason", "Suggested full"),
        PutawayReason.SUGGESTED_BLOCKED: _p("putaway reason", "Suggested blocked"),
        PutawayReason.SUGGESTED_DAMAGED: _p("putaway reason", "Suggested damaged"),
        PutawayReason.CLOSER_BIN: _p("putaway reason", "Closer bin"),
        PutawayReason.OTHER: _p("putaway reason", "Other"),
    },
    DeliveryStatus: {
        DeliveryStatus.PENDING: _p("delivery status", "Pending"),
        DeliveryStatus.DELIVERED: _p("delivery status", "Delivered"),
        DeliveryStatus.FAILED: _p("delivery status", "Failed"),
    },
    MovementType: {
        MovementType.INBOUND_PURCHASE: _p("movement type", "Inbound purchase"),
        MovementType.OUTBOUND_SALE: _p("movement type", "Outbound sale"),
        MovementType.TRANSFER_OUT: _p("movement type", "Transfer out"),
        MovementType.TRANSFER_IN: _p("movement type", "Transfer in"),
        MovementType.ADJUSTMENT: _p("movement type", "Adjustment"),
        MovementType.ADJUSTMENT_COUNT: _p("movement type", "Adjustment count"),
        MovementType.RESERVE: _p("movement type", "Reserve"),
        MovementType.RELEASE: _p("movement type", "Release"),
        MovementType.FULFILL: _p("movement type", "Fulfill"),
        MovementType.RETURN: _p("movement type", "Return"),
        MovementType.PUTAWAY: _p("movement type", "Putaway"),
        MovementType.HOLD: _p("movement type", "Hold"),
        MovementType.HOLD_RELEASE: _p("movement type", "Hold release"),
        MovementType.EXPIRE: _p("movement type", "Expire"),
    },
    ReasonCode: {
        ReasonCode.PHYSICAL_COUNT: _p("reason code", "Physical count"),
        ReasonCode.DAMAGED: _p("reason code", "Damaged"),
        ReasonCode.FOUND: _p("reason code", "Found"),
        ReasonCode.WRITE_OFF: _p("reason code", "Write off"),
        ReasonCode.RECEIVED: _p("reason code", "Received"),
        ReasonCode.OTHER: _p("reason code", "Other"),
        ReasonCode.OPENING_BALANCE: _p("reason code", "Opening balance"),
    },
    ImportKind: {
        ImportKind.PRODUCTS: _p("import kind", "Products"),
        ImportKind.BINS: _p("import kind", "Bins"),
        ImportKind.POLICIES: _p("import kind", "Policies"),
        ImportKind.STOCK: _p("import kind", "Stock"),
        ImportKind.LOCATIONS: _p("import kind", "Locations"),
    },
    ImportStatus: {
        ImportStatus.CHECKED: _p("import status", "Checked"),
        ImportStatus.RUNNING: _p("import status", "Running"),
        ImportStatus.DONE: _p("import status", "Done"),
        ImportStatus.REFUSED: _p("import status", "Refused"),
        ImportStatus.CANCELLED: _p("import status", "Cancelled"),
    },
    RequestStatus: {
        RequestStatus.DRAFT: _p("request status", "Draft"),
        RequestStatus.SUBMITTED: _p("request status", "Submitted"),
        RequestStatus.APPROVED: _p("request status", "Approved"),
        RequestStatus.REJECTED: _p("request status", "Rejected"),
        RequestStatus.FULFILLED: _p("request status", "Fulfilled"),
        RequestStatus.CANCELLED: _p("request status", "Cancelled"),
    },
    RequestCategory: {
        RequestCategory.REPLENISHMENT: _p("request category", "Replenishment"),
        RequestCategory.CONSUMABLES: _p("request category", "Consumables"),
        RequestCategory.MAINTENANCE: _p("request category", "Maintenance"),
        RequestCategory.PROJECT: _p("request category", "Project"),
        RequestCategory.OTHER: _p("request category", "Other"),
    },
    Fulfilment: {
        Fulfilment.TRANSFER: _p("fulfilment", "Transfer"),
        Fulfilment.ISSUE: _p("fulfilment", "Issue"),
    },
    TransferStatus: {
        TransferStatus.DRAFT: _p("transfer status", "Draft"),
        TransferStatus.APPROVED: _p("transfer status", "Approved"),
        TransferStatus.IN_TRANSIT: _p("transfer status", "In transit"),
        TransferStatus.RECEIVED: _p("transfer status", "Received"),
        TransferStatus.COMPLETED: _p("transfer status", "Completed"),
        TransferStatus.CANCELLED: _p("transfer status", "Cancelled"),
    },
    ShortReason: {
        ShortReason.NOT_FOUND: _p("short reason", "Not found"),
        ShortReason.DAMAGED: _p("short reason", "Damaged"),
        ShortReason.WRONG_ITEM_IN_BIN: _p("short reason", "Wrong item in bin"),
        ShortReason.OTHER: _p("short reason", "Other"),
    },
    ReceiveReason: {
        ReceiveReason.SHORT_SHIPPED: _p("receive reason", "Short shipped"),
        ReceiveReason.DAMAGED_IN_TRANSIT: _p("receive reason", "Damaged in transit"),
        ReceiveReason.OVER_SHIPPED: _p("receive reason", "Over shipped"),
        ReceiveReason.OTHER: _p("receive reason", "Other"),
    },
    MissingOutcome: {
        MissingOutcome.FOUND: _p("missing outcome", "Found"),
        MissingOutcome.LOST: _p("missing outcome", "Lost"),
    },
}


def word(value) -> str:
    """A named value as the page says it; anything else as it is."""
    if isinstance(value, enum.Enum):
        said = WORDS.get(type(value), {}).get(value)  # by type: str enums equal their value
        return str(said) if said is not None else str(value.value).replace("_", " ").capitalize()
    return "" if value is None else str(value)
