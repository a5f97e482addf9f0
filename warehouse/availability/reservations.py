"""Reservations by reference (an order, e.g. ``("order", "ord-12345")``).

- reserve: available -> reserved, one ``reserve`` posting (reserved=+n per key). Bins and
  lots are chosen by `expiry.fefo_candidates`: earliest lot expiry first (undated last),
  then the bin with the most available. Receiving bins are left out (goods still arriving,
  as in transfers) unless the caller names the bin; expired lots are never reserved. One
  Reservation row per key, all with the same reference.
- release: reserved -> available for a reference, one ``release`` posting. A partial
  release takes from the most recently reserved rows first (last in, first out), so what
  the order keeps is what FEFO chose first.
- fulfill: the sale, one ``fulfill`` posting (qty=-n, reserved=-n), consuming rows in
  FEFO order (earliest lot expiry first). An active row whose TTL has passed can still be
  fulfilled until the sweeper has expired it (at most a minute with cron). A row whose LOT
  has expired is never shipped: the fulfil is refused (release it, write the lot off).
- return_stock: a ``return`` posting adding on-hand, by default into the ``returns``
  location's first bin.
- sweep: releases every active row whose TTL has passed (status expired).

Every change to Reservation.qty_open is a guarded UPDATE (WHERE status='active' AND
qty_open = what we read) in the same transaction as its posting: a sweeper racing a
fulfil can never both win. Reservation rows are claimed before the posting touches any
balance, in id order, so these writers always lock in the same order.

Idempotency: a key makes a replay return the first call's rows and write nothing. Each
posting's note states the request as asked (verb, quantity, product, location, bin, lot,
TTL), so the same key with other content is refused (IdempotencyKeyReused), and a retry
that raced its own first attempt (and so computed other lines) still gets the replay.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from warehouse import ledger
from warehouse.availability import expiry
from warehouse.availability.models import Reservation, ReservationStatus
from warehouse.catalog import locations
from warehouse.catalog.models import Bin, BinKind, Location, LocationType, Lot, Product
from warehouse.core.columns import utcnow
from warehouse.core.errors import (
    DomainError,
    IdempotencyKeyReused,
    InsufficientStock,
    InvalidPosting,
    NotFound,
)
from warehouse.core.extensions import db
from warehouse.inbound import putaway
from warehouse.ledger.models import MovementType, Posting
from warehouse.ledger.references import check_reference

log = logging.getLogger(__name__)
MAX_QTY = 1_000_000
MAX_TTL = timedelta(days=366)
RETURNS_LOCATION = "returns"
R = ReservationStatus
_rows = Reservation.__table__


class _Default:
    """Marker: "use the configured TTL" (None already means "no expiry")."""

    def __repr__(self) -> str:
        return "DEFAULT_TTL"


DEFAULT_TTL = _Default()


class ReservationChanged(DomainError):
    code = "reservation_changed"
    status = 409


class LotExpired(DomainError):
    code = "lot_expired"
    status = 409


class _Retry(Exception):
    """Internal: a guarded UPDATE or a balance lost a race; run the whole step again."""


class _Replayed(Exception):
    """Internal: the ledger found this key's posting; roll back our row changes."""

    def __init__(self, posting_id: int):
        self.posting_id = posting_id


def default_ttl() -> timedelta:
    """The organisation's TTL: app config RESERVATION_TTL_MINUTES (60 when unset). The one
    place the domain reads configuration."""
    from flask import current_app

    return timedelta(minutes=int(current_app.config.get("RESERVATION_TTL_MINUTES", 60)))


def _check_qty(qty, verb: str) -> None:
    if not isinstance(qty, int) or isinstance(qty, bool) or not 1 <= qty <= MAX_QTY:
        raise InvalidPosting(f"{verb} 1 to {MAX_QTY:,} units.")


