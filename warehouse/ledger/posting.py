"""The stock ledger: the only code that changes stock.

A posting is one business event made of movements, each a signed change to one balance
key (product, location, bin, lot). A posting commits whole or not at all. Balances are
updated in the same transaction as their movements by *guarded* UPDATEs: the WHERE clause
carries every invariant, so two scanners racing for the last unit cannot both win on any
engine. The database CHECK constraints are the second line of defence.

Write path per line (hot path, SQLAlchemy Core, no ORM unit of work):
    UPDATE stock_balances SET ... WHERE key AND invariants-hold-after RETURNING totals
and only when that matches no row: read the row to explain the refusal, or insert a new
key. Lines are applied in key order so that PostgreSQL row locks are always taken in the
same order and two postings can never deadlock.

Idempotency: a posting may carry a key. A replay with the same key and the same content
returns the first posting and writes nothing; the same key with other content is refused.

Reads of stock at a point in time are history.py; the audit (verify) is audit.py.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import and_, bindparam, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from warehouse.catalog.models import NO_LOT, Bin, Lot, Product
from warehouse.core.clock import utcnow
from warehouse.core.errors import (
    CostNotValid,
    IdempotencyKeyReused,
    LotRequired,
    NothingToPost,
    QuantityOutOfRange,
    StockChangedWhilePosting,
)
from warehouse.core.extensions import db
from warehouse.core.i18n import msg
from warehouse.core.transactions import atomically  # noqa: F401  (services call ledger.atomically)
from warehouse.ledger import costing, refusals
from warehouse.ledger.models import Balance, Movement, MovementType, Posting, ReasonCode

MAX_LINE_QTY = 1_000_000_000  # one line may not move more than this in any column
MAX_BALANCE = refusals.MAX_BALANCE

balances = Balance.__table__
movements = Movement.__table__
postings = Posting.__table__


@dataclass(frozen=True, order=True)
class Line:
    """One signed change to one balance key. Build it with `Line.at(bin, product, ...)`."""

    product_id: int
    location_id: int
    bin_id: int
    lot_id: int = NO_LOT
    qty: int = 0  # on-hand delta
    reserved: int = 0
    held: int = 0
    # What one unit cost, when known (units received at their invoice price): kept on the
    # movement and moves its place's average cost (ledger/costing.py). Not part of the key.
    cost: Decimal | None = field(default=None, compare=False)

    @classmethod
    def at(
        cls,
        bin: Bin,
        product: Product,
        lot: Lot | None = None,
        *,
        qty: int = 0,
        reserved: int = 0,
        held: int = 0,
        cost: Decimal | None = None,
    ) -> Line:
        return cls(product.id, bin.location_id, bin.id, lot.id if lot else NO_LOT, qty, reserved, held, cost)

    @property
    def key(self) -> tuple[int, int, int, int]:
        return (self.product_id, self.location_id, self.bin_id, self.lot_id)


@dataclass(frozen=True)
class PostingMade:
    """What listeners registered with `after_posting` are told, inside the posting's
    transaction (so what they write commits or rolls back with the stock change)."""

    posting_id: int
    type: MovementType
    lines: tuple[Line, ...]
    actor_id: int | None
    reference: tuple[str, str] | None
    reason: ReasonCode | None
    balances_after: dict[tuple, tuple[int, int, int]]

    @property
    def places(self) -> set[tuple[int, int]]:
        """The (product_id, location_id) pairs this posting touched."""
        return {(line.product_id, line.location_id) for line in self.lines}


_listeners: list = []


def after_posting(listener):
    """Register `listener(PostingMade)` to run after every new posting (not on replays),
    in the same transaction: alerts and the event outbox hang off this."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


@dataclass(frozen=True)
class Posted:
    """What a posting did: a caller builds its answer from this, without reading back.
    On a replay only `posting_id` is known (and `replayed` is True)."""

    posting_id: int
    replayed: bool = False
    balances_after: dict[tuple, tuple[int, int, int]] = field(default_factory=dict)  # by line key
    movement_ids: dict[tuple, int] = field(default_factory=dict)  # by line key; one-line postings
    recorded_at: datetime | None = None


# --- posting -----------------------------------------------------------------------------


def post(
    type: MovementType,
    lines: Sequence[Line],
    *,
    actor_id: int | None,
    key: str | None = None,
    reference: tuple[str, str] | None = None,
    reason: ReasonCode | None = None,
    note: str | None = None,
) -> Posted:
    """Post one business event. Raises InsufficientStock / InvalidPosting and writes nothing."""
    _check_lines(lines)
    ref_type, ref_id = reference if reference else (None, None)
    fingerprint = _fingerprint(type, lines, ref_type, ref_id, reason, note)

    def write() -> Posted:
        return _write(type, lines, actor_id, key, fingerprint, ref_type, ref_id, reason, note)

    return atomically(write)


