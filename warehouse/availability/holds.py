"""Holds: units of one balance key that may not be sold, picked or reserved (quality hold,
quarantine, damaged, recall, expired).

- place: one ``hold`` posting (held=+n). The ledger refuses it when the key's available
  (on_hand - reserved - held) is short, and nothing is written.
- record: a hold for units another service's posting held as they arrived (a transfer
  receive holds its damaged units in the posting that lands them), with that business
  reference (transfer:TR-000012).
- release: one ``hold_release`` posting (held=-n); the units are available again. Units
  released in a receiving bin get a put-away task (they never had one while held).
- write_off: units of a hold other than expired leave the ledger: one ``adjustment``
  posting (qty=-n, held=-n) with reason ``damaged`` (a damaged hold) or ``write_off``.
- Expired holds are destroyed by `expiry.write_off` (an ``expire`` posting citing a
  destruction reference).

Postings about a hold with a reference carry that reference (so a transfer's movements
show where each of its units went) and name the hold in their note; other holds' postings
carry hold:HLD-000042.

A hold's status and qty_open change only in the same transaction as its posting, by a
guarded UPDATE on a row locked first (hold row, then balances: one lock order).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Select, select, update
from sqlalchemy.orm import joinedload

from warehouse import ledger
from warehouse.availability.models import Hold, HoldReason, HoldStatus
from warehouse.catalog import locations, lots
from warehouse.catalog.models import Bin, BinKind, Location, LocationType, Lot, Product
from warehouse.core import commands
from warehouse.core.columns import utcnow
from warehouse.core.errors import (
    HoldClosed,
    LotNotTracked,
    LotOfAnotherProduct,
    LotRequired,
    NoteTooLong,
    NotFound,
    QuantityOutOfRange,
)
from warehouse.core.extensions import db
from warehouse.core.i18n import Message, msg
from warehouse.inbound import putaway
from warehouse.ledger import stock
from warehouse.ledger.models import MovementType, ReasonCode
from warehouse.ledger.references import check_reference

MAX_QTY = 1_000_000
_holds = Hold.__table__


def number(hold: Hold) -> str:
    """How people and the ledger's reference name a hold: HLD-000042."""
    return f"HLD-{hold.serial:06d}"


def reference_of(hold: Hold) -> tuple[str, str]:
    """The reference a posting about this hold carries: what the units came from when the
    hold has a reference (transfer:TR-000012), else the hold itself."""
    if hold.reference_type:
        return (hold.reference_type, hold.reference_id)
    return ("hold", number(hold))


def _about(hold: Hold, what: str) -> str | None:
    """A posting's note naming the hold, when its reference names something else."""
    return f"{number(hold)} {what}." if hold.reference_type else None


# --- place -------------------------------------------------------------------------------


def place(
    product: Product,
    bin: Bin,
    qty: int,
    reason: HoldReason,
    *,
    lot: Lot | None = None,
    note: str | None = None,
    actor_id: int | None,
    key: str | None = None,
) -> Hold:
    """Put `qty` units of a key on hold, or refuse and write nothing.

    Checks, in order: the quantity (1 to MAX_QTY); the reason; the note's length; the lot
    belongs to the product and is given when it is lot-tracked; the units are available
    (the ledger: InsufficientStock). A form's key makes a double submit return the first
    hold; the same key for another hold is refused."""
    if not isinstance(qty, int) or isinstance(qty, bool) or not 1 <= qty <= MAX_QTY:
        raise QuantityOutOfRange(msg("Hold 1 to {max_qty:,} units.", max_qty=MAX_QTY))
    reason = HoldReason(reason)
    note = (note or "").strip() or None
    if note and len(note) > 500:
        raise NoteTooLong(msg("Keep the note under 500 characters."))
    if lot is not None and lot.product_id != product.id:
        raise LotOfAnotherProduct(msg("Lot {lot} is not a lot of {sku}.", lot=lot.code, sku=product.sku))
    if product.lot_tracked and lot is None:
        raise LotRequired(msg("{sku} is lot-tracked: say which lot to hold.", sku=product.sku))

    def run() -> Hold:
        hold = Hold(
            product_id=product.id,
            location_id=bin.location_id,
            bin_id=bin.id,
            lot_id=lot.id if lot else 0,
            qty=qty,
            qty_open=qty,
            reason=reason,
            note=note,
            status=HoldStatus.ACTIVE,
            created_by=actor_id,
            created_at=utcnow(),
        )
        db.session.add(hold)
        db.session.flush()
        posted = ledger.post(
            MovementType.HOLD,
            [ledger.Line.at(bin, product, lot, held=qty)],
            actor_id=actor_id,
            reference=reference_of(hold),
            note=note,
        )
        hold.posting_id = posted.posting_id
        db.session.flush()
        return hold

    return commands.run(
        "holds.place",
        run,
        key=key,
        actor_id=actor_id,
        request=[product.id, bin.id, lot.id if lot else 0, qty, reason.value, note],
        **commands.by_id(Hold),
    )


