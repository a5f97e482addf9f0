"""Lot corrections: units booked on the wrong lot, moved in their bin to the lot they
really are. One posting, an `adjustment` of two lines (minus on the wrong lot, plus on
the right one): the bin's on-hand does not change, and the history shows both lots.

Only units free on the wrong lot move: units reserved for an order or held (quality,
damage, expiry) stay where their reservation or hold says they are, so a correction that
would take them is refused, naming how many are reserved and how many held.

The posting carries reason `other` (no reason code says "lot correction" better, and a new
one would change the stored enum), the reference `lot_correction:<reference or wrong
lot>`, and a note saying what moved where, with the caller's own note after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from warehouse import ledger
from warehouse.catalog import lots
from warehouse.catalog.models import Bin, Lot, Product
from warehouse.core.errors import (
    InsufficientStock,
    LotNotTracked,
    LotRequired,
    NotFound,
    QuantityOutOfRange,
    SameLot,
)
from warehouse.core.extensions import db
from warehouse.core.i18n import msg
from warehouse.ledger.adjustments import require_bin
from warehouse.ledger.models import Balance, MovementType, ReasonCode
from warehouse.ledger.stock import product_by_code

REFERENCE_TYPE = "lot_correction"
MAX_NOTE = 500  # the posting's note column


@dataclass(frozen=True)
class Corrected:
    """What a correction did, from its posting and the rows it loaded (nothing read back)."""

    posted: ledger.Posted
    product: Product
    bin: Bin
    wrong: Lot
    right: Lot
    qty: int
    note: str
    reference: tuple[str, str]
    right_lot_created: bool
    reason: ReasonCode = ReasonCode.OTHER

    def on_hand(self, lot: Lot) -> int:
        """The lot's on-hand in the bin after the correction."""
        return self.posted.balances_after[(self.product.id, self.bin.location_id, self.bin.id, lot.id)][0]


def correct_lot(
    *,
    sku: str,
    location_code: str,
    bin_code: str,
    wrong_lot: str,
    right_lot: str,
    qty: int,
    actor_id: int,
    expiry: date | None = None,
    note: str = "",
    reference: str = "",
) -> Corrected:
    """Move `qty` units of a product in one bin from `wrong_lot` to `right_lot` (made when
    new, with `expiry`). Checks, in order: the quantity; both lots given and different;
    then in the write: the product, that it is lot-tracked, the bin, the wrong lot, the
    units free on it (InsufficientStock naming the reserved and held units), the right
    lot (an expiry-tracked product's new lot needs its expiry; a known lot's expiry must
    agree). Refused whole, or posted whole."""
    wrong_lot, right_lot = (wrong_lot or "").strip(), (right_lot or "").strip()
    if not isinstance(qty, int) or isinstance(qty, bool) or not 1 <= qty <= ledger.MAX_LINE_QTY:
        raise QuantityOutOfRange(msg("Move 1 to {limit:,} units.", limit=ledger.MAX_LINE_QTY))
    if not wrong_lot or not right_lot:
        raise LotRequired(msg("Give both lots: the wrong one the units are on, and the right one."))
    if wrong_lot == right_lot:
        raise SameLot(
            msg("The wrong and the right lot are both {lot}: there is nothing to correct.", lot=wrong_lot)
        )
    return ledger.atomically(
        _correct, sku, location_code, bin_code, wrong_lot, right_lot, qty, actor_id, expiry, note, reference
    )


def _correct(sku, location_code, bin_code, wrong_lot, right_lot, qty, actor_id, expiry, note, reference):
    product = product_by_code(sku)
    if not product.lot_tracked:
        raise LotNotTracked(msg("{sku} is not lot-tracked: it has no lots to correct.", sku=product.sku))
    bin = require_bin(location_code, bin_code)
    wrong = lots.existing(product, wrong_lot)
    if wrong is None:
        raise NotFound(
            msg("No lot {lot} of {sku}. Check the lot on the label.", lot=repr(wrong_lot), sku=product.sku)
        )
    _free_to_move(product, bin, wrong, qty)
    created = lots.existing(product, right_lot) is None
    right = lots.find_or_create(product, right_lot, expiry)
    said = f"Lot correction at {bin.code}: {qty} moved from lot {wrong.code} to lot {right.code}"
    note = (f"{said}. {note.strip()}" if note and note.strip() else said)[:MAX_NOTE]
    reference = (REFERENCE_TYPE, reference or wrong.code)
    posted = ledger.post(
        MovementType.ADJUSTMENT,
        [ledger.Line.at(bin, product, wrong, qty=-qty), ledger.Line.at(bin, product, right, qty=qty)],
        actor_id=actor_id,
        reference=reference,
        reason=ReasonCode.OTHER,
        note=note,
    )
    return Corrected(posted, product, bin, wrong, right, qty, note, reference, created)


def _free_to_move(product: Product, bin: Bin, lot: Lot, qty: int) -> None:
    """The wrong lot's balance, read locked: at least `qty` free (neither reserved nor held)."""
    row = db.session.execute(
        select(Balance.on_hand, Balance.reserved, Balance.held)
        .where(Balance.product_id == product.id, Balance.bin_id == bin.id, Balance.lot_id == lot.id)
        .with_for_update()
    ).first()
    on_hand, reserved, held = tuple(row) if row else (0, 0, 0)
    free = on_hand - reserved - held
    if free >= qty:
        return
    key = dict(lot=lot.code, sku=product.sku, bin=bin.code, on_hand=on_hand, qty=qty)
    if on_hand < qty:
        raise InsufficientStock(
            msg(
                "Only {on_hand} of lot {lot} of {sku} at {bin} on hand: cannot move {qty}. Move fewer.", **key
            )
        )
    raise InsufficientStock(
        msg(
            "Only {free} of lot {lot} of {sku} at {bin} can move: of {on_hand} on hand, {reserved} are "
            "reserved and {held} held, and those stay on their lot. Release the reservation or hold first, "
            "or move fewer.",
            free=max(free, 0),
            reserved=reserved,
            held=held,
            **key,
        )
    )
