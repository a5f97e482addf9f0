"""Lots and expiry: FEFO ordering, the "expiring soon" and "expired" lists, marking an
expired lot key as held, sending expired holds to destruction and writing them off.

A lot is expired once its expiry date has passed: it is still good ON its expiry date
(the date printed is the last day of use). Expired units are never reserved nor allocated
to a transfer (both filter with `unexpired`); they stay on hand until a supervisor marks
them expired (hold, reason expired) and writes them off (an ``expire`` posting citing the
destruction reference). Where destruction happens elsewhere, the units first move to a
location of type destruction (`to_destruction`: one ``expire`` posting, held on both
sides, with the destruction order as reference) and are written off there once destroyed:
at every step the ledger names where each unit is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import contains_eager, joinedload

from warehouse import ledger
from warehouse.availability import holds
from warehouse.availability.models import Hold, HoldReason, HoldStatus
from warehouse.catalog import locations
from warehouse.catalog.models import Bin, BinKind, Location, LocationType, Lot, Product
from warehouse.core import commands
from warehouse.core.columns import utcnow
from warehouse.core.errors import (
    AlreadyAtDestruction,
    DaysOutOfRange,
    LotOfAnotherProduct,
    NotADestructionLocation,
    NotAnExpiredHold,
    NotExpired,
    NotFound,
    ReferenceMalformed,
    SetupMissing,
)
from warehouse.core.extensions import db
from warehouse.core.i18n import msg
from warehouse.ledger.models import Balance, MovementType
from warehouse.ledger.references import check_reference

MAX_DAYS = 3650


def today_utc() -> date:
    return utcnow().date()


def is_expired(lot: Lot | None, today: date | None = None) -> bool:
    return bool(lot and lot.expiry_date and lot.expiry_date < (today or today_utc()))


# --- FEFO --------------------------------------------------------------------------------


def unexpired(today: date | None = None):
    """SQL condition on Lot: undated, or not past its expiry date. Reservations and transfer
    allocation both filter with it, so expired units are never promised."""
    today = today or today_utc()
    return or_(Lot.expiry_date.is_(None), Lot.expiry_date >= today)


def fefo_order() -> tuple:
    """The order stock is taken in, everywhere it is suggested (reservations, transfer
    allocation): earliest lot expiry first, undated last; then the bin with the most
    available; then bin code. Needs Balance joined to Lot and Bin."""
    free = Balance.available
    return (Lot.expiry_date.is_(None), Lot.expiry_date, free.desc(), Bin.code)


def fefo_candidates(
    product_id: int,
    location_id: int,
    *,
    today: date | None = None,
    bin_id: int | None = None,
    lot_id: int | None = None,
) -> list[Balance]:
    """Keys of a product at a location with units free to promise, in the order stock
    should be taken: earliest lot expiry first (undated last), then the bin with the most
    available, then bin code. Expired lots are left out. Receiving bins are left out (goods
    still arriving, the same rule as transfers) unless `bin_id` names one."""
    today = today or today_utc()
    free = Balance.available
    # "location_id + 0": without statistics SQLite would walk the location's index (every
    # balance of the location); the key index, which starts with product_id, is the
    # selective one on both engines (docs/performance.md).
    query = (
        select(Balance)
        .join(Balance.bin)
        .join(Balance.lot)
        .options(contains_eager(Balance.bin), contains_eager(Balance.lot))
        .where(
            Balance.product_id == product_id,
            Balance.location_id + 0 == location_id,
            free > 0,
            unexpired(today),
        )
        .order_by(*fefo_order())
        # Fresh figures: a posting earlier in the same transaction (a lapsed reservation
        # released, units received) changed them with SQL the session did not see.
        .execution_options(populate_existing=True)
    )
    if bin_id is not None:
        query = query.where(Balance.bin_id == bin_id)
    else:
        query = query.where(Bin.kind != BinKind.RECEIVING)
    if lot_id is not None:
        query = query.where(Balance.lot_id == lot_id)
    return list(db.session.scalars(query))


# --- lists -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LotStock:
    """One dated lot in one bin, with its stock."""

    product: Product
    lot: Lot
    location: Location
    bin: Bin
    on_hand: int
    reserved: int
    held: int

    @property
    def sku(self) -> str:
        return self.product.sku

    @property
    def expiry(self) -> date:
        return self.lot.expiry_date

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved - self.held

    def days_left(self, today: date | None = None) -> int:
        return (self.lot.expiry_date - (today or today_utc())).days


def expiring(
    within_days: int, location_id: int | None = None, *, today: date | None = None
) -> list[LotStock]:
    """Lots with stock that expire from today up to `within_days` days ahead, soonest first."""
    if not isinstance(within_days, int) or not 0 <= within_days <= MAX_DAYS:
        raise DaysOutOfRange(msg("Days ahead must be 0 to {max_days}.", max_days=MAX_DAYS))
    today = today or today_utc()
    return _dated_stock(
        Lot.expiry_date >= today,
        Lot.expiry_date <= today + timedelta(days=within_days),
        location_id=location_id,
    )


def expired(today: date | None = None, location_id: int | None = None) -> list[LotStock]:
    """Lots with stock whose expiry date has passed, oldest first (held ones included:
    they still wait to be written off)."""
    return _dated_stock(Lot.expiry_date < (today or today_utc()), location_id=location_id)


def expired_query(
    *, location_id: int | None = None, product_id: int | None = None, today: date | None = None
) -> Select:
    """Balances (with their product, lot, location and bin) of lots past their expiry date
    with units on hand, oldest expiry first: what `expired` lists, for a caller that pages
    (the API). Held units are included: they wait to be written off."""
    query = _dated_query(Lot.expiry_date < (today or today_utc()), location_id=location_id)
    if product_id is not None:
        query = query.where(Balance.product_id == product_id)
    return query


def lot_stock(balance: Balance) -> LotStock:
    return LotStock(
        balance.product,
        balance.lot,
        balance.location,
        balance.bin,
        balance.on_hand,
        balance.reserved,
        balance.held,
    )


def _dated_stock(*conditions, location_id: int | None) -> list[LotStock]:
    return [
        lot_stock(b)
        for b in db.session.scalars(_dated_query(*conditions, location_id=location_id).limit(500))
    ]


def _dated_query(*conditions, location_id: int | None) -> Select:
    query = (
        select(Balance)
        .join(Lot, Lot.id == Balance.lot_id)
        .join(Bin, Bin.id == Balance.bin_id)
        .join(Product, Product.id == Balance.product_id)
        .options(
            joinedload(Balance.product),
            joinedload(Balance.lot),
            joinedload(Balance.location),
            joinedload(Balance.bin),
        )
        .where(Balance.on_hand > 0, Lot.expiry_date.is_not(None), *conditions)
        .order_by(Lot.expiry_date, Product.sku, Balance.location_id, Bin.code, Balance.id)
    )
    if location_id is not None:
        query = query.where(Balance.location_id == location_id)
    return query


# --- mark expired and write off ----------------------------------------------------------


def mark_expired_by_ids(
    product_id: int, bin_id: int, lot_id: int, *, actor_id: int | None, key: str | None = None
) -> Hold:
    """mark_expired for a row of the expiry list (a form carries ids)."""
    product, bin, lot = (
        db.session.get(Product, product_id),
        db.session.get(Bin, bin_id),
        db.session.get(Lot, lot_id),
    )
    if product is None or bin is None or lot is None:
        raise NotFound(msg("That lot is not in that bin any more. Reload the page."))
    return mark_expired(product, bin, lot, actor_id=actor_id, key=key)


def mark_expired(
    product: Product,
    bin: Bin,
    lot: Lot,
    *,
    actor_id: int | None,
    key: str | None = None,
    today: date | None = None,
) -> Hold:
    """Put every available unit of an expired lot in a bin on hold (reason expired). Units
    reserved for someone stay reserved: release or fulfil those first."""
    if lot is None or lot.product_id != product.id:
        raise LotOfAnotherProduct(msg("Choose a lot of {sku}.", sku=product.sku))
    if not is_expired(lot, today):
        raise NotExpired(
            msg(
                "Lot {lot} of {sku} has not expired (expires {expiry}).",
                lot=lot.code,
                sku=product.sku,
                expiry=lot.expiry_date,
            )
            if lot.expiry_date
            else msg("Lot {lot} of {sku} has not expired (expires never).", lot=lot.code, sku=product.sku)
        )

    def run() -> Hold:
        on_hand, reserved, held = ledger.balance(product.id, bin.id, lot.id)
        free = on_hand - reserved - held
        if free <= 0:
            raise NotExpired(
                msg(
                    "Nothing to mark at {bin}: lot {lot} of {sku} has {held} held and {reserved} reserved, "
                    "none available.",
                    bin=bin.code,
                    lot=lot.code,
                    sku=product.sku,
                    held=held,
                    reserved=reserved,
                )
            )
        return holds.place(
            product,
            bin,
            free,
            HoldReason.EXPIRED,
            lot=lot,
            actor_id=actor_id,
            note=f"Lot expired on {lot.expiry_date.isoformat()}.",
        )

    return commands.run(
        "expiry.mark_expired",
        run,
        key=key,
        actor_id=actor_id,
        request=[product.id, bin.id, lot.id],
        **commands.by_id(Hold),
    )


def write_off(hold_id: int, *, actor_id: int | None, reference: tuple[str, str] | None = None) -> Hold:
    """Destroy the units of an expired hold: one expire posting (qty=-n, held=-n) carrying
    `reference` (e.g. ("destruction", "CERT-981")); the hold becomes written_off. Without a
    reference, the hold's own (the destruction order it was sent to destruction under)."""
    if reference is not None:
        reference = check_reference(reference)

    def expired_only(hold: Hold) -> None:
        if hold.reason is not HoldReason.EXPIRED:
            raise NotAnExpiredHold(
                msg(
                    "{hold} is a {reason} hold: only expired holds are written off here. Use a stock adjustment.",
                    hold=holds.number(hold),
                    reason=hold.reason,
                )
            )
        if reference is None and not hold.reference_type:
            raise ReferenceMalformed(
                msg(
                    "Say which destruction certificate or order destroyed {hold}, "
                    "as type:id (e.g. destruction:CERT-981).",
                    hold=holds.number(hold),
                )
            )

    return holds.close(
        hold_id,
        HoldStatus.WRITTEN_OFF,
        actor_id=actor_id,
        verb="written off",
        check=expired_only,
        post=lambda hold: ledger.post(
            MovementType.EXPIRE,
            [
                ledger.Line(
                    hold.product_id,
                    hold.location_id,
                    hold.bin_id,
                    hold.lot_id,
                    qty=-hold.qty_open,
                    held=-hold.qty_open,
                )
            ],
            actor_id=actor_id,
            reference=reference or holds.reference_of(hold),
            note=f"Written off from {holds.number(hold)}.",
        ),
    )