def record(
    bin: Bin,
    product_id: int,
    lot_id: int,
    qty: int,
    reason: HoldReason,
    *,
    posting_id: int,
    reference: tuple[str, str],
    note: str | None = None,
    actor_id: int | None,
) -> Hold:
    """A hold for `qty` units that the caller's posting (`posting_id`, in the caller's
    transaction) already put on hold at `bin` as they arrived: the row only, no posting."""
    kind, ident = check_reference(reference)
    hold = Hold(
        product_id=product_id,
        location_id=bin.location_id,
        bin_id=bin.id,
        lot_id=lot_id,
        qty=qty,
        qty_open=qty,
        reason=HoldReason(reason),
        note=note,
        reference_type=kind,
        reference_id=ident,
        status=HoldStatus.ACTIVE,
        created_by=actor_id,
        created_at=utcnow(),
        posting_id=posting_id,
    )
    db.session.add(hold)
    db.session.flush()
    return hold


# --- release, write off and close ---------------------------------------------------------


def release(hold_id: int, *, actor_id: int | None) -> Hold:
    """Give a hold's units back to available: one hold_release posting. Units released in a
    receiving bin get a put-away task, as arriving units do. Units sent for destruction are
    not released: nobody works a destruction location, so they would be stock nobody could
    reach; they are written off there (expiry.write_off, "mark consumed")."""

    def not_for_destruction(hold: Hold) -> None:
        if hold.location.type is LocationType.DESTRUCTION:
            raise HoldClosed(
                msg(
                    "{hold} holds units sent for destruction: mark them consumed (written off), "
                    "they cannot be released.",
                    hold=number(hold),
                )
            )

    def post(hold: Hold) -> ledger.Posted:
        posted = ledger.post(
            MovementType.HOLD_RELEASE,
            [_line(hold, held=-hold.qty_open)],
            actor_id=actor_id,
            reference=reference_of(hold),
            note=_about(hold, "released"),
        )
        if hold.bin.kind is BinKind.RECEIVING:
            putaway.open_task(hold.bin, hold.product_id, hold.lot_id, hold.qty_open)
        return posted

    return close(
        hold_id, HoldStatus.RELEASED, actor_id=actor_id, verb="released", post=post, check=not_for_destruction
    )


def write_off(hold_id: int, *, actor_id: int | None, note: str | None = None, key: str | None = None) -> Hold:
    """The units of a hold leave the ledger (destroyed, scrapped, sent back): one adjustment
    posting taking them off hand and off hold, reason ``damaged`` for a damaged hold, else
    ``write_off``; the hold becomes written_off. Expired holds are written off on the
    expiry page, against a destruction reference (expiry.write_off).

    Checks, in order: the note's length; the hold exists, is active (HoldClosed) and not
    expired. A form's key makes a double submit write off once."""
    note = (note or "").strip() or None
    if note and len(note) > 400:
        raise NoteTooLong(msg("Keep the note under 400 characters."))

    def not_expired(hold: Hold) -> None:
        if hold.reason is HoldReason.EXPIRED:
            raise HoldClosed(
                msg(
                    "{hold} is an expired hold: write it off on the expiry page, with the destruction reference.",
                    hold=number(hold),
                )
            )

    def post(hold: Hold) -> ledger.Posted:
        said = f"{number(hold)} written off" + (f": {note}" if note else "")
        return ledger.post(
            MovementType.ADJUSTMENT,
            [_line(hold, qty=-hold.qty_open, held=-hold.qty_open)],
            actor_id=actor_id,
            reference=reference_of(hold),
            reason=ReasonCode.DAMAGED if hold.reason is HoldReason.DAMAGED else ReasonCode.WRITE_OFF,
            note=said + ".",
        )

    return commands.run(
        "holds.write_off",
        lambda: close(
            hold_id,
            HoldStatus.WRITTEN_OFF,
            actor_id=actor_id,
            verb="written off",
            post=post,
            check=not_expired,
        ),
        key=key,
        actor_id=actor_id,
        request=[hold_id, note],
        **commands.by_id(Hold),
    )


def close(
    hold_id: int,
    status: HoldStatus,
    *,
    actor_id: int | None,
    verb: str,
    post: Callable[[Hold], ledger.Posted],
    check: Callable[[Hold], None] | None = None,
) -> Hold:
    """Close an active hold with `post(hold)` in one transaction (expiry.write_off uses it
    too). A second close of the same hold is refused with HoldClosed."""

    def run() -> Hold:
        hold = db.session.get(Hold, hold_id, with_for_update=True, populate_existing=True)
        if hold is None:
            raise NotFound(msg("No hold #{hold_id}. Reload the holds page.", hold_id=hold_id))
        if hold.status is not HoldStatus.ACTIVE:
            raise HoldClosed(_cannot_be(hold, verb))
        if check:
            check(hold)
        seen = hold.qty_open
        posted = post(hold)
        claimed = db.session.execute(
            update(_holds)
            .where(_holds.c.id == hold.id, _holds.c.status == HoldStatus.ACTIVE, _holds.c.qty_open == seen)
            .values(
                qty_open=0,
                status=status,
                closed_by=actor_id,
                closed_at=utcnow(),
                close_posting_id=posted.posting_id,
            )
        )
        if claimed.rowcount != 1:
            raise HoldClosed(msg("{hold} changed while saving. Reload and try again.", hold=number(hold)))
        return db.session.get(Hold, hold.id, populate_existing=True)

    return ledger.atomically(run)


