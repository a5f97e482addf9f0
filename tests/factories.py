"""Test data built the way the app builds it: catalog rows directly, stock only through
the ledger (so every fixture passes `verify-ledger`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from warehouse import ledger
from warehouse.catalog.models import Bin, BinKind, Location, LocationType, Lot, Product, ProductBarcode
from warehouse.core.extensions import db
from warehouse.ledger.models import MovementType


def make_location(code: str, type=LocationType.WAREHOUSE, bins=("RCV-01", "A-01-01", "A-01-02")):
    location = Location(code=code, name=code.replace("-", " ").title(), type=type)
    db.session.add(location)
    db.session.flush()
    for bin_code in bins:
        kind = BinKind.RECEIVING if bin_code.startswith("RCV") else BinKind.STORAGE
        db.session.add(Bin(location_id=location.id, code=bin_code, barcode=f"{code}:{bin_code}", kind=kind))
    db.session.commit()
    return location


def make_product(sku: str, *, gtin: str | None = None, lot_tracked=False, expiry_tracked=False):
    product = Product(
        sku=sku, name=f"Item {sku}", unit_cost=1, lot_tracked=lot_tracked, expiry_tracked=expiry_tracked
    )
    if gtin:
        product.barcodes.append(ProductBarcode(code=gtin))
    db.session.add(product)
    db.session.commit()
    return product


def make_lot(product: Product, code: str, expiry: date | None = None) -> Lot:
    lot = Lot(product_id=product.id, code=code, expiry_date=expiry)
    db.session.add(lot)
    db.session.commit()
    return lot


def receive(product, bin, qty, lot=None, key=None):
    return ledger.post(
        MovementType.INBOUND_PURCHASE, [ledger.Line.at(bin, product, lot, qty=qty)], actor_id=None, key=key
    )


@dataclass
class Warehouse:
    main: Location
    north: Location
    bolt: Product
    nut: Product
    glue: Product  # lot- and expiry-tracked

    @classmethod
    def build(cls) -> Warehouse:
        return cls(
            main=make_location("warehouse-main"),
            north=make_location("service-north", LocationType.SERVICE_CENTER, ("RCV-01", "S-01-01")),
            bolt=make_product("BOLT-M8", gtin="9506000134352"),
            nut=make_product("NUT-M8"),
            glue=make_product("GLUE-50", lot_tracked=True, expiry_tracked=True),
        )

    def bin(self, location: Location, code: str) -> Bin:
        return next(b for b in location.bins if b.code == code)
