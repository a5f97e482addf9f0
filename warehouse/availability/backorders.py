"""Backorders: units ordered beyond what was available, of a product that allows them,
waiting in a queue per SKU x location, first come first served (by id).

A promise (reservations/reserving.py) reserves what it can and queues the rest here.
Whenever a posting frees units at a place with a queue (a receipt, a transfer in, a
return, a count gain, a release, a put-away), `on_posting` (registered with
`ledger.after_posting`) hands them to the queue in that posting's transaction: each
backorder served becomes a normal reservation (no expiry: the order is placed) under its
own reference, in a `reserve` posting, and a `stock.backorder_allocated` event is
published. Units that arrived in a receiving bin are reserved there (they are the
arrival); put-away carries reserved units along (inbound/putaway.py) and this module
moves their reservation rows with them (`follow_putaway`).

The queue ignores channel buffers and shares: those limit new promises, and a backorder
was promised when it was taken. A replayed posting runs no listener, so a replayed
receipt allocates nothing twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import func, select, update

from warehouse import ledger
from warehouse.availability import atp, expiry
from warehouse.availability.models import Backorder, BackorderStatus, Channel, Reservation, ReservationStatus
from warehouse.catalog.models import Location, Lot, Product
from warehouse.core.columns import utcnow
from warehouse.core.errors import Conflict
from warehouse.core.extensions import db
from warehouse.core.i18n import msg
from warehouse.core.transactions import RaceLost
from warehouse.integrations import events
from warehouse.ledger.models import Balance, MovementType

B = BackorderStatus


def queue(
    product: Product,
    location: Location,
    qty: int,
    reference: tuple[str, str],
    *,
    channel: Channel | None,
    actor_id: int | None,
    at: datetime,
    posting_id: int | None = None,
) -> Backorder:
    """Put `qty` units in the location's queue for the product (inside a promise whose
    reserve posting, if it reserved some, is `posting_id`)."""
    row = Backorder(
        reference_type=reference[0],
        reference_id=reference[1],
        product=product,
        location=location,
        channel_id=channel.id if channel is not None else None,
        qty=qty,
        qty_open=qty,
        status=B.ON_BACKORDER,
        user_id=actor_id,
        posting_id=posting_id,
        created_at=at,
    )
    db.session.add(row)
    db.session.flush()
    return row


def by_ids(ids: Iterable[int]) -> list[Backorder]:
    ids = list(ids)
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(Backorder)
            .where(Backorder.id.in_(ids))
            .order_by(Backorder.id)
            .execution_options(populate_existing=True)
        )
    )


def of_reference(reference: tuple[str, str]) -> list[Backorder]:
    """A reference's backorders, oldest first, every status."""
    return list(
        db.session.scalars(
            select(Backorder)
            .where(Backorder.reference_type == reference[0], Backorder.reference_id == reference[1])
            .order_by(Backorder.id)
            .execution_options(populate_existing=True)
        )
    )


def position(backorder: Backorder) -> int | None:
    """Its place in the queue (1: served next), or None when it is not waiting."""
    if backorder.status is not B.ON_BACKORDER:
        return None
    ahead = db.session.scalar(
        select(func.count())
        .select_from(Backorder)
        .where(
            Backorder.product_id == backorder.product_id,
            Backorder.location_id == backorder.location_id,
            Backorder.status == B.ON_BACKORDER,
            Backorder.id < backorder.id,
        )
    )
    return int(ahead) + 1


def cancel(reference: tuple[str, str], *, now: datetime | None = None) -> list[Backorder]:
    """Take a reference's waiting backorders out of the queue (the order was cancelled);
    the ones cancelled. Runs in the caller's transaction or one of its own."""

    def work() -> list[Backorder]:
        moment = now or utcnow()
        waiting = [b for b in of_reference(reference) if b.status is B.ON_BACKORDER]
        for row in waiting:
            _take(row, row.qty_open, moment, status=B.CANCELLED)
        return by_ids(b.id for b in waiting)

    return ledger.atomically(work)


# --- serving the queue -------------------------------------------------------------------


def serve_waiting() -> int:
    """Serve every queue that has units free at its place (the sweeper runs this): a
    backorder queued at the same moment as an arrival that could not see it yet is served
    here at the latest. How many backorders were served, each place in its own transaction."""
    places = db.session.execute(
        select(Backorder.product_id, Backorder.location_id)
        .where(Backorder.status == B.ON_BACKORDER)
        .distinct()
    ).all()
    db.session.rollback()
    served = 0
    for product_id, location_id in sorted(places):
        served += len(ledger.atomically(fill_queue, product_id, location_id))
    return served


