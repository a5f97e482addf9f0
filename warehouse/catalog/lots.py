"""Lots of a product: found by code, created on first receipt, expiry checked."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from warehouse.catalog.models import Lot, Product
from warehouse.core.errors import ExpiryMismatch, ExpiryRequired, LotCodeTooLong
from warehouse.core.extensions import db
from warehouse.core.i18n import msg


def find_or_create(product: Product, code: str, expiry: date | None) -> Lot:
    """The product's lot with this code; made when new. Runs inside the caller's transaction."""
    code = code.strip()
    if not code or len(code) > 64:
        raise LotCodeTooLong(msg("A lot code is 1-64 characters. Scan the lot barcode again."))
    lot = db.session.scalar(select(Lot).where(Lot.product_id == product.id, Lot.code == code))
    if lot is None:
        if product.expiry_tracked and expiry is None:
            raise ExpiryRequired(msg("{sku} lot {lot} needs an expiry date.", sku=product.sku, lot=code))
        lot = Lot(product_id=product.id, code=code, expiry_date=expiry)
        db.session.add(lot)
        db.session.flush()
    elif expiry and lot.expiry_date and lot.expiry_date != expiry:
        raise ExpiryMismatch(
            msg(
                "Lot {lot} of {sku} expires {recorded} on record but the label says {labelled}. "
                "Set it aside and call a supervisor.",
                lot=code,
                sku=product.sku,
                recorded=lot.expiry_date,
                labelled=expiry,
            )
        )
    elif expiry and lot.expiry_date is None:
        lot.expiry_date = expiry
    return lot


def existing(product: Product, code: str) -> Lot | None:
    return db.session.scalar(select(Lot).where(Lot.product_id == product.id, Lot.code == code))
