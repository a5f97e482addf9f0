"""Supervisor stock adjustments: a signed change to one bin, with a reason code."""
from __future__ import annotations

from sqlalchemy import or_, select

from . import ledger
from .errors import InvalidPosting, NotFound
from .extensions import db
from .models import Bin, Location, Lot, MovementType, Product, ReasonCode
from .stock import product_by_code


def adjust(*, sku: str, location_code: str, bin_code: str, qty: int, reason: ReasonCode,
           actor_id: int, lot_code: str = "", reference: str = "", note: str = "",
           key: str | None = None) -> ledger.Posted:
    """Add (qty > 0) or remove (qty < 0) stock in one bin. Refused whole, or posted whole."""
    return ledger.atomically(_adjust, sku, location_code, bin_code, qty, ReasonCode(reason),
                             actor_id, lot_code, reference, note, key)


def _adjust(sku, location_code, bin_code, qty, reason, actor_id, lot_code, reference, note, key):
    product = product_by_code(sku)
    bin = _bin(location_code, bin_code)
    lot = _lot(product, lot_code, creating=qty > 0)
    line = ledger.Line.at(bin, product, lot, qty=qty)
    # The form's key is the client's: give it its own namespace per user, so it can never
    # collide with keys the server derives (receipt:N:finish, putaway:N) or another user's.
    key = f"adjust:{actor_id}:{key}" if key else None
    return ledger.post(MovementType.ADJUSTMENT, [line], actor_id=actor_id, key=key,
                       reference=("adjustment", reference) if reference else None,
                       reason=reason, note=note or None)


def _bin(location_code: str, bin_code: str) -> Bin:
    """A bin of the location by its code (A-01-03) or by its scanned label barcode."""
    bin = db.session.scalar(select(Bin).join(Location).where(
        Location.code == location_code, or_(Bin.code == bin_code, Bin.barcode == bin_code)))
    if bin is None:
        raise NotFound(f"No bin {bin_code!r} in {location_code}. Check the bin label.")
    return bin


def _lot(product: Product, lot_code: str, *, creating: bool) -> Lot | None:
    if not lot_code:
        if product.lot_tracked:
            raise InvalidPosting(f"{product.sku} is lot-tracked: enter the lot.")
        return None
    if not product.lot_tracked:
        raise InvalidPosting(f"{product.sku} is not lot-tracked: leave the lot empty.")
    lot = db.session.scalar(select(Lot).where(Lot.product_id == product.id, Lot.code == lot_code))
    if lot is None:
        if not creating:
            raise NotFound(f"No lot {lot_code!r} of {product.sku}. Check the lot on the label.")
        lot = Lot(product_id=product.id, code=lot_code)
        db.session.add(lot)
        db.session.flush()
    return lot
