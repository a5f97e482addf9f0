"""Supervisor stock adjustments: a signed change to one bin, with a reason code; a key set
to a counted quantity; the reason codes a person may choose. Many keys set to their actual
quantities at once: bulk_adjustments.py; units moved from a wrong lot: lot_corrections.py."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from warehouse import ledger
from warehouse.catalog import locations
from warehouse.catalog.models import NO_LOT, Bin, BinKind, Location, Lot, Product
from warehouse.core import commands
from warehouse.core.columns import utcnow
from warehouse.core.errors import (
    BinNotNamed,
    LotNotTracked,
    LotRequired,
    MovementTypeNotAdjustable,
    NoteTooLong,
    NotFound,
    QuantityOutOfRange,
    QuantitySignWrong,
    ReasonNotChosenByPeople,
)
from warehouse.core.extensions import db
from warehouse.core.i18n import msg
from warehouse.ledger.models import Balance, MovementType, ReasonCode
from warehouse.ledger.stock import product_by_code

# Movement types an adjustment may carry, and the sign their quantity must have (None:
# either). An integration books a sale or a purchase it handled itself the same way.
MAX_NOTE = 500  # a posting's note (postings.note)
ADJUSTMENT_TYPES = {
    MovementType.ADJUSTMENT: None,
    MovementType.INBOUND_PURCHASE: 1,
    MovementType.OUTBOUND_SALE: -1,
}


@dataclass(frozen=True)
class Adjusted:
    """What an adjustment did, for its answer: the posting and the rows the service loaded
    (None on a replay, when nothing ran), so no caller reads them back."""

    posted: ledger.Posted
    product: Product | None = None
    bin: Bin | None = None
    lot: Lot | None = None
    qty: int = 0

    @property
    def after(self) -> tuple[int, int, int]:
        """(on_hand, reserved, held) of the one key after the change."""
        (after,) = self.posted.balances_after.values()
        return after

    @property
    def on_hand_before(self) -> int:
        return self.after[0] - self.qty

    @property
    def available(self) -> int:
        on_hand, reserved, held = self.after
        return on_hand - reserved - held

    @property
    def movement_id(self) -> int:
        (movement_id,) = self.posted.movement_ids.values()
        return movement_id


def adjust(
    *,
    sku: str,
    location_code: str,
    bin_code: str | None,
    qty: int,
    reason: ReasonCode | str,
    actor_id: int,
    lot_code: str = "",
    reference: str = "",
    note: str = "",
    key: str | None = None,
    type: MovementType = MovementType.ADJUSTMENT,
    cost: Decimal | None = None,
    reference_type: str = "adjustment",
) -> Adjusted:
    """Add (qty > 0) or remove (qty < 0) stock in one bin. Refused whole, or posted whole.
    Checks, in order: the movement type and the quantity's sign for it; then, in the write:
    the key (a replay answers with the first posting, writing nothing), the product, the
    bin at the location (without one: the bin that holds the SKU there, see `_bin_for`),
    the lot (required exactly when lot-tracked), and the ledger's own checks (quantity
    bounds, enough on hand and available to remove, a cost only on units coming in).
    `reason`: a code a person may choose, or free text (`reason_of`: reason other, the text
    first in the note)."""
    type = MovementType(type)
    if type not in ADJUSTMENT_TYPES:
        types = ", ".join(t.value for t in ADJUSTMENT_TYPES)
        raise MovementTypeNotAdjustable(msg("Type must be one of: {types}.", types=types))
    sign = ADJUSTMENT_TYPES[type]
    if sign is not None and qty * sign <= 0:
        raise QuantitySignWrong(
            msg("A {type} adds stock: give the quantity as a positive number.", type=type.value)
            if sign > 0
            else msg("A {type} removes stock: give the quantity as a negative number.", type=type.value)
        )
    reason, note = _reason_and_note(reason, note)
    # Only what is given: a request made before costs and reference types replays as before.
    costed = [] if cost is None else [str(cost)]
    named = [] if reference_type == "adjustment" else [reference_type]
    referenced = (reference_type, reference) if reference else None
    return commands.run(
        "ledger.adjust",
        lambda: _adjust(
            sku, location_code, bin_code, qty, reason, actor_id, lot_code, referenced, note, key, type, cost
        ),
        key=key,
        actor_id=actor_id,
        request=[sku, location_code, bin_code, qty, reason, lot_code, reference, note, type, *costed, *named],
        remember=lambda done: {"posting_id": done.posted.posting_id},
        recall=lambda stored: Adjusted(ledger.Posted(stored["posting_id"], replayed=True)),
    )


def _reason_and_note(reason: ReasonCode | str, note: str) -> tuple[ReasonCode, str]:
    code, said = reason_of(reason.value if isinstance(reason, ReasonCode) else reason)
    note = f"{said}. {note}" if said and note else said or note
    if len(note) > MAX_NOTE:
        raise NoteTooLong(
            msg("The reason and the note together are over {limit} characters: shorten one.", limit=MAX_NOTE)
        )
    return code, note


def _adjust(
    sku,
    location_code,
    bin_code,
    qty,
    reason,
    actor_id,
    lot_code,
    reference,
    note,
    key,
    type=MovementType.ADJUSTMENT,
    cost=None,
):
    product = product_by_code(sku)
    bin = require_bin(location_code, bin_code) if bin_code else _bin_for(product, location_code, qty)
    lot = _lot(product, lot_code, creating=qty > 0)
    line = ledger.Line.at(bin, product, lot, qty=qty, cost=cost)
    # The posting carries the key too (the last line of defence beneath the command), in
    # its own namespace per user: it never meets keys the server derives (receipt:N:finish).
    key = f"adjust:{actor_id}:{key}" if key else None
    posted = ledger.post(
        type,
        [line],
        actor_id=actor_id,
        key=key,
        reference=reference,
        reason=reason,
        note=note or None,
    )
    return Adjusted(posted, product, bin, lot, qty)


@dataclass(frozen=True)
class Counted:
    """A key set to a counted quantity: what the ledger said before, and after."""

    product_id: int
    bin_id: int
    lot_id: int
    previous_on_hand: int
    on_hand: int
    reserved: int
    held: int
    posting_id: int | None  # None when the count agreed with the ledger (nothing posted)

    @property
    def variance(self) -> int:
        return self.on_hand - self.previous_on_hand


def count_to(
    *,
    sku: str,
    location_code: str,
    counted: int,
    actor_id: int,
    bin_code: str = "",
    lot_code: str = "",
    reference: str = "",
    key: str | None = None,
) -> Counted:
    """Set one key's on-hand to a counted quantity with one adjustment_count posting of the
    difference (none when they agree), and mark the key counted. The balance row is read
    locked, so a posting racing the count cannot slip between reading and posting."""
    if not isinstance(counted, int) or isinstance(counted, bool) or not 0 <= counted <= ledger.MAX_LINE_QTY:
        raise QuantityOutOfRange(msg("Counted quantity must be 0 to {limit:,}.", limit=ledger.MAX_LINE_QTY))
    return ledger.atomically(
        _count_to, sku, location_code, bin_code, lot_code, counted, actor_id, reference, key
    )


def _count_to(sku, location_code, bin_code, lot_code, counted, actor_id, reference, key) -> Counted:
    product = product_by_code(sku)
    bin = (
        require_bin(location_code, bin_code)
        if bin_code
        else _only_bin(product, location_code, adjusting=False)
    )
    lot = _lot(product, lot_code, creating=counted > 0)
    lot_id = lot.id if lot else NO_LOT
    row = db.session.execute(
        select(Balance.on_hand, Balance.reserved, Balance.held)
        .where(Balance.product_id == product.id, Balance.bin_id == bin.id, Balance.lot_id == lot_id)
        .with_for_update()
    ).first()
    before = tuple(row) if row else (0, 0, 0)
    variance, posting_id, after = counted - before[0], None, before
    if variance:
        posted = ledger.post(
            MovementType.ADJUSTMENT_COUNT,
            [ledger.Line.at(bin, product, lot, qty=variance)],
            actor_id=actor_id,
            key=f"count-to:{actor_id}:{key}" if key else None,
            reference=("count", reference) if reference else None,
            reason=ReasonCode.PHYSICAL_COUNT,
            note=f"counted {counted}, ledger had {before[0]}",
        )
        posting_id = posted.posting_id
        after = posted.balances_after.get((product.id, bin.location_id, bin.id, lot_id)) or ledger.balance(
            product.id, bin.id, lot_id
        )
    if row is not None or variance:
        ledger.mark_counted(product.id, bin.id, lot_id, utcnow())
    return Counted(product.id, bin.id, lot_id, before[0], *after, posting_id)


def _bin_for(product: Product, location_code: str, qty: int) -> Bin:
    """An adjustment without a bin (as the reference documents send it, by SKU and
    location): the one bin of the location holding the product; units added where it is
    in no bin go to the location's receiving bin, to be put away from there. Several bins:
    the caller must say which."""
    try:
        return _only_bin(product, location_code, adjusting=True)
    except BinNotNamed:
        if qty <= 0 or _holding_bins(product, location_code):
            raise
    receiving = db.session.scalar(
        select(Bin)
        .join(Location)
        .where(Location.code == location_code, Bin.kind == BinKind.RECEIVING, Bin.active.is_(True))
        .order_by(Bin.code)
        .limit(1)
    )
    if receiving is None:
        locations.require(location_code)  # an unknown location says so
        raise BinNotNamed(
            msg(
                "{location} has no receiving bin for {sku}: name the bin.",
                location=location_code,
                sku=product.sku,
            )
        )
    return receiving


def _holding_bins(product: Product, location_code: str, limit: int = 2) -> list[Bin]:
    return list(
        db.session.scalars(
            select(Bin)
            .join(Location)
            .join(Balance, Balance.bin_id == Bin.id)
            .where(Location.code == location_code, Balance.product_id == product.id, Balance.on_hand > 0)
            .distinct()
            .limit(limit)
        )
    )


def _only_bin(product: Product, location_code: str, *, adjusting: bool) -> Bin:
    """Without a bin: the one bin of the location holding the product, if only one does."""
    bins = _holding_bins(product, location_code)
    if len(bins) != 1:
        raise BinNotNamed(
            _name_the_bin(adjusting, several=bool(bins), sku=product.sku, location=location_code)
        )
    return bins[0]


def _name_the_bin(adjusting: bool, *, several: bool, **values) -> str:
    # Each case a whole sentence: a translator words "no bin" and "several bins" differently.
    if adjusting:
        if several:
            return msg("{sku} is in several bins at {location}: name the bin adjusted.", **values)
        return msg("{sku} is in no bin at {location}: name the bin adjusted.", **values)
    if several:
        return msg("{sku} is in several bins at {location}: name the bin counted.", **values)
    return msg("{sku} is in no bin at {location}: name the bin counted.", **values)


def require_bin(location_code: str, bin_code: str) -> Bin:
    """A bin of the location by its code (A-01-03) or by its scanned label barcode."""
    bin = locations.bin_at(location_code, bin_code)
    if bin is None:
        raise NotFound(
            msg(
                "No bin {bin} in {location}. Check the bin label.", bin=repr(bin_code), location=location_code
            )
        )
    return bin


def _lot(product: Product, lot_code: str, *, creating: bool) -> Lot | None:
    if not lot_code:
        if product.lot_tracked:
            raise LotRequired(msg("{sku} is lot-tracked: enter the lot.", sku=product.sku))
        return None
    if not product.lot_tracked:
        raise LotNotTracked(msg("{sku} is not lot-tracked: leave the lot empty.", sku=product.sku))
    lot = db.session.scalar(select(Lot).where(Lot.product_id == product.id, Lot.code == lot_code))
    if lot is None:
        if not creating:
            raise NotFound(
                msg("No lot {lot} of {sku}. Check the lot on the label.", lot=repr(lot_code), sku=product.sku)
            )
        lot = Lot(product_id=product.id, code=lot_code)
        db.session.add(lot)
        db.session.flush()
    return lot


# --- reason codes ------------------------------------------------------------------------


@dataclass(frozen=True)
class Reason:
    """A reason code as people see it: a label, what it means, and whether a person may
    choose it (the system sets the others, e.g. an import's opening balance)."""

    code: ReasonCode
    label: str
    description: str
    chosen_by_people: bool


# Said with msg: the adjust page shows them in the reader's language, the API in English.
_REASONS = {
    ReasonCode.PHYSICAL_COUNT: (
        msg("Physical count"),
        msg("The shelf was counted; the ledger is set to the count."),
    ),
    ReasonCode.DAMAGED: (msg("Damaged"), msg("Units found damaged and taken out of stock.")),
    ReasonCode.FOUND: (msg("Found"), msg("Units found that the ledger did not have.")),
    ReasonCode.WRITE_OFF: (msg("Write-off"), msg("Units lost, stolen or destroyed.")),
    ReasonCode.RECEIVED: (msg("Received"), msg("Units received outside a receipt.")),
    ReasonCode.OTHER: (msg("Other"), msg("Any other reason: say which in the note.")),
}
_SET_BY_THE_SYSTEM = {
    ReasonCode.OPENING_BALANCE: (
        msg("Opening balance"),
        msg("A warehouse's starting stock (an import, a new product)."),
    ),
}


def reasons() -> list[Reason]:
    """Every reason code, in the enum's order. A code added later without a label here is
    listed under its own name and is not offered to people until someone says it may be."""
    out = []
    for code in ReasonCode:
        if code in _REASONS:
            out.append(Reason(code, *_REASONS[code], chosen_by_people=True))
        else:
            label, meaning = _SET_BY_THE_SYSTEM.get(code, (code.value.replace("_", " ").capitalize(), ""))
            out.append(Reason(code, label, meaning, chosen_by_people=False))
    return out


def reason_of(text: str) -> tuple[ReasonCode, str]:
    """(reason code, note) of what a person wrote as the reason: a code (any case, spaces or
    hyphens for underscores: "Write-off" is write_off) is that code; anything else is free
    text, kept as the note of reason `other`. A code the system sets is refused."""
    text = (text or "").strip()
    name = text.lower().replace("-", "_").replace(" ", "_")
    code = next((c for c in ReasonCode if c.value == name), None)
    if code is None:
        return ReasonCode.OTHER, text
    if code not in _REASONS:
        chosen = ", ".join(c.value for c in _REASONS)
        raise ReasonNotChosenByPeople(
            msg(
                "Reason {code} is set by the system, not by hand. Choose one of: {chosen} "
                "(or write the reason in words).",
                code=code.value,
                chosen=chosen,
            )
        )
    return code, ""