def _ledger_key(verb: str, key: str | None, actor_id: int | None) -> str | None:
    """The posting's idempotency key: namespaced by verb and caller (one caller's key never
    finds another's reservation); a long key is hashed to fit the column."""
    if key is None:
        return None
    if not isinstance(key, str) or not 1 <= len(key) <= 255:
        raise InvalidPosting("An idempotency key is 1-255 characters.")
    if len(key) > 80:
        key = "#" + hashlib.sha256(key.encode()).hexdigest()
    return f"reservation:{verb}:{actor_id or 0}:{key}"


# --- reserve -----------------------------------------------------------------------------


def reserve(
    product: Product,
    location: Location,
    qty: int,
    reference: tuple[str, str],
    *,
    actor_id: int | None,
    ttl: timedelta | None | _Default = DEFAULT_TTL,
    bin: Bin | None = None,
    lot: Lot | None = None,
    key: str | None = None,
    now: datetime | None = None,
) -> list[Reservation]:
    """Reserve `qty` of a product at a location for a reference, or refuse and write
    nothing. ttl=None: no expiry (pending fulfilment)."""
    _check_qty(qty, "Reserve")
    reference = check_reference(reference)
    ttl = default_ttl() if isinstance(ttl, _Default) else ttl
    if ttl is not None and (not isinstance(ttl, timedelta) or not timedelta(0) < ttl <= MAX_TTL):
        raise InvalidPosting("The time to live must be more than 0 and at most 366 days.")
    _check_place(product, location, bin, lot)
    ledger_key = _ledger_key("reserve", key, actor_id)
    note = _reserve_note(product, location, qty, bin, lot, ttl)

    def earlier() -> int | None:
        return _earlier(ledger_key, MovementType.RESERVE, reference, note) if ledger_key else None

    def replay(posting_id: int) -> list[Reservation]:
        return _replay_reserve(posting_id, product, location, qty, reference, bin, lot, ttl)

    def run() -> list[Reservation]:
        if (done := earlier()) is not None:
            return replay(done)
        moment = now or utcnow()
        lines = _allocate(product, location, qty, bin, lot, moment.date())
        try:
            posted = ledger.post(
                MovementType.RESERVE, lines, actor_id=actor_id, key=ledger_key, reference=reference, note=note
            )
        except InsufficientStock as raced:  # another request took units since we read
            raise _Retry() from raced
        if posted.replayed:
            return replay(posted.posting_id)
        expires_at = moment + ttl if ttl is not None else None
        rows = [
            Reservation(
                reference_type=reference[0],
                reference_id=reference[1],
                product_id=line.product_id,
                location_id=line.location_id,
                bin_id=line.bin_id,
                lot_id=line.lot_id,
                qty=line.reserved,
                qty_open=line.reserved,
                status=R.ACTIVE,
                expires_at=expires_at,
                user_id=actor_id,
                posting_id=posted.posting_id,
                created_at=moment,
            )
            for line in lines
        ]
        db.session.add_all(rows)
        db.session.flush()
        return rows

    return _run(run, earlier, replay)


def _reserve_note(product, location, qty, bin, lot, ttl) -> str:
    """The request as asked, kept as the posting's note: what a key was first used for."""
    where = location.code + (f" bin {bin.code}" if bin else "") + (f" lot {lot.code}" if lot else "")
    if ttl is None:
        keep = "no expiry"
    else:
        seconds = ttl.total_seconds()
        keep = (
            f"expires {seconds / 60:g} min after reserving"
            if seconds % 60 == 0
            else f"expires {seconds:g} s after reserving"
        )
    return f"Reserve {qty} {product.sku} at {where}, {keep}."[:500]


def _check_place(product: Product, location: Location, bin: Bin | None, lot: Lot | None) -> None:
    if not product.active:
        raise InvalidPosting(f"{product.sku} is inactive: it cannot be reserved.")
    if not location.active or location.type is LocationType.TRANSIT:
        raise InvalidPosting(f"{location.code} cannot hold reservations (inactive or transit).")
    if bin is not None and bin.location_id != location.id:
        raise InvalidPosting(f"Bin {bin.code} is not at {location.code}.")
    if lot is not None and lot.product_id != product.id:
        raise InvalidPosting(f"Lot {lot.code} is not a lot of {product.sku}.")


