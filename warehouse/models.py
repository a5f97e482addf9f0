"""Tables. Rules live in the domain modules (ledger, accounts, ...), not here.

Balance keys are (product, location, bin, lot) and hold no NULLs: every location has at
least one bin, and "no lot" is the lot row with id 0 (NO_LOT), made by the first migration.
"""
from __future__ import annotations

import enum
from datetime import date, datetime, timezone
from decimal import Decimal

from flask_login import UserMixin
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Enum,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import db

NO_LOT = 0  # id of the "no lot" row in lots


def utcnow() -> datetime:
    """Naive UTC: both engines store it unchanged, whatever the server's time zone."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _enum(cls, name):
    """Store enums as their values in a VARCHAR with a CHECK (same on both engines)."""
    return Enum(cls, name=name, native_enum=False, create_constraint=True, length=32,
                values_callable=lambda e: [m.value for m in e], validate_strings=True)


class LocationType(str, enum.Enum):
    WAREHOUSE = "warehouse"
    SERVICE_CENTER = "service_center"
    CONSIGNMENT = "consignment"
    TRANSIT = "transit"
    DEALER = "dealer"
    RETURNS = "returns"


class BinKind(str, enum.Enum):
    RECEIVING = "receiving"
    STORAGE = "storage"
    STAGING = "staging"
    SHIPPING = "shipping"


class Role(str, enum.Enum):
    OPERATOR = "operator"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class MovementType(str, enum.Enum):
    INBOUND_PURCHASE = "inbound_purchase"
    OUTBOUND_SALE = "outbound_sale"
    TRANSFER_OUT = "transfer_out"
    TRANSFER_IN = "transfer_in"
    ADJUSTMENT = "adjustment"
    ADJUSTMENT_COUNT = "adjustment_count"
    RESERVE = "reserve"
    RELEASE = "release"
    FULFILL = "fulfill"
    RETURN = "return"
    PUTAWAY = "putaway"
    HOLD = "hold"
    HOLD_RELEASE = "hold_release"
    EXPIRE = "expire"


class ReasonCode(str, enum.Enum):
    """Why stock was adjusted. Free text goes in the posting's note, never here."""
    PHYSICAL_COUNT = "physical_count"
    DAMAGED = "damaged"
    FOUND = "found"
    WRITE_OFF = "write_off"
    RECEIVED = "received"
    OTHER = "other"


# --- catalog -----------------------------------------------------------------------------

class Product(db.Model):
    __tablename__ = "products"
    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    unit_cost: Mapped[Decimal] = mapped_column(Numeric(12, 4), default=Decimal("0"))
    lot_tracked: Mapped[bool] = mapped_column(default=False)
    expiry_tracked: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    barcodes: Mapped[list[ProductBarcode]] = relationship(
        back_populates="product", cascade="all, delete-orphan", order_by="ProductBarcode.id")


class ProductBarcode(db.Model):
    """A product can carry several barcodes: GTIN-13/14, UPC, a supplier's own code."""
    __tablename__ = "product_barcodes"
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    product: Mapped[Product] = relationship(back_populates="barcodes")


class Location(db.Model):
    __tablename__ = "locations"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)  # used in URLs and the API
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[LocationType] = mapped_column(_enum(LocationType, "location_type"))
    active: Mapped[bool] = mapped_column(default=True)
    bins: Mapped[list[Bin]] = relationship(back_populates="location", order_by="Bin.code")