def _cannot_be(hold: Hold, verb: str) -> Message:
    """Why a closed hold cannot close again: a whole sentence for each way a hold closes,
    so a translator sees the verb in it."""
    said = dict(hold=number(hold), status=hold.status)
    if verb == "released":
        return msg("{hold} is {status} already: it cannot be released.", **said)
    if verb == "written off":
        return msg("{hold} is {status} already: it cannot be written off.", **said)
    if verb == "moved":
        return msg("{hold} is {status} already: it cannot be moved.", **said)
    return msg("{hold} is {status} already: it cannot be {verb}.", verb=verb, **said)


def _line(hold: Hold, **deltas) -> ledger.Line:
    return ledger.Line(hold.product_id, hold.location_id, hold.bin_id, hold.lot_id, **deltas)


# --- reading -----------------------------------------------------------------------------


def get(hold_id: int) -> Hold:
    hold = db.session.get(Hold, hold_id)
    if hold is None:
        raise NotFound(msg("No hold #{hold_id}. Reload the holds page.", hold_id=hold_id))
    return hold


def by_number(text: str) -> Hold:
    """HLD-000042 (as people and postings name it; the digits alone too) to its hold."""
    digits = (text or "").strip().upper().removeprefix("HLD-")
    hold = None
    if digits.isascii() and digits.isdigit() and len(digits) <= 9:
        hold = db.session.scalar(select(Hold).where(Hold.serial == int(digits)))  # per organisation
    if hold is None:
        raise NotFound(msg("No hold {text}. Check the number (HLD-000042).", text=repr(text)))
    return hold


def listing(
    *,
    status: HoldStatus | None = HoldStatus.ACTIVE,
    reason: HoldReason | None = None,
    sku: str | None = None,
    location_code: str | None = None,
    reference: tuple[str, str] | None = None,
    limit: int = 200,
) -> list[Hold]:
    """Holds newest first (active ones by default); `reference` narrows them to what
    came from one business document, e.g. ("transfer", "TR-000012")."""
    chosen = HoldFilter(status, reason, sku, location_code, reference=reference)
    return list(db.session.scalars(chosen.query().limit(limit)))


@dataclass(frozen=True)
class HoldFilter:
    """Which holds a list shows, newest first: the holds page's filters, and the API's
    (which adds the bin and the lot). Codes are matched exactly; None leaves a filter out."""

    status: HoldStatus | None = HoldStatus.ACTIVE
    reason: HoldReason | None = None
    sku: str | None = None
    location_code: str | None = None
    bin_code: str | None = None
    lot_code: str | None = None
    reference: tuple[str, str] | None = None

    def query(self) -> Select:
        query = (
            select(Hold)
            .join(Hold.product)
            .join(Hold.location)
            .options(
                joinedload(Hold.product),
                joinedload(Hold.location),
                joinedload(Hold.bin),
                joinedload(Hold.lot),
            )
            .order_by(Hold.id.desc())
        )
        if self.status is not None:
            query = query.where(Hold.status == self.status)
        if self.reason is not None:
            query = query.where(Hold.reason == self.reason)
        if self.sku:
            query = query.where(Product.sku == self.sku)
        if self.location_code:
            query = query.where(Location.code == self.location_code)
        if self.bin_code:
            query = query.where(Hold.bin_id.in_(select(Bin.id).where(Bin.code == self.bin_code)))
        if self.lot_code:
            query = query.where(Hold.lot_id.in_(select(Lot.id).where(Lot.code == self.lot_code)))
        if self.reference is not None:
            query = query.where(
                Hold.reference_type == self.reference[0], Hold.reference_id == self.reference[1]
            )
        return query


# --- by codes (pages and the API) --------------------------------------------------------


def place_by_codes(
    *,
    sku: str,
    location_code: str,
    bin_code: str,
    qty: int,
    reason: HoldReason,
    lot_code: str = "",
    note: str | None = None,
    actor_id: int | None,
    key: str | None = None,
) -> Hold:
    """`place` with what a person types or scans: SKU or barcode, location, bin, lot."""

    product = stock.product_by_code(sku)
    bin = find_bin(location_code, bin_code)
    lot = None
    if lot_code:
        if not product.lot_tracked:
            raise LotNotTracked(msg("{sku} is not lot-tracked: leave the lot empty.", sku=product.sku))
        lot = lots.existing(product, lot_code)
        if lot is None:
            raise NotFound(msg("No lot {lot} of {sku}. Check the label.", lot=lot_code, sku=product.sku))
    return place(product, bin, qty, reason, lot=lot, note=note, actor_id=actor_id, key=key)


def find_bin(location_code: str, bin_code: str) -> Bin:
    """A bin by its code (or barcode) inside a location."""
    bin = locations.bin_at(location_code, bin_code)
    if bin is None:
        raise NotFound(
            msg("No bin {bin} at {location}. Check the bin label.", bin=bin_code, location=location_code)
        )
    return bin
