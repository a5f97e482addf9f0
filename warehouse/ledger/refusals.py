"""Why the ledger refused a line, in floor words: the guarded UPDATE matched no row, and
the balance as it is (read locked) says which invariant the line would break. Only the
refusal path reads these names; a posting that goes through never does."""

from __future__ import annotations

from sqlalchemy import select

from warehouse.catalog.models import NO_LOT, Bin, Lot, Product
from warehouse.core.errors import DomainError, InsufficientStock, InvalidPosting
from warehouse.core.extensions import db
from warehouse.core.i18n import msg

MAX_BALANCE = 2_000_000_000  # stays inside a 32-bit INTEGER on every engine


def explain(type, line, on_hand: int, reserved: int, held: int) -> DomainError:
    """Explain, in floor words, which invariant the line would break."""
    sku, bin_code, lot_code = describe(line.product_id, line.bin_id, line.lot_id)
    key = dict(sku=sku, bin=bin_code, lot=lot_code)
    available = on_hand - reserved - held
    if on_hand + line.qty > MAX_BALANCE:
        return InvalidPosting(
            _with_lot(
                lot_code,
                msg(
                    "Quantity too large: {sku} at {bin} would exceed {limit:,} units.",
                    limit=MAX_BALANCE,
                    **key,
                ),
                msg(
                    "Quantity too large: {sku} at {bin} (lot {lot}) would exceed {limit:,} units.",
                    limit=MAX_BALANCE,
                    **key,
                ),
            )
        )
    if line.reserved < 0 and reserved + line.reserved < 0:
        counts = dict(qty=-line.reserved, reserved=reserved, **key)
        return InsufficientStock(
            _with_lot(
                lot_code,
                msg("Cannot release {qty} of {sku} at {bin}: only {reserved} reserved.", **counts),
                msg(
                    "Cannot release {qty} of {sku} at {bin} (lot {lot}): only {reserved} reserved.", **counts
                ),
            )
        )
    if line.held < 0 and held + line.held < 0:
        counts = dict(qty=-line.held, held=held, **key)
        return InsufficientStock(
            _with_lot(
                lot_code,
                msg("Cannot release {qty} of {sku} at {bin} from hold: only {held} held.", **counts),
                msg(
                    "Cannot release {qty} of {sku} at {bin} (lot {lot}) from hold: only {held} held.",
                    **counts,
                ),
            )
        )
    if line.qty < 0 and on_hand + line.qty < 0:
        counts = dict(on_hand=on_hand, requested=-line.qty, **key)
        return InsufficientStock(
            _with_lot(
                lot_code,
                msg(
                    "Insufficient stock at {bin} for {sku}: on hand {on_hand}, requested {requested}.",
                    **counts,
                ),
                msg(
                    "Insufficient stock at {bin} (lot {lot}) for {sku}: on hand {on_hand}, requested {requested}.",
                    **counts,
                ),
            )
        )
    # What is left: the change would eat into units reserved or held for someone else.
    requested = max(-line.qty, 0) + max(line.reserved, 0) + max(line.held, 0)
    counts = dict(available=max(available, 0), requested=requested, **key)
    return InsufficientStock(
        _with_lot(
            lot_code,
            msg(
                "Insufficient stock available at {bin} for {sku}: available {available}, requested {requested}.",
                **counts,
            ),
            msg(
                "Insufficient stock available at {bin} (lot {lot}) for {sku}: "
                "available {available}, requested {requested}.",
                **counts,
            ),
        )
    )


def _with_lot(lot_code: str, without_lot: str, with_lot: str) -> str:
    """The sentence naming the lot when the key has one: each is whole, for translators."""
    return with_lot if lot_code else without_lot


def describe(product_id: int, bin_id: int, lot_id: int) -> tuple[str, str, str]:
    """SKU, bin code and lot code ("" without a lot) of a balance key, for a message."""
    sku = db.session.scalar(select(Product.sku).where(Product.id == product_id))
    bin_code = db.session.scalar(select(Bin.code).where(Bin.id == bin_id))
    lot_code = "" if lot_id == NO_LOT else db.session.scalar(select(Lot.code).where(Lot.id == lot_id))
    return sku or f"product #{product_id}", bin_code or f"bin #{bin_id}", lot_code or ""