# --- to destruction ----------------------------------------------------------------------


@dataclass(frozen=True)
class SentToDestruction:
    source: Hold  # the expired hold the units left (status moved)
    hold: Hold  # the new expired hold at the destruction location
    posting_id: int


def to_destruction(
    hold_id: int, location: Location, *, reference: tuple[str, str], actor_id: int | None
) -> SentToDestruction:
    """Move an expired hold's units into a destruction location, where they wait, held,
    until they are destroyed: one expire posting carrying `reference` (the destruction
    order or certificate), out of the hold's bin and off hold, into the destruction
    location's bin and on hold. The hold closes as moved; a new expired hold there, with
    that reference, is what `write_off` destroys.

    Checks, in order: the reference; the location is an active destruction location with a
    bin; the hold exists and is active (HoldClosed), expired (NotAnExpiredHold) and not at a
    destruction location already (AlreadyAtDestruction)."""
    reference = check_reference(reference)
    into = destruction_bin(location)
    made: dict[str, Hold] = {}

    def expired_elsewhere(hold: Hold) -> None:
        if hold.reason is not HoldReason.EXPIRED:
            raise NotAnExpiredHold(
                msg(
                    "{hold} is a {reason} hold: only expired holds go to destruction.",
                    hold=holds.number(hold),
                    reason=hold.reason,
                )
            )
        if hold.location.type is LocationType.DESTRUCTION:
            raise AlreadyAtDestruction(
                msg(
                    "{hold} is at {location} already: write it off once destroyed.",
                    hold=holds.number(hold),
                    location=hold.location.code,
                )
            )

    def post(hold: Hold) -> ledger.Posted:
        units = hold.qty_open
        posted = ledger.post(
            MovementType.EXPIRE,
            [
                ledger.Line(
                    hold.product_id, hold.location_id, hold.bin_id, hold.lot_id, qty=-units, held=-units
                ),
                ledger.Line(hold.product_id, into.location_id, into.id, hold.lot_id, qty=units, held=units),
            ],
            actor_id=actor_id,
            reference=reference,
            note=f"{holds.number(hold)} sent to destruction at {location.code}.",
        )
        made["hold"] = holds.record(
            into,
            hold.product_id,
            hold.lot_id,
            units,
            HoldReason.EXPIRED,
            posting_id=posted.posting_id,
            reference=reference,
            note=f"From {holds.number(hold)} at {hold.location.code} {hold.bin.code}.",
            actor_id=actor_id,
        )
        return posted

    source = holds.close(
        hold_id, HoldStatus.MOVED, actor_id=actor_id, verb="moved", post=post, check=expired_elsewhere
    )
    return SentToDestruction(source, made["hold"], source.close_posting_id)