class Bin(db.Model):
    __tablename__ = "bins"
    __table_args__ = (
        UniqueConstraint("location_id", "code"),
        # Target of the balances' (bin_id, location_id) foreign key: a balance's bin is
        # always inside the balance's location.
        UniqueConstraint("id", "location_id", name="uq_bins_id_location"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    code: Mapped[str] = mapped_column(String(32))
    barcode: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[BinKind] = mapped_column(_enum(BinKind, "bin_kind"), default=BinKind.STORAGE)
    capacity: Mapped[int | None]  # units the bin holds in all; NULL = not limited
    active: Mapped[bool] = mapped_column(default=True)
    location: Mapped[Location] = relationship(back_populates="bins")


class Lot(db.Model):
    __tablename__ = "lots"
    __table_args__ = (UniqueConstraint("product_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    # NULL only on the NO_LOT row, which belongs to no product.
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    code: Mapped[str] = mapped_column(String(64))
    expiry_date: Mapped[date | None]


class ReorderPolicy(db.Model):
    __tablename__ = "reorder_policies"
    __table_args__ = (
        UniqueConstraint("product_id", "location_id"),
        CheckConstraint("reorder_point >= 0 AND reorder_qty >= 0 AND safety_stock >= 0 "
                        "AND lead_time_days >= 0", name="non_negative"),
        CheckConstraint("max_level IS NULL OR max_level >= reorder_point", name="max_level"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    reorder_point: Mapped[int] = mapped_column(default=0)
    reorder_qty: Mapped[int] = mapped_column(default=0)
    max_level: Mapped[int | None]
    lead_time_days: Mapped[int] = mapped_column(default=0)
    safety_stock: Mapped[int] = mapped_column(default=0)


# --- accounts ----------------------------------------------------------------------------

class User(UserMixin, db.Model):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(_enum(Role, "user_role"))
    badge_code: Mapped[str | None] = mapped_column(String(64), unique=True)
    pin_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The location an operator works at: chosen once on the floor home, remembered.
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"))
    location: Mapped[Location | None] = relationship()

    @property
    def is_active(self) -> bool:  # flask-login refuses inactive users
        return self.active


class ApiToken(db.Model):
    """Only a SHA-256 of the token is stored; the token itself is shown once."""
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))  # shown in lists so people can tell tokens apart
    name: Mapped[str | None] = mapped_column(String(100))  # what it is for ("storefront")
    # Space-separated permissions the token is narrowed to; NULL: all of its user's role.
    scopes: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    user: Mapped[User] = relationship()


class SignInAttempt(db.Model):
    """Failed sign-ins, kept in the database so throttling holds across gunicorn workers."""
    __tablename__ = "sign_in_attempts"
    __table_args__ = (Index("ix_sign_in_attempts_who_at", "who", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    who: Mapped[str] = mapped_column(String(80))  # "user:NAME" or "badge:CODE"
    at: Mapped[datetime] = mapped_column(default=utcnow)


# --- the ledger --------------------------------------------------------------------------

class Posting(db.Model):
    """One business event; its movements commit together or not at all."""
    __tablename__ = "postings"
    __table_args__ = (Index("ix_postings_reference", "reference_type", "reference_id"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    type: Mapped[MovementType] = mapped_column(_enum(MovementType, "posting_type"))
    idempotency_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    fingerprint: Mapped[str] = mapped_column(String(64))  # what the key was first used for
    reference_type: Mapped[str | None] = mapped_column(String(32))
    reference_id: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[ReasonCode | None] = mapped_column(_enum(ReasonCode, "reason_code"))
    note: Mapped[str | None] = mapped_column(String(500))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    movements: Mapped[list[Movement]] = relationship(order_by="Movement.id", viewonly=True)
    user: Mapped[User | None] = relationship()


class Movement(db.Model):
    """Append-only (database triggers refuse UPDATE and DELETE). Order is the id."""
    __tablename__ = "stock_movements"
    __table_args__ = (
        ForeignKeyConstraint(["bin_id", "location_id"], ["bins.id", "bins.location_id"],
                             name="fk_stock_movements_bin_location"),
        # Point-in-time reads: last movement per key at or before an instant.
        Index("ix_stock_movements_key", "product_id", "location_id", "bin_id", "lot_id", "id"),
        Index("ix_stock_movements_location", "location_id", "id"),
        Index("ix_stock_movements_type", "type", "id"),
        Index("ix_stock_movements_created_at", "created_at"),
        Index("ix_stock_movements_reference", "reference_type", "reference_id"),
        CheckConstraint("qty <> 0 OR reserved_delta <> 0 OR held_delta <> 0", name="changes"),
    )
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    posting_id: Mapped[int] = mapped_column(ForeignKey("postings.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    bin_id: Mapped[int]
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"))
    qty: Mapped[int] = mapped_column(default=0)  # on-hand delta
    reserved_delta: Mapped[int] = mapped_column(default=0)
    held_delta: Mapped[int] = mapped_column(default=0)
    balance_after: Mapped[int]  # on_hand of the key after this movement
    reserved_after: Mapped[int]
    held_after: Mapped[int]
    type: Mapped[MovementType] = mapped_column(_enum(MovementType, "movement_type"))
    reason: Mapped[ReasonCode | None] = mapped_column(_enum(ReasonCode, "movement_reason"))
    reference_type: Mapped[str | None] = mapped_column(String(32))
    reference_id: Mapped[str | None] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    product: Mapped[Product] = relationship(viewonly=True)
    location: Mapped[Location] = relationship(viewonly=True)
    bin: Mapped[Bin] = relationship(viewonly=True)
    lot: Mapped[Lot] = relationship(viewonly=True)
    user: Mapped[User | None] = relationship(viewonly=True)

    @property
    def balance_before(self) -> int:
        return self.balance_after - self.qty

    @property
    def available_after(self) -> int:
        return self.balance_after - self.reserved_after - self.held_after


class Balance(db.Model):
    """Current stock per key, updated in the same transaction as its movements."""
    __tablename__ = "stock_balances"
    __table_args__ = (
        # The key. Columns ordered so that (product, bin, lot) lookups use the index: a bin
        # sits in exactly one location.
        UniqueConstraint("product_id", "bin_id", "lot_id", "location_id", name="uq_stock_balances_key"),
        ForeignKeyConstraint(["bin_id", "location_id"], ["bins.id", "bins.location_id"],
                             name="fk_stock_balances_bin_location"),
        CheckConstraint("on_hand >= 0", name="on_hand_non_negative"),
        CheckConstraint("reserved >= 0", name="reserved_non_negative"),
        CheckConstraint("held >= 0", name="held_non_negative"),
        CheckConstraint("reserved + held <= on_hand", name="committed_within_on_hand"),
        Index("ix_stock_balances_location_bin", "location_id", "bin_id"),
        Index("ix_stock_balances_bin", "bin_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    bin_id: Mapped[int]
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"))
    on_hand: Mapped[int] = mapped_column(default=0)
    reserved: Mapped[int] = mapped_column(default=0)
    held: Mapped[int] = mapped_column(default=0)
    last_counted_at: Mapped[datetime | None]  # set by the ledger when a count is resolved

    product: Mapped[Product] = relationship(viewonly=True)
    location: Mapped[Location] = relationship(viewonly=True)
    bin: Mapped[Bin] = relationship(viewonly=True)
    lot: Mapped[Lot] = relationship(viewonly=True)

    @hybrid_property
    def available(self) -> int:
        """on_hand - reserved - held: in Python on a row, and in SQL as `Balance.available`,
        so every query and page derives it the same way."""
        return self.on_hand - self.reserved - self.held


# --- receiving and put-away -------------------------------------------------------------

class ReceiptStatus(str, enum.Enum):
    OPEN = "open"
    POSTED = "posted"


class Receipt(db.Model):
    """Goods arriving against a reference (a PO number). Lines are a draft until the
    receipt is finished, which posts them to the ledger in one posting."""
    __tablename__ = "receipts"
    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(64), index=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    status: Mapped[ReceiptStatus] = mapped_column(_enum(ReceiptStatus, "receipt_status"),
                                                  default=ReceiptStatus.OPEN)
    idempotency_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    # Bumped by every change to the lines, so a screen can ignore a response older than
    # the one it shows (scans may overlap and their answers arrive out of order).
    version: Mapped[int] = mapped_column(default=0)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    posted_at: Mapped[datetime | None]
    posting_id: Mapped[int | None] = mapped_column(ForeignKey("postings.id"))
    location: Mapped[Location] = relationship()
    lines: Mapped[list[ReceiptLine]] = relationship(order_by="ReceiptLine.id",
                                                    back_populates="receipt")

    @property
    def number(self) -> str:
        return f"RCV-{self.id:06d}"


class ReceiptLine(db.Model):
    __tablename__ = "receipt_lines"
    __table_args__ = (UniqueConstraint("receipt_id", "product_id", "lot_id"),
                      CheckConstraint("qty >= 0", name="qty_non_negative"))
    id: Mapped[int] = mapped_column(primary_key=True)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("receipts.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), default=NO_LOT)
    qty: Mapped[int] = mapped_column(default=0)
    receipt: Mapped[Receipt] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship()
    lot: Mapped[Lot] = relationship()


class ReceiptScan(db.Model):
    """Each receive scan's id, so a retried request (lost Wi-Fi answer) counts once."""
    __tablename__ = "receipt_scans"
    __table_args__ = (UniqueConstraint("receipt_id", "scan_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    scan_id: Mapped[str] = mapped_column(String(64))
    receipt_id: Mapped[int] = mapped_column(ForeignKey("receipts.id"))
    line_id: Mapped[int] = mapped_column(ForeignKey("receipt_lines.id"))


class TaskStatus(str, enum.Enum):
    OPEN = "open"
    DONE = "done"


class PutawayReason(str, enum.Enum):
    """Why the operator put goods somewhere other than the suggested bin."""
    SUGGESTED_FULL = "suggested_full"
    SUGGESTED_BLOCKED = "suggested_blocked"
    SUGGESTED_DAMAGED = "suggested_damaged"
    CLOSER_BIN = "closer_bin"
    OTHER = "other"


class PutawayTask(db.Model):
    """Move qty of a product/lot from a receiving bin to storage. A partial confirmation
    closes this task for what was moved and opens a new one for the rest."""
    __tablename__ = "putaway_tasks"
    __table_args__ = (
        Index("ix_putaway_tasks_open", "location_id", "status", "product_id", "id"),
        CheckConstraint("qty > 0", name="qty_positive"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), default=NO_LOT)
    from_bin_id: Mapped[int] = mapped_column(ForeignKey("bins.id"))
    qty: Mapped[int]
    status: Mapped[TaskStatus] = mapped_column(_enum(TaskStatus, "task_status"), default=TaskStatus.OPEN)
    receipt_id: Mapped[int | None] = mapped_column(ForeignKey("receipts.id"))
    split_from_id: Mapped[int | None] = mapped_column(ForeignKey("putaway_tasks.id"))
    suggested_bin_id: Mapped[int | None] = mapped_column(ForeignKey("bins.id"))
    to_bin_id: Mapped[int | None] = mapped_column(ForeignKey("bins.id"))
    reason: Mapped[PutawayReason | None] = mapped_column(_enum(PutawayReason, "putaway_reason"))
    posting_id: Mapped[int | None] = mapped_column(ForeignKey("postings.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None]

    product: Mapped[Product] = relationship()
    lot: Mapped[Lot] = relationship()
    from_bin: Mapped[Bin] = relationship(foreign_keys=[from_bin_id])
    to_bin: Mapped[Bin | None] = relationship(foreign_keys=[to_bin_id])
    suggested_bin: Mapped[Bin | None] = relationship(foreign_keys=[suggested_bin_id])


# --- transfers --------------------------------------------------------------------------

class TransferStatus(str, enum.Enum):
    DRAFT = "draft"
    APPROVED = "approved"
    IN_TRANSIT = "in_transit"
    RECEIVED = "received"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class Transfer(db.Model):
    """Stock moving between two locations: draft -> approved (reserved at the source) ->
    in_transit (shipped into the transit location) -> received -> completed; or cancelled
    before it ships."""
    __tablename__ = "transfers"
    __table_args__ = (CheckConstraint("from_location_id <> to_location_id", name="two_places"),
                      Index("ix_transfers_status", "status", "id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    from_location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    to_location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    status: Mapped[TransferStatus] = mapped_column(_enum(TransferStatus, "transfer_status"),
                                                   default=TransferStatus.DRAFT)
    note: Mapped[str | None] = mapped_column(String(500))
    request_key: Mapped[str | None] = mapped_column(String(100), unique=True)  # double-submit guard
    version: Mapped[int] = mapped_column(default=0)  # bumped by every change (stale screens)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    approved_at: Mapped[datetime | None]
    shipped_at: Mapped[datetime | None]
    received_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    from_location: Mapped[Location] = relationship(foreign_keys=[from_location_id])
    to_location: Mapped[Location] = relationship(foreign_keys=[to_location_id])
    lines: Mapped[list[TransferLine]] = relationship(order_by="TransferLine.id",
                                                     back_populates="transfer")

    @property
    def number(self) -> str:
        return f"TR-{self.id:06d}"


class ShortReason(str, enum.Enum):
    NOT_FOUND = "not_found"
    DAMAGED = "damaged"
    WRONG_ITEM_IN_BIN = "wrong_item_in_bin"
    OTHER = "other"


class ReceiveReason(str, enum.Enum):
    SHORT_SHIPPED = "short_shipped"
    DAMAGED_IN_TRANSIT = "damaged_in_transit"
    OVER_SHIPPED = "over_shipped"
    OTHER = "other"


class TransferLine(db.Model):
    __tablename__ = "transfer_lines"
    __table_args__ = (
        CheckConstraint("qty_requested > 0", name="requested_positive"),
        CheckConstraint("qty_picked >= 0 AND qty_received >= 0 AND qty_damaged >= 0", name="non_negative"),
        CheckConstraint("qty_damaged <= qty_received", name="damaged_within_received"),
        UniqueConstraint("transfer_id", "request_key"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    transfer_id: Mapped[int] = mapped_column(ForeignKey("transfers.id"), index=True)
    request_key: Mapped[str | None] = mapped_column(String(64))  # double-submit guard
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), default=NO_LOT)  # NO_LOT: any lot
    qty_requested: Mapped[int]
    qty_picked: Mapped[int] = mapped_column(default=0)
    short_picked: Mapped[bool] = mapped_column(default=False)
    short_reason: Mapped[ShortReason | None] = mapped_column(_enum(ShortReason, "short_reason"))
    qty_received: Mapped[int] = mapped_column(default=0)  # counted at the destination
    qty_damaged: Mapped[int] = mapped_column(default=0)  # of those received, damaged
    receive_reason: Mapped[ReceiveReason | None] = mapped_column(_enum(ReceiveReason, "receive_reason"))
    transfer: Mapped[Transfer] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship()
    lot: Mapped[Lot] = relationship()
    allocations: Mapped[list[TransferAllocation]] = relationship(order_by="TransferAllocation.id")
    picks: Mapped[list[TransferPick]] = relationship(order_by="TransferPick.id")

    @property
    def qty_shipped(self) -> int:
        return self.qty_picked if self.transfer.status not in (
            TransferStatus.DRAFT, TransferStatus.APPROVED, TransferStatus.CANCELLED) else 0


class TransferAllocation(db.Model):
    """Where approval reserved a line's stock: the suggested source bins."""
    __tablename__ = "transfer_allocations"
    __table_args__ = (CheckConstraint("qty > 0", name="qty_positive"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("transfer_lines.id"), index=True)
    bin_id: Mapped[int] = mapped_column(ForeignKey("bins.id"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"))
    qty: Mapped[int]
    bin: Mapped[Bin] = relationship()
    lot: Mapped[Lot] = relationship()


class TransferPick(db.Model):
    """Units an operator took from a bin for a line (stock moves when the transfer ships)."""
    __tablename__ = "transfer_picks"
    __table_args__ = (CheckConstraint("qty > 0", name="qty_positive"),
                      UniqueConstraint("line_id", "scan_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("transfer_lines.id"), index=True)
    bin_id: Mapped[int] = mapped_column(ForeignKey("bins.id"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"))
    qty: Mapped[int]
    scan_id: Mapped[str | None] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    bin: Mapped[Bin] = relationship()
    lot: Mapped[Lot] = relationship()


class CountRequestStatus(str, enum.Enum):
    OPEN = "open"
    DONE = "done"


class CountRequest(db.Model):
    """A blind count the supervisor should schedule: the ledger and the shelf disagree
    (e.g. a short pick). Cycle counts (a later issue) pick these up."""
    __tablename__ = "count_requests"
    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    bin_id: Mapped[int] = mapped_column(ForeignKey("bins.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    reason: Mapped[str] = mapped_column(String(200))
    reference_type: Mapped[str | None] = mapped_column(String(32))
    reference_id: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[CountRequestStatus] = mapped_column(_enum(CountRequestStatus, "count_request_status"),
                                                      default=CountRequestStatus.OPEN)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    bin: Mapped[Bin] = relationship()
    product: Mapped[Product] = relationship()


# --- cycle counts -----------------------------------------------------------------------

class CountStatus(str, enum.Enum):
    OPEN = "open"
    COUNTING = "counting"
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    RESOLVED = "resolved"
    CANCELLED = "cancelled"


class CountLineStatus(str, enum.Enum):
    PENDING = "pending"  # not counted yet
    COUNTED = "counted"
    ACCEPTED = "accepted"
    RECOUNT = "recount"  # replaced by a recount line
    REJECTED = "rejected"


class CountBatch(db.Model):
    """A blind count of some bin x SKU x lot lines of one location. It snapshots which
    lines it covers, never the quantities the counter would be led by."""
    __tablename__ = "count_batches"
    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    status: Mapped[CountStatus] = mapped_column(_enum(CountStatus, "count_status"), default=CountStatus.OPEN)
    selection: Mapped[str] = mapped_column(String(200))  # how the lines were chosen, in words
    request_key: Mapped[str | None] = mapped_column(String(100), unique=True)  # double-submit guard
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=0)
    location: Mapped[Location] = relationship()
    lines: Mapped[list[CountLine]] = relationship(order_by="CountLine.id", back_populates="batch")

    @property
    def number(self) -> str:
        return f"CNT-{self.id:06d}"


class CountLine(db.Model):
    __tablename__ = "count_lines"
    __table_args__ = (Index("ix_count_lines_batch_bin", "batch_id", "bin_id"),
                      CheckConstraint("counted_qty IS NULL OR counted_qty >= 0", name="counted_non_negative"))
    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("count_batches.id"))
    bin_id: Mapped[int] = mapped_column(ForeignKey("bins.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), default=NO_LOT)
    status: Mapped[CountLineStatus] = mapped_column(_enum(CountLineStatus, "count_line_status"),
                                                    default=CountLineStatus.PENDING)
    unexpected: Mapped[bool] = mapped_column(default=False)  # found, not on the batch's list
    counted_qty: Mapped[int | None]
    # The ledger's on-hand for this key at the instant of counting (never shown to the
    # counter): the variance is counted - this, so movements during the count don't count.
    ledger_qty_at_count: Mapped[int | None]
    counted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    counted_at: Mapped[datetime | None]
    recount_of_id: Mapped[int | None] = mapped_column(ForeignKey("count_lines.id"))
    avoid_counter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # recount: someone else
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None]
    posting_id: Mapped[int | None] = mapped_column(ForeignKey("postings.id"))
    batch: Mapped[CountBatch] = relationship(back_populates="lines")
    bin: Mapped[Bin] = relationship()
    product: Mapped[Product] = relationship()
    lot: Mapped[Lot] = relationship()
    counter: Mapped[User | None] = relationship(foreign_keys=[counted_by])
    resolver: Mapped[User | None] = relationship(foreign_keys=[resolved_by])

    @property
    def variance(self) -> int | None:
        if self.counted_qty is None or self.ledger_qty_at_count is None:
            return None
        return self.counted_qty - self.ledger_qty_at_count


# --- reservations and holds -------------------------------------------------------------

class ReservationStatus(str, enum.Enum):
    ACTIVE = "active"  # some units still reserved (qty_open > 0)
    RELEASED = "released"  # given back by a person or an API call (order cancelled)
    EXPIRED = "expired"  # given back by the sweeper when its TTL ran out
    FULFILLED = "fulfilled"  # consumed by a sale


class Reservation(db.Model):
    """Units of one balance key reserved for a reference (e.g. order:ord-12345).

    One reserve request may span several bins/lots (FEFO), so it makes one row per key,
    all with the same reference. qty_open is what is still reserved; every change to it is
    a guarded UPDATE in the same transaction as the ledger posting that moves the units,
    so the sweeper and a fulfil racing for the same row cannot both win.
    """
    __tablename__ = "reservations"
    __table_args__ = (
        Index("ix_reservations_reference", "reference_type", "reference_id", "status"),
        Index("ix_reservations_expiry", "status", "expires_at"),
        Index("ix_reservations_product", "product_id", "location_id", "status"),
        Index("ix_reservations_posting", "posting_id"),  # a replayed request finds its rows
        CheckConstraint("qty > 0", name="qty_positive"),
        CheckConstraint("qty_open >= 0 AND qty_open <= qty", name="open_within_qty"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    reference_type: Mapped[str] = mapped_column(String(32))
    reference_id: Mapped[str] = mapped_column(String(64))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    bin_id: Mapped[int] = mapped_column(ForeignKey("bins.id"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), default=NO_LOT)
    qty: Mapped[int]  # reserved at first
    qty_open: Mapped[int]  # still reserved
    qty_fulfilled: Mapped[int] = mapped_column(default=0)
    status: Mapped[ReservationStatus] = mapped_column(
        _enum(ReservationStatus, "reservation_status"), default=ReservationStatus.ACTIVE)
    expires_at: Mapped[datetime | None]  # NULL: held until fulfilled or released
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    posting_id: Mapped[int | None] = mapped_column(ForeignKey("postings.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    product: Mapped[Product] = relationship()
    location: Mapped[Location] = relationship()
    bin: Mapped[Bin] = relationship()
    lot: Mapped[Lot] = relationship()

    @property
    def reference(self) -> str:
        return f"{self.reference_type}:{self.reference_id}"


class HoldReason(str, enum.Enum):
    QUALITY = "quality"
    QUARANTINE = "quarantine"
    DAMAGED = "damaged"
    RECALL = "recall"
    EXPIRED = "expired"
    OTHER = "other"


class HoldStatus(str, enum.Enum):
    ACTIVE = "active"
    RELEASED = "released"  # back to available
    WRITTEN_OFF = "written_off"  # destroyed: left the ledger with an expire posting


class Hold(db.Model):
    """Units of one balance key that may not be sold, picked or reserved (quality hold,
    quarantine, expired). qty_open changes only together with a ledger posting."""
    __tablename__ = "holds"
    __table_args__ = (
        Index("ix_holds_status", "status", "location_id"),
        Index("ix_holds_key", "product_id", "bin_id", "lot_id", "status"),
        CheckConstraint("qty > 0", name="qty_positive"),
        CheckConstraint("qty_open >= 0 AND qty_open <= qty", name="open_within_qty"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    bin_id: Mapped[int] = mapped_column(ForeignKey("bins.id"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), default=NO_LOT)
    qty: Mapped[int]
    qty_open: Mapped[int]
    reason: Mapped[HoldReason] = mapped_column(_enum(HoldReason, "hold_reason"))
    note: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[HoldStatus] = mapped_column(_enum(HoldStatus, "hold_status"),
                                               default=HoldStatus.ACTIVE)
    request_key: Mapped[str | None] = mapped_column(String(100), unique=True)  # double-submit guard
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    posting_id: Mapped[int | None] = mapped_column(ForeignKey("postings.id"))
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None]
    close_posting_id: Mapped[int | None] = mapped_column(ForeignKey("postings.id"))
    product: Mapped[Product] = relationship()
    location: Mapped[Location] = relationship()
    bin: Mapped[Bin] = relationship()
    lot: Mapped[Lot] = relationship()


# --- alerts -----------------------------------------------------------------------------

class AlertKind(str, enum.Enum):
    LOW_STOCK = "low_stock"  # on_hand <= reorder point
    OUT_OF_STOCK = "out_of_stock"  # available <= 0
    REORDER_NEEDED = "reorder_needed"  # below reorder point and nothing inbound
    OVERSTOCK = "overstock"  # on_hand above max level


class AlertStatus(str, enum.Enum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"  # someone has seen it; still a live condition
    RESOLVED = "resolved"  # closed by a person
    CLEARED = "cleared"  # closed by a posting: the condition ended


class Alert(db.Model):
    """One stock condition of one SKU at one location. `live_key` is set while the alert
    is open or acknowledged and NULL once closed: its unique constraint allows exactly one
    live alert per kind x SKU x location on every engine (NULLs never collide)."""
    __tablename__ = "alerts"
    __table_args__ = (
        Index("ix_alerts_status", "status", "id"),
        Index("ix_alerts_product_location", "product_id", "location_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[AlertKind] = mapped_column(_enum(AlertKind, "alert_kind"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    live_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    status: Mapped[AlertStatus] = mapped_column(_enum(AlertStatus, "alert_status"),
                                                default=AlertStatus.OPEN)
    threshold: Mapped[int | None]  # the reorder point / max level it was judged against
    on_hand: Mapped[int]  # when raised
    available: Mapped[int]
    message: Mapped[str] = mapped_column(String(300))
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    acknowledged_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    acknowledged_at: Mapped[datetime | None]
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None]
    # E-mail to the setting's recipients (alert_mail.py): sent once, retried with backoff.
    mailed_at: Mapped[datetime | None]
    mail_attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    mail_next_at: Mapped[datetime | None]  # not tried again before (a claim's lease or a backoff)
    mail_error: Mapped[str | None] = mapped_column(String(300))
    product: Mapped[Product] = relationship()
    location: Mapped[Location] = relationship()


class AlertSetting(db.Model):
    """Per SKU x location: a low-stock threshold overriding the reorder point, who to
    tell, or muted."""
    __tablename__ = "alert_settings"
    __table_args__ = (UniqueConstraint("product_id", "location_id"),
                      CheckConstraint("low_stock_threshold IS NULL OR low_stock_threshold >= 0",
                                      name="threshold_non_negative"))
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    low_stock_threshold: Mapped[int | None]
    recipients: Mapped[str | None] = mapped_column(String(500))  # comma-separated e-mails
    muted: Mapped[bool] = mapped_column(default=False)
    product: Mapped[Product] = relationship()
    location: Mapped[Location] = relationship()


# --- events and webhooks ----------------------------------------------------------------

class OutboxEvent(db.Model):
    """A domain event, written in the same transaction as the change it reports, so an
    event exists if and only if the change committed. The delivery worker reads these."""
    __tablename__ = "outbox_events"
    __table_args__ = (Index("ix_outbox_events_undispatched", "dispatched_at", "id"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    type: Mapped[str] = mapped_column(String(64))  # stock.low, transfer.status_changed, ...
    payload: Mapped[str] = mapped_column(db.Text)  # JSON
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    dispatched_at: Mapped[datetime | None]  # deliveries created for every subscriber


class WebhookSubscription(db.Model):
    """Where to POST events. The secret signs each body (HMAC-SHA256); unlike passwords it
    must be readable to sign, so it is stored as is and shown only to admins."""
    __tablename__ = "webhook_subscriptions"
    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(128))
    event_types: Mapped[str] = mapped_column(String(500), default="*")  # comma-separated or *
    active: Mapped[bool] = mapped_column(default=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Gets outbox events with ids above this: the newest event when it was added (ids, not
    # clocks, so a server whose clock runs behind cannot make a new event look older).
    after_event_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"),
                                                default=0, server_default="0")


class DeliveryStatus(str, enum.Enum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"  # gave up after the last retry


class WebhookDelivery(db.Model):
    """One event to one subscriber. Its uuid is the delivery id the receiver sees; the
    unique (event, subscription) pair means an event never gets two ids for one URL."""
    __tablename__ = "webhook_deliveries"
    __table_args__ = (UniqueConstraint("event_id", "subscription_id"),
                      Index("ix_webhook_deliveries_due", "status", "next_attempt_at"))
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("outbox_events.id"))
    subscription_id: Mapped[int] = mapped_column(ForeignKey("webhook_subscriptions.id"), index=True)
    status: Mapped[DeliveryStatus] = mapped_column(_enum(DeliveryStatus, "delivery_status"),
                                                   default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]
    event: Mapped[OutboxEvent] = relationship()
    subscription: Mapped[WebhookSubscription] = relationship()


class WebhookAttempt(db.Model):
    __tablename__ = "webhook_attempts"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("webhook_deliveries.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    status_code: Mapped[int | None]  # NULL: no answer (refused, timed out)
    error: Mapped[str | None] = mapped_column(String(500))
    duration_ms: Mapped[int | None]


# --- API --------------------------------------------------------------------------------

class ApiIdempotency(db.Model):
    """The first response to an API write with an Idempotency-Key, replayed on a retry."""
    __tablename__ = "api_idempotency"
    __table_args__ = (UniqueConstraint("user_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(String(128))
    fingerprint: Mapped[str] = mapped_column(String(64))  # method, path and body
    status_code: Mapped[int]
    response_body: Mapped[str] = mapped_column(db.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
