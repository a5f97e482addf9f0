"""Catalog tables: products and their barcodes, locations and their bins, lots.

Balance keys are (product, location, bin, lot) and hold no NULLs: every location has at
least one bin, and "no lot" is the lot row with id 0 (NO_LOT), made by the first migration."""

from __future__ import annotations

import enum
from datetime import date
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Float,
    ForeignKey,
    Numeric,
    String,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from warehouse.core.columns import enum_column
from warehouse.core.extensions import db
from warehouse.core.tenancy import OrgScoped, OrgScopedWithSharedRows

NO_LOT = 0  # id of the "no lot" row in lots


class LocationType(str, enum.Enum):
    WAREHOUSE = "warehouse"
    SERVICE_CENTER = "service_center"
    CONSIGNMENT = "consignment"
    TRANSIT = "transit"
    DEALER = "dealer"
    RETURNS = "returns"
    # Where expired units wait, held, until they are destroyed (expiry.to_destruction):
    # stock arrives there only from an expired hold and is never worked (locations.WORKABLE).
    DESTRUCTION = "destruction"


class BinKind(str, enum.Enum):
    RECEIVING = "receiving"
    STORAGE = "storage"
    STAGING = "staging"
    SHIPPING = "shipping"


class Product(OrgScoped, db.Model):
    __tablename__ = "products"
    __table_args__ = (UniqueConstraint("org_id", "sku"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    unit_cost: Mapped[Decimal] = mapped_column(Numeric(12, 4), default=Decimal("0"))
    lot_tracked: Mapped[bool] = mapped_column(default=False)
    expiry_tracked: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    # False: sold but not stocked (a service, a download); the API's contract has the flag.
    track_inventory: Mapped[bool] = mapped_column(default=True, server_default=true())
    # True: orders may go on beyond what is available (stock_status "on_backorder"): a
    # reserve beyond it waits in a queue (warehouse/availability/backorders.py).
    allow_backorder: Mapped[bool] = mapped_column(default=False, server_default=false())
    barcodes: Mapped[list[ProductBarcode]] = relationship(
        back_populates="product", cascade="all, delete-orphan", order_by="ProductBarcode.id"
    )


class ProductBarcode(OrgScoped, db.Model):
    """A product can carry several barcodes: GTIN-13/14, UPC, a supplier's own code. A
    case's barcode stands for `pack_qty` units: scanning it counts them all."""

    __tablename__ = "product_barcodes"
    __table_args__ = (
        UniqueConstraint("org_id", "code"),
        CheckConstraint("pack_qty >= 1", name="pack_qty_positive"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    pack_qty: Mapped[int] = mapped_column(default=1, server_default=text("1"))
    product: Mapped[Product] = relationship(back_populates="barcodes")


class Location(OrgScoped, db.Model):
    __tablename__ = "locations"
    __table_args__ = (UniqueConstraint("org_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64))  # used in URLs and the API
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[LocationType] = mapped_column(enum_column(LocationType, "location_type"))
    active: Mapped[bool] = mapped_column(default=True)
    # Where it is, for routing orders to the nearest location (WGS84 degrees); NULL: not
    # placed, never chosen by routing.
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    bins: Mapped[list[Bin]] = relationship(back_populates="location", order_by="Bin.code")


class Bin(OrgScoped, db.Model):
    __tablename__ = "bins"
    __table_args__ = (
        UniqueConstraint("org_id", "location_id", "code"),
        UniqueConstraint("org_id", "barcode"),
        # Target of the balances' (bin_id, location_id) foreign key: a balance's bin is
        # always inside the balance's location.
        UniqueConstraint("id", "location_id", name="uq_bins_id_location"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    code: Mapped[str] = mapped_column(String(32))
    barcode: Mapped[str] = mapped_column(String(64))
    kind: Mapped[BinKind] = mapped_column(enum_column(BinKind, "bin_kind"), default=BinKind.STORAGE)
    capacity: Mapped[int | None]  # units the bin holds in all; NULL = not limited
    active: Mapped[bool] = mapped_column(default=True)
    location: Mapped[Location] = relationship(back_populates="bins")


class Lot(OrgScopedWithSharedRows, db.Model):
    __tablename__ = "lots"
    __table_args__ = (UniqueConstraint("org_id", "product_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    # NULL only on the NO_LOT row, which belongs to no product.
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    code: Mapped[str] = mapped_column(String(64))
    expiry_date: Mapped[date | None]
