"""Lot control: may this lot of this SKU be used (here)? One answer with a verdict and every
reason, for an integration that asks before it books, picks or ships a lot (the API's
`/api/lot-control/validate`). It only reads.

The rules, in the order the reasons are listed, each with a stable code:

- `lot_required` (error): the SKU is lot-tracked and no lot was named;
- `lot_not_tracked` (error): a lot was named for a SKU that is not lot-tracked;
- `lot_unknown` (error): the SKU has no lot with that code;
- `lot_expired` (error): the lot's expiry date has passed (it is good ON its date, as
  `expiry.is_expired` says);
- `lot_held` (error when none of the lot is free where asked, else a warning): units of
  the lot are on an active hold where asked (the location and bin, when named). When the
  caller may not see the figures of a bin they sum (`blind_bins`, a count in progress),
  it is a warning either way: which one would say whether any of it is free.

The verdict is `refused` with any error, `warning` with warnings only, else `ok`. The
messages carry no quantities (the figures are fields the door may withhold: a bin being
counted, warehouse/counts/blind.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from warehouse.availability import expiry, holds
from warehouse.availability.models import Hold, HoldStatus
from warehouse.catalog import lots
from warehouse.catalog.models import NO_LOT, Bin, Location, Lot, Product
from warehouse.core.extensions import db
from warehouse.ledger.models import Balance

ERROR, WARNING = "error", "warning"


@dataclass(frozen=True)
class Reason:
    code: str
    severity: str  # ERROR or WARNING
    message: str


@dataclass(frozen=True)
class LotCheck:
    """What was asked, what was found, the lot's stock where asked, and the reasons."""

    product: Product
    lot_code: str | None  # as asked ("" or None: no lot named)
    lot: Lot | None  # the lot found
    location: Location | None
    bin: Bin | None
    on_hand: int = 0
    reserved: int = 0
    held: int = 0
    bin_ids: frozenset[int] = frozenset()  # the bins the figures sum
    holds: list[Hold] = field(default_factory=list)  # active holds of the lot where asked
    reasons: list[Reason] = field(default_factory=list)

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved - self.held

    @property
    def verdict(self) -> str:
        severities = {r.severity for r in self.reasons}
        return "refused" if ERROR in severities else "warning" if severities else "ok"

    @property
    def expired(self) -> bool | None:
        return expiry.is_expired(self.lot) if self.lot else None


def check(
    product: Product,
    lot_code: str | None,
    *,
    location: Location | None = None,
    bin: Bin | None = None,
    today: date | None = None,
    blind_bins: frozenset[int] = frozenset(),
) -> LotCheck:
    """The answer for a SKU and a lot code (or none), at a location or bin (or anywhere).
    `blind_bins`: bins whose figures the caller may not learn (see `lot_held`)."""
    code = (lot_code or "").strip()
    lot = lots.existing(product, code) if code and product.lot_tracked else None
    asked = dict(product=product, lot_code=code or None, lot=lot, location=location, bin=bin)
    first = _naming(product, code, lot)
    if first is not None:
        return LotCheck(**asked, reasons=[first])
    found = LotCheck(**asked, **_stock(product.id, lot.id if lot else NO_LOT, location, bin))
    reasons = []
    if lot is not None and expiry.is_expired(lot, today):
        reasons.append(
            Reason(
                "lot_expired",
                ERROR,
                f"Lot {lot.code} of {product.sku} expired on {lot.expiry_date.isoformat()}: "
                "it may not be sold, picked or reserved. Mark it expired and write it off.",
            )
        )
    if lot is not None and found.held > 0:
        reasons.append(_held(found, blind=bool(found.bin_ids & blind_bins)))
    return replace(found, reasons=reasons)


def _naming(product: Product, code: str, lot: Lot | None) -> Reason | None:
    """The reason the lot named (or not named) cannot be checked further, if any."""
    if product.lot_tracked and not code:
        return Reason("lot_required", ERROR, f"{product.sku} is lot-tracked: name the lot (scan its label).")
    if code and not product.lot_tracked:
        return Reason("lot_not_tracked", ERROR, f"{product.sku} is not lot-tracked: leave the lot out.")
    if code and lot is None:
        return Reason("lot_unknown", ERROR, f"{product.sku} has no lot {code}. Check the label.")
    return None


def _stock(product_id: int, lot_id: int, location: Location | None, bin: Bin | None) -> dict:
    """The key's figures summed where asked, the bins summed, and its active holds there."""
    where = [Balance.product_id == product_id, Balance.lot_id == lot_id]
    held_where = [Hold.product_id == product_id, Hold.lot_id == lot_id, Hold.status == HoldStatus.ACTIVE]
    if location is not None:
        where.append(Balance.location_id == location.id)
        held_where.append(Hold.location_id == location.id)
    if bin is not None:
        where.append(Balance.bin_id == bin.id)
        held_where.append(Hold.bin_id == bin.id)
    rows = db.session.execute(
        select(Balance.bin_id, Balance.on_hand, Balance.reserved, Balance.held).where(*where)
    ).all()
    active = db.session.scalars(
        select(Hold)
        .options(joinedload(Hold.location), joinedload(Hold.bin))
        .where(*held_where)
        .order_by(Hold.id)
    )
    return dict(
        on_hand=sum(r.on_hand for r in rows),
        reserved=sum(r.reserved for r in rows),
        held=sum(r.held for r in rows),
        bin_ids=frozenset(r.bin_id for r in rows),
        holds=list(active),
    )


def _held(found: LotCheck, *, blind: bool = False) -> Reason:
    named = ", ".join(f"{holds.number(h)} ({h.reason.value})" for h in found.holds) or "a hold"
    where = f" at {found.location.code}" if found.location else ""
    if blind:
        return Reason(
            "lot_held",
            WARNING,
            f"Lot {found.lot.code} of {found.product.sku}{where} is on hold ({named}) and a bin of it is "
            "being counted: use only units that are not held, and ask a supervisor if in doubt.",
        )
    if found.available > 0:
        return Reason(
            "lot_held",
            WARNING,
            f"Part of lot {found.lot.code} of {found.product.sku}{where} is on hold ({named}): "
            "use only units that are not held.",
        )
    return Reason(
        "lot_held",
        ERROR,
        f"Lot {found.lot.code} of {found.product.sku}{where} is on hold ({named}) and none of it is "
        "free. Wait for a supervisor to release the hold, or use another lot.",
    )