def destruction_location(code: str | None = None) -> Location:
    """The destruction location with this code, or without one the organisation's only
    active destruction location."""
    if code:
        location = locations.require(code)
        destruction_bin(location)  # refused here when it is not one
        return location
    found = list(
        db.session.scalars(
            select(Location)
            .where(Location.type == LocationType.DESTRUCTION, Location.active.is_(True))
            .order_by(Location.code)
            .limit(2)
        )
    )
    if len(found) != 1:
        raise NotADestructionLocation(
            msg("Name the destruction location: there are several.")
            if found
            else msg("There is no destruction location: an admin adds a location of type destruction first.")
        )
    return found[0]


def destruction_bin(location: Location) -> Bin:
    """The bin expired units land in at a destruction location (its first active bin)."""
    if location.type is not LocationType.DESTRUCTION or not location.active:
        raise NotADestructionLocation(
            msg(
                "{location} is not an active destruction location. Name a location of type "
                "destruction (an admin adds one under Setup, Locations).",
                location=location.code,
            )
        )
    into = db.session.scalar(
        select(Bin).where(Bin.location_id == location.id, Bin.active.is_(True)).order_by(Bin.code).limit(1)
    )
    if into is None:
        raise SetupMissing(
            msg(
                "{location} has no active bin to hold expired units. Add one under Setup.",
                location=location.code,
            )
        )
    return into


def expired_holds(location_id: int | None = None) -> list[Hold]:
    """Active holds with reason expired: what waits to be written off."""
    query = (
        select(Hold)
        .options(
            joinedload(Hold.product), joinedload(Hold.lot), joinedload(Hold.bin), joinedload(Hold.location)
        )
        .where(Hold.status == HoldStatus.ACTIVE, Hold.reason == HoldReason.EXPIRED)
        .order_by(Hold.id)
    )
    if location_id is not None:
        query = query.where(Hold.location_id == location_id)
    return list(db.session.scalars(query))
