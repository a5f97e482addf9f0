"""Returns: stock coming back from a customer, into the returns location by default."""

from __future__ import annotations

from dataclasses import dataclass

from warehouse import ledger
from warehouse.availability.reservations import common
from warehouse.availability.reservations.common import RETURNS_LOCATION, check_qty
from warehouse.catalog import locations
from warehouse.catalog.models import Bin, BinKind, Location, LocationType, Lot, Product
from warehouse.core import commands
from warehouse.core.errors import (
    BinNotAtLocation,
    DomainError,
    LotOfAnotherProduct,
    LotRequired,
    NoteTooLong,
)
from warehouse.core.i18n import msg
from warehouse.inbound import putaway
from warehouse.ledger.models import MovementType
from warehouse.ledger.references import check_reference

# --- returns -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Returned:
    posting_id: int
    bin: Bin
    lot: Lot | None
    qty: int
    replayed: bool = False  # True: the key's first call did this; nothing was written now


def return_stock(
    product: Product,
    qty: int,
    reference: tuple[str, str],
    reason: str,
    *,
    location: Location | None = None,
    bin: Bin | None = None,
    lot: Lot | None = None,
    actor_id: int | None,
    key: str | None = None,
) -> Returned:
    """Units coming back (a customer return): one return posting adding on-hand, into the
    `returns` location's first bin unless a location or bin is given. `reason` is free
    text kept as the posting's note."""
    check_qty(qty, "Return")
    reference = check_reference(reference)
    reason = (reason or "").strip()
    if not reason or len(reason) > 500:
        raise NoteTooLong(msg("Say why the stock came back (1-500 characters)."))
    if lot is not None and lot.product_id != product.id:
        raise LotOfAnotherProduct(msg("Lot {lot} is not a lot of {sku}.", lot=lot.code, sku=product.sku))
    if product.lot_tracked and lot is None:
        raise LotRequired(msg("{sku} is lot-tracked: say which lot came back.", sku=product.sku))
    target = bin or _returns_bin(location)
    if location is not None and target.location_id != location.id:
        raise BinNotAtLocation(
            msg("Bin {bin} is not at {location}.", bin=target.code, location=location.code)
        )
    line = ledger.Line.at(target, product, lot, qty=qty)

    def work() -> ledger.Posted:
        posted = common.post(
            "return",
            MovementType.RETURN,
            [line],
            key=key,
            actor_id=actor_id,
            reference=reference,
            note=reason,
        )
        # Returned into a warehouse's receiving bin: someone must put it away, as with a
        # delivery. In the `returns` location it waits for inspection instead.
        if target.kind is BinKind.RECEIVING and target.location.type is not LocationType.RETURNS:
            putaway.open_task(target, product.id, line.lot_id, qty)
        return posted

    posting_id, replayed = commands.run(
        "reservations.return",
        lambda: (work().posting_id, False),
        key=key,
        actor_id=actor_id,
        request=[product.id, qty, list(reference), reason, target.id, line.lot_id],
        remember=lambda done: {"posting_id": done[0]},
        recall=lambda stored: (stored["posting_id"], True),
    )
    return Returned(posting_id, target, lot, qty, replayed)


def _returns_bin(location: Location | None) -> Bin:
    """Where returns land: the given location's (else the `returns` location's) receiving
    bin, else its first bin by code."""
    if location is None:
        location = locations.by_code(RETURNS_LOCATION)
        if location is None:
            raise DomainError(
                msg(
                    "There is no '{location}' location to return stock into. Ask an admin to add one, "
                    "or name a location.",
                    location=RETURNS_LOCATION,
                )
            )
    bins = sorted((b for b in location.bins if b.active), key=lambda b: (b.kind.value != "receiving", b.code))
    if not bins:
        raise DomainError(msg("{location} has no active bin to return stock into.", location=location.code))
    return bins[0]