def _allocate(product, location, qty, bin, lot, today: date) -> list[ledger.Line]:
    """Reserve lines taking `qty` from the FEFO candidates, or InsufficientStock."""
    if lot is not None and expiry.is_expired(lot, today):
        raise InsufficientStock(
            f"Lot {lot.code} of {product.sku} expired on "
            f"{lot.expiry_date.isoformat()}: it cannot be reserved."
        )
    lines, wanted = [], qty
    for balance in expiry.fefo_candidates(
        product.id, location.id, today=today, bin_id=bin.id if bin else None, lot_id=lot.id if lot else None
    ):
        take = min(balance.available, wanted)
        lines.append(ledger.Line(product.id, location.id, balance.bin_id, balance.lot_id, reserved=take))
        wanted -= take
        if wanted == 0:
            return lines
    where = f"{location.code}" + (f" bin {bin.code}" if bin else "") + (f" lot {lot.code}" if lot else "")
    raise InsufficientStock(
        f"Insufficient stock available. Available: {qty - wanted}, "
        f"Requested: {qty} ({product.sku} at {where}). "
        "Reserve fewer or wait for stock."
    )


def _replay_reserve(
    posting_id: int, product, location, qty, reference, bin=None, lot=None, ttl=None
) -> list[Reservation]:
    """The first call's rows, after checking they answer this request (postings made
    before notes recorded the request are checked on what their rows record)."""
    rows = _by_posting(posting_id)
    if (
        not rows
        or {(r.product_id, r.location_id, r.reference_type, r.reference_id) for r in rows}
        != {(product.id, location.id, *reference)}
        or sum(r.qty for r in rows) != qty
        or (bin is not None and {r.bin_id for r in rows} != {bin.id})
        or (lot is not None and {r.lot_id for r in rows} != {lot.id})
        or {None if r.expires_at is None else r.expires_at - r.created_at for r in rows} != {ttl}
    ):
        raise IdempotencyKeyReused(
            "This request key was already used for a different reservation. Use a new key for a new request."
        )
    return rows