def replay_of(
    key: str,
    type: MovementType,
    lines: Sequence[Line],
    *,
    reference: tuple[str, str] | None = None,
    reason: ReasonCode | None = None,
    note: str | None = None,
) -> Posted | None:
    """The earlier posting made with this key and content, if any (for services that must
    skip their own side effects on a replay)."""
    ref_type, ref_id = reference if reference else (None, None)
    return _find_by_key(key, _fingerprint(type, lines, ref_type, ref_id, reason, note))


def _check_lines(lines: Sequence[Line]) -> None:
    if not lines:
        raise NothingToPost(msg("Nothing to post: add at least one line."))
    for line in lines:
        if line.cost is not None and not (line.qty > 0 and 0 <= line.cost <= costing.MAX_COST):
            raise CostNotValid(
                msg(
                    "A cost per unit goes with units coming in, from 0 to {limit:,}: leave it out for units that leave.",
                    limit=costing.MAX_COST,
                )
            )
        deltas = (line.qty, line.reserved, line.held)
        if not all(isinstance(d, int) and not isinstance(d, bool) for d in deltas):
            raise QuantityOutOfRange(msg("Quantities must be whole units."))
        if not any(deltas):
            raise QuantityOutOfRange(msg("Quantity must not be zero."))
        if any(abs(d) > MAX_LINE_QTY for d in deltas):
            raise QuantityOutOfRange(
                msg("Quantity too large: at most {limit:,} per line.", limit=MAX_LINE_QTY)
            )


def _fingerprint(type, lines, ref_type, ref_id, reason, note) -> str:
    payload = [
        MovementType(type).value,
        ref_type,
        ref_id,
        reason.value if reason else None,
        note,
        # A cost only when given, so postings made before costs were kept replay as before.
        [[*line.key, line.qty, line.reserved, line.held, *_cost_of(line)] for line in lines],
    ]
    return hashlib.sha256(json.dumps(payload).encode()).hexdigest()


def _cost_of(line: Line) -> list[str]:
    return [] if line.cost is None else [str(line.cost)]


def _find_by_key(key: str, fingerprint: str) -> Posted | None:
    row = db.session.connection().execute(_SELECT_BY_KEY, {"key": key}).first()
    if row is None:
        return None
    if row.fingerprint != fingerprint:
        raise IdempotencyKeyReused(
            msg("This request key was already used for a different change. Reload the screen and try again.")
        )
    return Posted(row.id, replayed=True)


# The hot path's statements are built once: building SQLAlchemy constructs per call cost
# more Python time than the database work (see docs/performance.md).
_SELECT_BY_KEY = select(postings.c.id, postings.c.fingerprint).where(
    postings.c.idempotency_key == bindparam("key")
)


def _posting_insert(dialect_insert):
    """INSERT a posting unless its idempotency key exists; RETURNING id (none on a replay).
    Folding the replay check into the INSERT saves a round trip per posting, and on
    PostgreSQL a concurrent first attempt with the same key waits for the winner instead
    of failing."""
    return (
        dialect_insert(postings)
        .on_conflict_do_nothing(index_elements=[postings.c.org_id, postings.c.idempotency_key])
        .returning(postings.c.id)
    )


_INSERT_POSTING = {"postgresql": _posting_insert(pg_insert), "sqlite": _posting_insert(sqlite_insert)}
_INSERT_BALANCE = {
    name: make(balances).on_conflict_do_nothing().returning(balances.c.id)
    for name, make in (("postgresql", pg_insert), ("sqlite", sqlite_insert))
}
_INSERT_MOVEMENTS = insert(movements)
# One line: its id comes back with the INSERT. (Several: ids in order would cost SQLite one
# INSERT per row, so they are not asked for; no caller needs them.)
_INSERT_MOVEMENT = insert(movements).returning(movements.c.id)
_LOT_TRACKED = select(Product.__table__.c.lot_tracked).where(Product.__table__.c.id == bindparam("id"))

_KEY = and_(
    balances.c.product_id == bindparam("k_product"),  # names must differ from
    balances.c.location_id == bindparam("k_location"),  # the columns an UPDATE sets
    balances.c.bin_id == bindparam("k_bin"),
    balances.c.lot_id == bindparam("k_lot"),
)
_ON_HAND = balances.c.on_hand + bindparam("d_qty")
_RESERVED = balances.c.reserved + bindparam("d_reserved")
_HELD = balances.c.held + bindparam("d_held")
# Every invariant in the WHERE clause: a change that would break one matches no row.
_GUARDED_UPDATE = (
    update(balances)
    .where(
        _KEY,
        _ON_HAND >= 0,
        _ON_HAND <= MAX_BALANCE,
        _RESERVED >= 0,
        _HELD >= 0,
        _RESERVED + _HELD <= _ON_HAND,
    )
    .values(on_hand=_ON_HAND, reserved=_RESERVED, held=_HELD)
    .returning(balances.c.on_hand, balances.c.reserved, balances.c.held)
)
_SELECT_FOR_UPDATE = (
    select(balances.c.on_hand, balances.c.reserved, balances.c.held).where(_KEY).with_for_update()
)


