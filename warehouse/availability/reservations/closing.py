"""Release and fulfil: a reference's reservations given back or consumed by the sale."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, update

from warehouse import ledger
from warehouse.availability import backorders, expiry
from warehouse.availability.models import Reservation, ReservationStatus
from warehouse.availability.reservations import common
from warehouse.availability.reservations.common import R, check_qty, rows_table
from warehouse.catalog.models import Location, Lot, Product
from warehouse.core import commands
from warehouse.core.columns import utcnow
from warehouse.core.errors import (
    InsufficientStock,
    LotExpired,
    NotFound,
    ReservationChanged,
)
from warehouse.core.extensions import db
from warehouse.core.i18n import msg
from warehouse.core.transactions import RaceLost
from warehouse.ledger.models import MovementType, Posting
from warehouse.ledger.references import check_reference

# --- release and fulfill -----------------------------------------------------------------


@dataclass(frozen=True)
class Closed:
    """What a release or fulfil did: the rows it changed and how many reserved units it
    released or shipped (a replay answers with the first call's rows and units)."""

    posting_id: int
    rows: list[Reservation]
    units: int


def release(
    reference: tuple[str, str],
    *,
    product: Product | None = None,
    location: Location | None = None,
    qty: int | None = None,
    actor_id: int | None,
    key: str | None = None,
    now: datetime | None = None,
) -> Closed:
    """Give back a reference's reserved units (all, or `qty` of them, last reserved
    first); one release posting. The whole reference released (nothing narrowed) is an
    order cancelled: its waiting backorders are cancelled first, so the units given back
    do not serve them again."""
    return _close(reference, "release", product, location, qty, actor_id, key, now)


def fulfill(
    reference: tuple[str, str],
    *,
    product: Product | None = None,
    location: Location | None = None,
    qty: int | None = None,
    actor_id: int | None,
    key: str | None = None,
    now: datetime | None = None,
) -> Closed:
    """The sale: consume a reference's reserved units (and their on-hand), all or `qty`
    of them in FEFO order; one fulfill posting. Refused
    (LotExpired, nothing written) when a row it would ship is of an expired lot."""
    return _close(reference, "fulfill", product, location, qty, actor_id, key, now)


_VERBS = {  # verb: (posting type, status when nothing is left open, order of taking)
    "release": (MovementType.RELEASE, R.RELEASED, "lifo"),
    "fulfill": (MovementType.FULFILL, R.FULFILLED, "fefo"),
}


def _close(reference, verb, product, location, qty, actor_id, key, now) -> Closed:
    """Checks, in order: the reference, the quantity; then, in the write: the key (a
    replay answers with the first call's rows), open rows to take from, enough reserved,
    for a fulfil no expired lot; each row still as read (else the write runs again)."""
    reference = check_reference(reference)
    if qty is not None:
        check_qty(qty, verb.capitalize())
    type, closed, order = _VERBS[verb]
    note = _close_note(verb, product, location, qty)

    whole = verb == "release" and product is None and location is None and qty is None

    def work() -> Closed:
        if whole:
            backorders.cancel(reference, now=now)
        rows = _open_rows(reference, product, location, order)
        takes = _split(rows, qty, reference, verb)
        moment = now or utcnow()
        if verb == "fulfill":
            _refuse_expired_lots(takes, moment.date(), reference)
        for row, n in takes:
            _take(
                row,
                n,
                closed if n == row.qty_open else R.ACTIVE,
                moment,
                fulfilled=n if verb == "fulfill" else 0,
            )
        lines = _lines(takes, consume=verb == "fulfill")
        posted = common.post(verb, type, lines, key=key, actor_id=actor_id, reference=reference, note=note)
        return Closed(
            posted.posting_id, _fresh([row.id for row, _n in takes]), units=sum(n for _row, n in takes)
        )

    return commands.run(
        f"reservations.{verb}",
        work,
        key=key,
        actor_id=actor_id,
        request=[list(reference), product and product.id, location and location.id, qty],
        remember=lambda done: {"posting_id": done.posting_id},
        recall=lambda stored: _touched_by(stored["posting_id"], reference),
    )


def _close_note(verb, product, location, qty) -> str:
    """The request as asked, kept as the posting's note."""
    what = (f"{qty}" if qty is not None else "all") + (f" {product.sku}" if product else "")
    where = f" at {location.code}" if location else ""
    return f"{verb.capitalize()} {what} reserved{where}."[:500]


def _refuse_expired_lots(takes, today: date, reference) -> None:
    """An expired lot is never sold, even one reserved before it expired."""
    lots = {
        lot.id: lot
        for lot in db.session.scalars(select(Lot).where(Lot.id.in_({row.lot_id for row, _n in takes})))
    }
    for row, _n in takes:
        lot = lots.get(row.lot_id)
        if expiry.is_expired(lot, today):
            sku = db.session.get(Product, row.product_id).sku
            named = f"{reference[0]}:{reference[1]}"
            raise LotExpired(
                msg(
                    "Lot {lot} of {sku} expired on {expiry}: it cannot be shipped. "
                    "Release {reference} and write the lot off, then reserve another lot.",
                    lot=lot.code,
                    sku=sku,
                    expiry=lot.expiry_date,
                    reference=named,
                )
            )


def _open_rows(reference, product, location, order: str) -> list[Reservation]:
    """Active rows of a reference, locked (PostgreSQL) in id order: the lock order every
    writer of reservation rows uses."""
    query = (
        select(Reservation)
        .where(
            Reservation.reference_type == reference[0],
            Reservation.reference_id == reference[1],
            Reservation.status == R.ACTIVE,
        )
        .order_by(Reservation.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if product is not None:
        query = query.where(Reservation.product_id == product.id)
    if location is not None:
        query = query.where(Reservation.location_id == location.id)
    rows = list(db.session.scalars(query))
    if order == "lifo":
        return rows[::-1]
    expiries = {
        lot.id: lot.expiry_date
        for lot in db.session.scalars(select(Lot).where(Lot.id.in_({r.lot_id for r in rows})))
    }
    return sorted(
        rows, key=lambda r: (expiries.get(r.lot_id) is None, expiries.get(r.lot_id) or date.max, r.id)
    )


def _split(rows, qty, reference, verb) -> list[tuple[Reservation, int]]:
    what = f"{reference[0]}:{reference[1]}"
    if not rows:
        raise NotFound(
            msg(
                "No active reservation for {reference}: nothing to release. "
                "It may have expired, been released or been fulfilled already.",
                reference=what,
            )
            if verb == "release"
            else msg(
                "No active reservation for {reference}: nothing to fulfill. "
                "It may have expired, been released or been fulfilled already.",
                reference=what,
            )
        )
    open_total = sum(r.qty_open for r in rows)
    wanted = open_total if qty is None else qty
    if wanted > open_total:
        said = dict(reference=what, reserved=open_total, wanted=wanted)
        raise InsufficientStock(
            msg(
                "Only {reserved} reserved for {reference}: release at most {reserved}, requested {wanted}.",
                **said,
            )
            if verb == "release"
            else msg(
                "Only {reserved} reserved for {reference}: fulfill at most {reserved}, requested {wanted}.",
                **said,
            )
        )
    takes = []
    for row in rows:
        n = min(row.qty_open, wanted)
        if n:
            takes.append((row, n))
            wanted -= n
    return takes


def _take(row: Reservation, n: int, status: ReservationStatus, now: datetime, *, fulfilled: int = 0) -> None:
    """Guarded UPDATE of one row: matches only while it is still active with the qty_open
    we read. Raises RaceLost when another writer got there first."""
    if not take_row(row.id, row.qty_open, n, status, now, fulfilled=fulfilled):
        raise RaceLost(ReservationChanged(msg("The reservation changed while saving. Reload and try again.")))


def take_row(
    row_id: int,
    seen: int,
    n: int,
    status: ReservationStatus,
    now: datetime,
    *,
    fulfilled: int = 0,
    due_by: datetime | None = None,
) -> bool:
    """The guarded UPDATE itself; True when it matched (the sweeper calls it too)."""
    statement = (
        update(rows_table)
        .where(rows_table.c.id == row_id, rows_table.c.status == R.ACTIVE, rows_table.c.qty_open == seen)
        .values(
            qty_open=seen - n,
            qty_fulfilled=rows_table.c.qty_fulfilled + fulfilled,
            status=status,
            closed_at=None if status is R.ACTIVE else now,
        )
    )
    if due_by is not None:  # the sweeper: only while the TTL has really passed
        statement = statement.where(rows_table.c.expires_at <= due_by)
    return db.session.execute(statement).rowcount == 1


def _lines(takes, *, consume: bool) -> list[ledger.Line]:
    per_key: dict[tuple, int] = defaultdict(int)
    for row, n in takes:
        per_key[(row.product_id, row.location_id, row.bin_id, row.lot_id)] += n
    return [ledger.Line(*k, qty=-n if consume else 0, reserved=-n) for k, n in per_key.items()]


def _fresh(ids) -> list[Reservation]:
    return list(
        db.session.scalars(
            select(Reservation)
            .where(Reservation.id.in_(ids))
            .order_by(Reservation.id)
            .execution_options(populate_existing=True)
        )
    )


def _touched_by(posting_id: int, reference) -> Closed:
    """An earlier release/fulfil posting as its replay answer: the reference's rows at the
    keys it moved (rows record only their reserve posting) and the units it moved."""
    movements = db.session.get(Posting, posting_id).movements
    keys = {(m.product_id, m.bin_id, m.lot_id) for m in movements}
    rows = db.session.scalars(
        select(Reservation)
        .where(Reservation.reference_type == reference[0], Reservation.reference_id == reference[1])
        .order_by(Reservation.id)
        .execution_options(populate_existing=True)
    )
    return Closed(
        posting_id,
        [r for r in rows if (r.product_id, r.bin_id, r.lot_id) in keys],
        units=-sum(m.reserved_delta for m in movements),
    )