def _by_posting(posting_id: int) -> list[Reservation]:
    return list(
        db.session.scalars(
            select(Reservation)
            .where(Reservation.posting_id == posting_id)
            .order_by(Reservation.id)
            .execution_options(populate_existing=True)
        )
    )


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
    first); one release posting."""
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
    reference = check_reference(reference)
    if qty is not None:
        _check_qty(qty, verb.capitalize())
    type, closed, order = _VERBS[verb]
    ledger_key = _ledger_key(verb, key, actor_id)
    note = _close_note(verb, product, location, qty)

    def earlier() -> int | None:
        return _earlier(ledger_key, type, reference, note) if ledger_key else None

    def replay(posting_id: int) -> Closed:
        return _touched_by(posting_id, reference)

    def run() -> Closed:
        if (done := earlier()) is not None:
            return replay(done)
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
        posted = ledger.post(type, lines, actor_id=actor_id, key=ledger_key, reference=reference, note=note)
        if posted.replayed:
            raise _Replayed(posted.posting_id)
        return Closed(
            posted.posting_id, _fresh([row.id for row, _n in takes]), units=sum(n for _row, n in takes)
        )

    return _run(run, earlier, replay)


def _close_note(verb, product, location, qty) -> str:
    """The request as asked, kept as the posting's note: what a key was first used for."""
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
            raise LotExpired(
                f"Lot {lot.code} of {sku} expired on {lot.expiry_date.isoformat()}: it cannot "
                f"be shipped. Release {reference[0]}:{reference[1]} and write the lot off, "
                "then reserve another lot."
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
            f"No active reservation for {what}: nothing to {verb}. "
            "It may have expired, been released or been fulfilled already."
        )
    open_total = sum(r.qty_open for r in rows)
    wanted = open_total if qty is None else qty
    if wanted > open_total:
        raise InsufficientStock(
            f"Only {open_total} reserved for {what}: {verb} at most {open_total}, requested {wanted}."
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
    we read. Raises _Retry when another writer got there first."""
    if not _claim(row.id, row.qty_open, n, status, now, fulfilled=fulfilled):
        raise _Retry()


def _claim(
    row_id: int,
    seen: int,
    n: int,
    status: ReservationStatus,
    now: datetime,
    *,
    fulfilled: int = 0,
    due_by: datetime | None = None,
) -> bool:
    statement = (
        update(_rows)
        .where(_rows.c.id == row_id, _rows.c.status == R.ACTIVE, _rows.c.qty_open == seen)
        .values(
            qty_open=seen - n,
            qty_fulfilled=_rows.c.qty_fulfilled + fulfilled,
            status=status,
            closed_at=None if status is R.ACTIVE else now,
        )
    )
    if due_by is not None:  # the sweeper: only while the TTL has really passed
        statement = statement.where(_rows.c.expires_at <= due_by)
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


# --- the shared run loop -----------------------------------------------------------------


def _earlier(ledger_key: str, type: MovementType, reference, note: str) -> int | None:
    """The posting made earlier with this key, if any; refused if it was another change
    (another verb, reference or request; postings from before notes recorded the request
    have none and are checked by the replay)."""
    row = db.session.execute(
        select(Posting.id, Posting.type, Posting.reference_type, Posting.reference_id, Posting.note).where(
            Posting.idempotency_key == ledger_key
        )
    ).first()
    if row is None:
        return None
    if (
        row.type != type
        or (row.reference_type, row.reference_id) != tuple(reference)
        or (row.note is not None and row.note != note)
    ):
        raise IdempotencyKeyReused(
            "This request key was already used for a different change. Use a new key for a new request."
        )
    return row.id


def _run(work, earlier, replay, attempts: int = 4):
    """Run `work` in one write transaction; start again when it lost a race (nothing it
    wrote is kept). `earlier()` finds this request's posting by its key (refusing a key
    used for other content): a concurrent first attempt that won answers with its result."""
    last = None
    for _attempt in range(attempts):
        try:
            return ledger.atomically(work)
        except _Replayed as done:
            return ledger.atomically(replay, done.posting_id)
        except _Retry as lost:
            last = lost
        except DomainError:
            # A concurrent twin with the same key may have won after our first look and
            # changed what we read: we computed other lines (the ledger calls that key
            # reuse) or found too little. If the key's posting is this same request, its
            # result is our answer; if it is other content, _earlier refuses it.
            if (done := ledger.atomically(earlier)) is not None:
                return ledger.atomically(replay, done)
            raise
    if last is not None and isinstance(last.__cause__, DomainError):
        raise last.__cause__
    raise ReservationChanged("The reservation changed while saving. Reload and try again.")


# --- returns -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Returned:
    posting_id: int
    bin: Bin
    lot: Lot | None
    qty: int
    replayed: bool = False


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
    _check_qty(qty, "Return")
    reference = check_reference(reference)
    reason = (reason or "").strip()
    if not reason or len(reason) > 500:
        raise InvalidPosting("Say why the stock came back (1-500 characters).")
    if lot is not None and lot.product_id != product.id:
        raise InvalidPosting(f"Lot {lot.code} is not a lot of {product.sku}.")
    if product.lot_tracked and lot is None:
        raise InvalidPosting(f"{product.sku} is lot-tracked: say which lot came back.")
    target = bin or _returns_bin(location)
    if location is not None and target.location_id != location.id:
        raise InvalidPosting(f"Bin {target.code} is not at {location.code}.")
    line = ledger.Line.at(target, product, lot, qty=qty)

    def run() -> ledger.Posted:
        posted = ledger.post(
            MovementType.RETURN,
            [line],
            actor_id=actor_id,
            key=_ledger_key("return", key, actor_id),
            reference=reference,
            note=reason,
        )
        # Returned into a warehouse's receiving bin: someone must put it away, as with a
        # delivery. In the `returns` location it waits for inspection instead.
        if (
            not posted.replayed
            and target.kind is BinKind.RECEIVING
            and target.location.type is not LocationType.RETURNS
        ):
            putaway.open_task(target, product.id, line.lot_id, qty)
        return posted

    posted = ledger.atomically(run)
    return Returned(posted.posting_id, target, lot, qty, posted.replayed)


def _returns_bin(location: Location | None) -> Bin:
    """Where returns land: the given location's (else the `returns` location's) receiving
    bin, else its first bin by code."""
    if location is None:
        location = locations.by_code(RETURNS_LOCATION)
        if location is None:
            raise DomainError(
                f"There is no '{RETURNS_LOCATION}' location to return stock "
                "into. Ask an admin to add one, or name a location."
            )
    bins = sorted((b for b in location.bins if b.active), key=lambda b: (b.kind.value != "receiving", b.code))
    if not bins:
        raise DomainError(f"{location.code} has no active bin to return stock into.")
    return bins[0]


# --- the sweeper -------------------------------------------------------------------------


def sweep(now: datetime | None = None) -> int:
    """Release every active reservation whose TTL has passed; return how many rows were
    expired. Idempotent and safe beside requests: each row is claimed by a guarded UPDATE
    in the same transaction as its release posting, so a row a fulfil or release changed
    meanwhile is skipped, never released twice."""
    now = now or utcnow()
    due = db.session.execute(
        select(Reservation.id, Reservation.qty_open)
        .where(Reservation.status == R.ACTIVE, Reservation.expires_at <= now)
        .order_by(Reservation.id)
    ).all()
    db.session.rollback()  # end the read; each row gets its own write transaction
    expired = 0
    for row_id, seen in due:
        try:
            expired += ledger.atomically(_expire_one, row_id, seen, now)
        except DomainError as refused:  # one odd row must not keep the rest reserved
            log.warning("reservation %s was not expired: %s", row_id, refused.message)
    return expired


def _expire_one(row_id: int, seen: int, now: datetime) -> int:
    if not _claim(row_id, seen, seen, R.EXPIRED, now, due_by=now):
        return 0  # fulfilled, released or changed since we read it: not ours any more
    row = db.session.get(Reservation, row_id, populate_existing=True)
    ledger.post(
        MovementType.RELEASE,
        [ledger.Line(row.product_id, row.location_id, row.bin_id, row.lot_id, reserved=-seen)],
        actor_id=None,
        reference=(row.reference_type, row.reference_id),
        note="Reservation expired (time to live passed).",
    )
    return 1


# --- reading -----------------------------------------------------------------------------


def listing(
    *,
    status: ReservationStatus | None = None,
    reference: str | None = None,
    sku: str | None = None,
    location_code: str | None = None,
    expiring_before: datetime | None = None,
    limit: int = 200,
) -> list[Reservation]:
    """Reservations newest first. `reference` is "type:id" or just the id."""
    query = (
        select(Reservation)
        .join(Reservation.product)
        .join(Reservation.location)
        .options(
            joinedload(Reservation.product),
            joinedload(Reservation.location),
            joinedload(Reservation.bin),
            joinedload(Reservation.lot),
        )
        .order_by(Reservation.id.desc())
        .limit(limit)
    )
    if status is not None:
        query = query.where(Reservation.status == status)
    if reference:
        kind, sep, ident = reference.strip().partition(":")
        query = (
            query.where(Reservation.reference_type == kind.strip(), Reservation.reference_id == ident.strip())
            if sep
            else query.where(Reservation.reference_id == reference.strip())
        )
    if sku:
        query = query.where(Product.sku == sku)
    if location_code:
        query = query.where(Location.code == location_code)
    if expiring_before is not None:
        query = query.where(Reservation.expires_at.is_not(None), Reservation.expires_at < expiring_before)
    return list(db.session.scalars(query))
