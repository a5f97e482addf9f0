"""Why the ledger refused a line, in floor words: the guarded UPDATE matched no row, and
the balance as it is (read locked) says which invariant the line would break. Only the
refusal path reads these names; a posting that goes through never does."""

from __future__ import annotations

from sqlalchemy import select

from warehouse.catalog.models import NO_LOT, Bin, Lot, Product
from warehouse.core.errors import DomainError, InsufficientStock, InvalidPosting
from warehouse.core.extensions import db

MAX_BALANCE = 2_000_000_000  # stays inside a 32-bit INTEGER on every engine


def explain(type, line, on_hand: int, reserved: int, held: int) -> DomainError:
    """Explain, in floor words, which invariant the line would break."""
    sku, bin_code, lot_code = describe(line.product_id, line.bin_id, line.lot_id)
    where = f"{bin_code}" + (f" (lot {lot_code})" if lot_code else "")
    available = on_hand - reserved - held
    if on_hand + line.qty > MAX_BALANCE:
        return InvalidPosting(f"Quantity too large: {sku} at {where} would exceed {MAX_BALANCE:,} units.")
    if line.reserved < 0 and reserved + line.reserved < 0:
        return InsufficientStock(
            f"Cannot release {-line.reserved} of {sku} at {where}: only {reserved} reserved."
        )
    if line.held < 0 and held + line.held < 0:
        return InsufficientStock(
            f"Cannot release {-line.held} of {sku} at {where} from hold: only {held} held."
        )
    if line.qty < 0 and on_hand + line.qty < 0:
        return InsufficientStock(
            f"Insufficient stock at {where} for {sku}: on hand {on_hand}, requested {-line.qty}."
        )
    # What is left: the change would eat into units reserved or held for someone else.
    requested = max(-line.qty, 0) + max(line.reserved, 0) + max(line.held, 0)
    return InsufficientStock(
        f"Insufficient stock available at {where} for {sku}: "
        f"available {max(available, 0)}, requested {requested}."
    )


def describe(product_id: int, bin_id: int, lot_id: int) -> tuple[str, str, str]:
    """SKU, bin code and lot code ("" without a lot) of a balance key, for a message."""
    sku = db.session.scalar(select(Product.sku).where(Product.id == product_id))
    bin_code = db.session.scalar(select(Bin.code).where(Bin.id == bin_id))
    lot_code = "" if lot_id == NO_LOT else db.session.scalar(select(Lot.code).where(Lot.id == lot_id))
    return sku or f"product #{product_id}", bin_code or f"bin #{bin_id}", lot_code or ""