def on_posting(made: ledger.PostingMade) -> None:
    """After every posting: serve the queues of the places where it freed units."""
    arrived: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for line in made.lines:
        if line.qty - line.reserved - line.held > 0:
            arrived.setdefault((line.product_id, line.location_id), []).append((line.bin_id, line.lot_id))
    if not arrived:
        return
    queued = set(
        db.session.execute(
            select(Backorder.product_id, Backorder.location_id)
            .where(Backorder.product_id.in_({p for p, _ in arrived}), Backorder.status == B.ON_BACKORDER)
            .distinct()
        ).all()
    )
    # Units a reference gives back never serve that same reference's backorders (a partial
    # release would only be reserved again).
    giving_back = made.reference if made.type is MovementType.RELEASE else None
    for place in sorted(arrived):
        if place in queued:
            fill_queue(*place, arrived=arrived[place], not_for=giving_back)


def fill_queue(
    product_id: int,
    location_id: int,
    *,
    arrived: Sequence[tuple[int, int]] = (),
    not_for: tuple[str, str] | None = None,
) -> list[Backorder]:
    """Serve the place's queue from its free units, first come first served: the units
    that just arrived (`arrived` keys, a receiving bin too), then the rest in FEFO order.
    A backorder taken on a channel gets no more than that channel's ATP counting those
    units (its buffer and share still hold); one its channel cannot serve now keeps its
    place and the next is served. The backorders served (wholly or in part)."""
    waiting = list(
        db.session.scalars(
            select(Backorder)
            .where(
                Backorder.product_id == product_id,
                Backorder.location_id == location_id,
                Backorder.status == B.ON_BACKORDER,
            )
            .order_by(Backorder.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )
    waiting = [b for b in waiting if (b.reference_type, b.reference_id) != not_for]
    if not waiting:
        return []
    free = _free_keys(product_id, location_id, arrived)
    limits = _ChannelLimits(product_id, location_id, sum(key[2] for key in free))
    served = []
    for backorder in waiting:
        want = min(backorder.qty_open, limits.of(backorder.channel_id))
        takes = _take_free(free, want) if want > 0 else []
        if takes:
            _allocate(backorder, takes)
            limits.took(backorder.channel_id, sum(n for _, _, n in takes))
            served.append(backorder)
        if not any(key[2] for key in free):
            break
    return served


class _ChannelLimits:
    """Each channel's ATP at the place while its queue is served: the ATP formula
    (atp.py) over the free units the queue may take (arrivals in a receiving bin too)."""

    def __init__(self, product_id: int, location_id: int, free_units: int):
        self.stock = atp.figures([product_id], [location_id]).get((product_id, location_id), atp.Stock())
        arrived = max(free_units - self.stock.free, 0)  # in receiving bins: not in figures()
        self.stock.free, self.stock.sellable = free_units, self.stock.sellable + arrived
        self.rules = atp.rules_at([location_id])
        self.location_id = location_id
        self.channels: dict[int, Channel] = {}

    def of(self, channel_id: int | None) -> int:
        if channel_id is None:
            return self.stock.free
        channel = self.channels.get(channel_id) or db.session.get(Channel, channel_id)
        self.channels[channel_id] = channel
        return atp.atp(self.stock, channel, self.rules.get((channel_id, self.location_id)))

    def took(self, channel_id: int | None, n: int) -> None:
        self.stock.free -= n
        if channel_id is not None:
            self.stock.by_channel[channel_id] = self.stock.by_channel.get(channel_id, 0) + n


def _free_keys(product_id: int, location_id: int, arrived: Sequence[tuple[int, int]]) -> list[list]:
    """[[bin_id, lot_id, free]] in the order the queue takes them."""
    today = expiry.today_utc()
    keys: dict[tuple[int, int], int] = {}
    if arrived:
        rows = db.session.execute(
            select(Balance.bin_id, Balance.lot_id, Balance.available)
            .join(Lot, Lot.id == Balance.lot_id)
            .where(
                Balance.product_id == product_id,
                Balance.location_id == location_id,
                Balance.bin_id.in_({b for b, _ in arrived}),
                expiry.unexpired(today),
            )
        ).all()
        found = {(bin_id, lot_id): available for bin_id, lot_id, available in rows}
        for key in arrived:  # in the posting's order
            if found.get(key, 0) > 0:
                keys[key] = found[key]
    for balance in expiry.fefo_candidates(product_id, location_id, today=today):
        keys.setdefault((balance.bin_id, balance.lot_id), balance.available)
    return [[bin_id, lot_id, n] for (bin_id, lot_id), n in keys.items() if n > 0]


def _take_free(free: list[list], wanted: int) -> list[tuple[int, int, int]]:
    takes = []
    for key in free:
        if wanted == 0:
            break
        n = min(key[2], wanted)
        if n > 0:
            takes.append((key[0], key[1], n))
            key[2] -= n
            wanted -= n
    return takes


def _allocate(backorder: Backorder, takes: list[tuple[int, int, int]]) -> None:
    """One backorder served: its reserve posting, its reservations, its queue row."""
    moment = utcnow()
    got = sum(n for _, _, n in takes)
    reference = (backorder.reference_type, backorder.reference_id)
    posted = ledger.post(
        MovementType.RESERVE,
        [
            ledger.Line(backorder.product_id, backorder.location_id, bin_id, lot_id, reserved=n)
            for bin_id, lot_id, n in takes
        ],
        actor_id=None,
        reference=reference,
        note=f"Backorder {backorder.id} served: {got} of {backorder.qty_open} waiting.",
    )
    db.session.add_all(
        Reservation(
            reference_type=backorder.reference_type,
            reference_id=backorder.reference_id,
            product_id=backorder.product_id,
            location_id=backorder.location_id,
            bin_id=bin_id,
            lot_id=lot_id,
            qty=n,
            qty_open=n,
            status=ReservationStatus.ACTIVE,
            expires_at=None,
            channel_id=backorder.channel_id,
            posting_id=posted.posting_id,
            created_at=moment,
        )
        for bin_id, lot_id, n in takes
    )
    seen = backorder.qty_open
    _take(backorder, got, moment, status=B.ALLOCATED if got == seen else B.ON_BACKORDER)
    events.publish(
        "stock.backorder_allocated",
        dict(
            backorder_id=backorder.id,
            reference=backorder.reference,
            sku=backorder.product.sku,
            product_id=backorder.product_id,
            location=backorder.location.code,
            location_id=backorder.location_id,
            channel_id=backorder.channel_id,
            quantity=got,
            still_waiting=seen - got,
            posting_id=posted.posting_id,
        ),
    )


def _take(backorder: Backorder, n: int, moment: datetime, *, status: BackorderStatus) -> None:
    """The guarded UPDATE of a queue row: only from the quantity we read."""
    seen = backorder.qty_open
    done = db.session.execute(
        update(Backorder)
        .where(Backorder.id == backorder.id, Backorder.status == B.ON_BACKORDER, Backorder.qty_open == seen)
        .values(qty_open=seen - n, status=status, closed_at=None if status is B.ON_BACKORDER else moment)
    )
    if done.rowcount != 1:  # served or cancelled by a concurrent request: run again
        raise RaceLost(
            Conflict(msg("A backorder changed while it was being served. Send the request again."))
        )


# --- put-away carries reservations -------------------------------------------------------


def follow_putaway(made: ledger.PostingMade) -> None:
    """Reserved units a put-away carried from a receiving bin into storage: move their
    reservation rows (oldest first) to the bin they went to, splitting one if only part
    of it moved, so a later fulfil or release finds them where the ledger has them."""
    if made.type is not MovementType.PUTAWAY:
        return
    moved_from = [line for line in made.lines if line.reserved < 0]
    moved_to = [line for line in made.lines if line.reserved > 0]
    if not moved_from or len(moved_to) != 1:
        return
    to = moved_to[0]
    for line in moved_from:
        _move_rows(line, to.bin_id, -line.reserved)


def _move_rows(line: ledger.Line, to_bin_id: int, units: int) -> None:
    rows = db.session.scalars(
        select(Reservation)
        .where(
            Reservation.product_id == line.product_id,
            Reservation.bin_id == line.bin_id,
            Reservation.lot_id == line.lot_id,
            Reservation.status == ReservationStatus.ACTIVE,
        )
        .order_by(Reservation.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    for row in rows:
        if units == 0:
            return
        if row.qty_open <= units:
            units -= row.qty_open
            row.bin_id = to_bin_id
            continue
        # Part of the row moved: the moved part becomes a row of its own.
        db.session.add(
            Reservation(
                reference_type=row.reference_type,
                reference_id=row.reference_id,
                product_id=row.product_id,
                location_id=row.location_id,
                bin_id=to_bin_id,
                lot_id=row.lot_id,
                qty=units,
                qty_open=units,
                status=ReservationStatus.ACTIVE,
                expires_at=row.expires_at,
                channel_id=row.channel_id,
                user_id=row.user_id,
                posting_id=row.posting_id,
                created_at=row.created_at,
            )
        )
        row.qty -= units
        row.qty_open -= units
        units = 0
    db.session.flush()