def _write(type, lines, actor_id, key, fingerprint, ref_type, ref_id, reason, note) -> Posted:
    conn = db.session.connection()
    now = utcnow()
    posting_id = conn.execute(
        _INSERT_POSTING[conn.dialect.name],
        dict(
            type=type,
            idempotency_key=key,
            fingerprint=fingerprint,
            reference_type=ref_type,
            reference_id=ref_id,
            reason=reason,
            note=note,
            user_id=actor_id,
            created_at=now,
        ),
    ).scalar()
    if posting_id is None:  # the key was used before: a replay, or a reuse for other content
        return _find_by_key(key, fingerprint)
    line_costs = costing.costs_of(conn, lines)  # read before any balance moves
    rows, after = [], {}
    for line in sorted(lines):  # fixed key order: no lock-order deadlocks between postings
        on_hand, reserved, held = _apply(conn, type, line)
        after[line.key] = (on_hand, reserved, held)
        rows.append(
            dict(
                posting_id=posting_id,
                product_id=line.product_id,
                location_id=line.location_id,
                bin_id=line.bin_id,
                lot_id=line.lot_id,
                qty=line.qty,
                reserved_delta=line.reserved,
                held_delta=line.held,
                balance_after=on_hand,
                reserved_after=reserved,
                held_after=held,
                type=type,
                reason=reason,
                reference_type=ref_type,
                reference_id=ref_id,
                user_id=actor_id,
                cost_per_unit=line_costs.get(line.key),
            )
        )
    # Stamped once every balance row is locked: a later posting on the same key waits for
    # this one to commit before it stamps, so per key the times follow the ids (what
    # stock_at and the valuation report rely on), whatever the lock waits were.
    stamped = utcnow()
    for row in rows:
        row["created_at"] = stamped
    if line_costs:
        costing.keep_averages(conn, lines, line_costs)
    if len(rows) == 1:
        ids = {lines[0].key: conn.execute(_INSERT_MOVEMENT, rows[0]).scalar_one()}
    else:
        conn.execute(_INSERT_MOVEMENTS, rows)
        ids = {}
    if _listeners:
        made = PostingMade(
            posting_id,
            MovementType(type),
            tuple(lines),
            actor_id,
            (ref_type, ref_id) if ref_type else None,
            reason,
            after,
        )
        for listener in _listeners:
            listener(made)
    return Posted(posting_id, False, after, ids, stamped)


def _apply(conn, type: MovementType, line: Line) -> tuple[int, int, int]:
    """Apply one line to its balance; return (on_hand, reserved, held) after it."""
    key = dict(k_product=line.product_id, k_location=line.location_id, k_bin=line.bin_id, k_lot=line.lot_id)
    params = dict(key, d_qty=line.qty, d_reserved=line.reserved, d_held=line.held)
    for _attempt in range(2):
        row = conn.execute(_GUARDED_UPDATE, params).first()
        if row is not None:
            return tuple(row)
        current = conn.execute(_SELECT_FOR_UPDATE, key).first()
        if current is not None:
            # The row may have been born between the UPDATE and this read (a concurrent
            # posting's first line on the key): now that it is locked, the guarded UPDATE's
            # answer is final.
            row = conn.execute(_GUARDED_UPDATE, params).first()
            if row is not None:
                return tuple(row)
            raise refusals.explain(type, line, *current)
        if _insert_new_key(conn, type, line):
            return (line.qty, line.reserved, line.held)
        # Another transaction created this key between our UPDATE and INSERT; go again.
    raise StockChangedWhilePosting(msg("The stock changed while posting; scan again."))


def _insert_new_key(conn, type: MovementType, line: Line) -> bool:
    if not (
        0 <= line.qty <= MAX_BALANCE
        and line.reserved >= 0
        and line.held >= 0
        and line.reserved + line.held <= line.qty
    ):
        raise refusals.explain(type, line, 0, 0, 0)
    # Lot-tracked stock always moves with a lot. Checked only here, where a key is born:
    # stock can reach a key in no other way, so existing keys need no query per posting.
    if line.lot_id == NO_LOT and conn.execute(_LOT_TRACKED, {"id": line.product_id}).scalar():
        sku = refusals.describe(line.product_id, line.bin_id, line.lot_id)[0]
        raise LotRequired(msg("{sku} is lot-tracked: scan or enter its lot number.", sku=sku))
    row = conn.execute(
        _INSERT_BALANCE[conn.dialect.name],
        dict(
            product_id=line.product_id,
            location_id=line.location_id,
            bin_id=line.bin_id,
            lot_id=line.lot_id,
            on_hand=line.qty,
            reserved=line.reserved,
            held=line.held,
        ),
    ).first()
    return row is not None


def mark_counted(product_id: int, bin_id: int, lot_id: int, at) -> None:
    """Record when a key was last counted (a resolved cycle count). Not a stock change."""
    db.session.execute(
        update(balances)
        .where(balances.c.product_id == product_id, balances.c.bin_id == bin_id, balances.c.lot_id == lot_id)
        .values(last_counted_at=at)
    )
