"""Blind cycle counts: open -> counting -> submitted -> in_review -> resolved (or cancelled).

A batch snapshots which bin x SKU x lot lines it covers, never quantities. The counter
answers bin by bin; each answer stores, out of the counter's sight, the ledger's on-hand
for that key at the same instant, so the variance (counted - ledger at count time) is not
fooled by picks and put-aways during the count. A supervisor accepts (one adjustment_count
posting of exactly that variance), asks a recount (a new line, for someone else when
possible) or rejects (nothing posted); nobody resolves a line they counted themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload, selectinload

from warehouse import ledger
from warehouse.catalog import lots
from warehouse.catalog.models import NO_LOT, Bin, BinKind, Product
from warehouse.core.clock import utcnow
from warehouse.core.errors import DomainError, InvalidPosting, NotFound
from warehouse.core.extensions import db
from warehouse.counts import abc
from warehouse.counts.models import (
    CountBatch,
    CountLine,
    CountLineStatus,
    CountRequest,
    CountRequestStatus,
    CountStatus,
)
from warehouse.integrations import events
from warehouse.ledger.models import Balance, MovementType, ReasonCode

S, L = CountStatus, CountLineStatus
TRANSITIONS = {
    S.OPEN: {S.COUNTING, S.CANCELLED},
    S.COUNTING: {S.SUBMITTED, S.CANCELLED},
    S.SUBMITTED: {S.IN_REVIEW, S.CANCELLED},
    S.IN_REVIEW: {S.RESOLVED, S.COUNTING},  # back to counting when a recount is asked
    S.RESOLVED: set(),
    S.CANCELLED: set(),
}
MAX_COUNT = 1_000_000


class CountRefused(DomainError):
    code = "count_refused"
    status = 409


class FourEyes(DomainError):
    code = "four_eyes"
    status = 403


def can_move(current: CountStatus, target: CountStatus) -> bool:
    return target in TRANSITIONS[current]


def _move(batch: CountBatch, target: CountStatus) -> None:
    if batch.status is target:
        return
    if not can_move(batch.status, target):
        raise CountRefused(
            f"{batch.number} is {batch.status.value.replace('_', ' ')}: it cannot "
            f"become {target.value.replace('_', ' ')}."
        )
    batch.status = target
    batch.version += 1


# --- creating a batch -------------------------------------------------------------------


@dataclass(frozen=True)
class Selection:
    """Which lines a batch covers: any combination narrows the location's stock."""

    bins_like: str = ""  # "A-01-*"
    skus: tuple[str, ...] = ()
    abc_class: str = ""  # "A" | "B" | "C"
    not_counted_days: int | None = None

    def describe(self) -> str:
        parts = [
            f"bins {self.bins_like}" if self.bins_like else "",
            f"SKUs {', '.join(self.skus)}" if self.skus else "",
            f"ABC class {self.abc_class}" if self.abc_class else "",
            f"not counted in {self.not_counted_days} days" if self.not_counted_days else "",
        ]
        return "; ".join(p for p in parts if p)[:200] or "whole location"


def create(
    location_id: int,
    selection: Selection,
    *,
    actor_id: int,
    now: datetime | None = None,
    key: str | None = None,
) -> CountBatch:
    """A batch of the lines the selection covers. A form's key makes a double submit
    return the first batch."""
    now = now or utcnow()
    key = f"{actor_id}:{key}" if key else None
    if key and (earlier := db.session.scalar(select(CountBatch).where(CountBatch.request_key == key))):
        return earlier
    keys = _keys_for(location_id, selection, now)
    if not keys:
        raise InvalidPosting("Nothing in stock matches that selection. Widen it and try again.")

    def make():
        batch = CountBatch(
            location_id=location_id, selection=selection.describe(), created_by=actor_id, request_key=key
        )
        db.session.add(batch)
        db.session.flush()
        db.session.add_all(
            CountLine(batch_id=batch.id, bin_id=bin_id, product_id=product_id, lot_id=lot_id)
            for product_id, bin_id, lot_id in keys
        )
        return batch

    return ledger.atomically(make)


def open_requests(limit: int = 200) -> list[CountRequest]:
    """Counts asked for by the floor (e.g. a short pick), oldest first."""
    return list(
        db.session.scalars(
            select(CountRequest)
            .where(CountRequest.status == CountRequestStatus.OPEN)
            .options(joinedload(CountRequest.bin), joinedload(CountRequest.product))
            .order_by(CountRequest.location_id, CountRequest.id)
            .limit(limit)
        )
    )


def create_from_requests(location_id: int, *, actor_id: int, key: str | None = None) -> CountBatch:
    """One batch covering every open count request of the location: each requested bin x
    SKU, every lot of it the ledger has there (or the no-lot line when it has none). The
    requests are closed in the same transaction, so two supervisors cannot both take them."""
    key = f"{actor_id}:{key}" if key else None
    if key and (earlier := db.session.scalar(select(CountBatch).where(CountBatch.request_key == key))):
        return earlier

    def make():
        requests = list(
            db.session.scalars(
                select(CountRequest)
                .where(
                    CountRequest.location_id == location_id, CountRequest.status == CountRequestStatus.OPEN
                )
                .order_by(CountRequest.id)
                .with_for_update()
            )
        )
        if not requests:
            raise InvalidPosting("No open count requests at this location.")
        keys = _keys_for_requests(location_id, requests)
        batch = CountBatch(
            location_id=location_id,
            created_by=actor_id,
            request_key=key,
            selection=f"count requests ({len(requests)})",
        )
        db.session.add(batch)
        db.session.flush()
        db.session.add_all(
            CountLine(batch_id=batch.id, bin_id=bin_id, product_id=product_id, lot_id=lot_id)
            for product_id, bin_id, lot_id in keys
        )
        claimed = db.session.execute(
            update(CountRequest)
            .where(
                CountRequest.id.in_([r.id for r in requests]), CountRequest.status == CountRequestStatus.OPEN
            )
            .values(status=CountRequestStatus.DONE)
        )
        if claimed.rowcount != len(requests):
            raise CountRefused("These requests were just taken on another screen. Reload.")
        return batch

    return ledger.atomically(make)


def _keys_for_requests(location_id: int, requests: list[CountRequest]) -> list[tuple[int, int, int]]:
    wanted = {(r.product_id, r.bin_id) for r in requests}
    in_stock = db.session.execute(
        select(Balance.product_id, Balance.bin_id, Balance.lot_id).where(
            Balance.location_id == location_id,
            Balance.on_hand > 0,
            Balance.bin_id.in_({bin_id for _, bin_id in wanted}),
            Balance.product_id.in_({product_id for product_id, _ in wanted}),
        )
    )
    keys = {tuple(row) for row in in_stock if (row[0], row[1]) in wanted}
    keys |= {
        (product_id, bin_id, NO_LOT)
        for product_id, bin_id in wanted
        if not any(k[:2] == (product_id, bin_id) for k in keys)
    }
    return sorted(keys)


def _keys_for(location_id: int, selection: Selection, now: datetime) -> list[tuple[int, int, int]]:
    query = (
        select(Balance.product_id, Balance.bin_id, Balance.lot_id)
        .join(Bin, Bin.id == Balance.bin_id)
        .join(Product, Product.id == Balance.product_id)
        .where(Balance.location_id == location_id, Balance.on_hand > 0, Bin.kind != BinKind.RECEIVING)
        .order_by(Bin.code, Product.sku, Balance.lot_id)
    )
    if selection.bins_like:
        pattern = selection.bins_like.replace("\\", "").replace("%", "").replace("_", "\\_").replace("*", "%")
        query = query.where(Bin.code.like(pattern, escape="\\"))
    if selection.skus:
        query = query.where(Product.sku.in_(selection.skus))
    if selection.not_counted_days:
        cutoff = now - timedelta(days=selection.not_counted_days)
        query = query.where((Balance.last_counted_at.is_(None)) | (Balance.last_counted_at < cutoff))
    keys = [tuple(row) for row in db.session.execute(query)]
    if selection.abc_class:
        classes = abc.classify(now, location_id=location_id)
        keys = [key for key in keys if classes.get(key[0]) == selection.abc_class]
    return keys


# --- reading ----------------------------------------------------------------------------


def get(batch_id: int) -> CountBatch:
    batch = db.session.get(
        CountBatch,
        batch_id,
        options=[
            joinedload(CountBatch.location),
            selectinload(CountBatch.lines).joinedload(CountLine.bin),
            selectinload(CountBatch.lines).joinedload(CountLine.product),
            selectinload(CountBatch.lines).joinedload(CountLine.lot),
            selectinload(CountBatch.lines).joinedload(CountLine.counter),
        ],
        populate_existing=True,
    )
    if batch is None:
        raise NotFound(f"No count batch CNT-{batch_id:06d}.")
    return batch


def by_number(number: str) -> CountBatch | None:
    digits = number.strip().upper().removeprefix("CNT-")
    return db.session.get(CountBatch, int(digits)) if digits.isdigit() and len(digits) <= 9 else None


def listing(limit: int = 100) -> list[CountBatch]:
    return list(
        db.session.scalars(
            select(CountBatch)
            .options(joinedload(CountBatch.location))
            .order_by(CountBatch.id.desc())
            .limit(limit)
        )
    )


@dataclass(frozen=True)
class BinToCount:
    """What the counter may see of a bin: which items to look for, never how many."""

    bin: Bin
    items: list[tuple[str, str, str, int | None, str]]  # sku, name, lot, counted so far, recount note


def bins_to_count(batch: CountBatch, counter_id: int | None = None) -> list[BinToCount]:
    """The bins left to count. A recount the given counter did the first time is marked,
    so they can hand it to a colleague (recounts go to someone else when possible)."""
    by_bin: dict[int, BinToCount] = {}
    for line in batch.lines:
        if line.status not in (L.PENDING, L.COUNTED):
            continue
        entry = by_bin.setdefault(line.bin_id, BinToCount(line.bin, []))
        note = (
            ""
            if line.recount_of_id is None
            else (
                "recount: you counted it first, a colleague must recount it"
                if line.avoid_counter_id == counter_id
                else "recount"
            )
        )
        entry.items.append((line.product.sku, line.product.name, line.lot.code, line.counted_qty, note))
    return sorted(by_bin.values(), key=lambda b: b.bin.code)


# --- counting (the counter's side: blind) ------------------------------------------------


def record(
    batch_id: int,
    bin: Bin,
    product: Product,
    *,
    actor_id: int,
    add: int | None = None,
    set_to: int | None = None,
    lot_code: str | None = None,
) -> CountLine:
    """Count an item in a bin: add units (a scan adds one) or set the count (typed)."""
    qty = add if add is not None else set_to
    if qty is None or not 0 <= qty <= MAX_COUNT or (add is not None and add == 0):
        raise InvalidPosting(f"Count 0 to {MAX_COUNT:,} units.")
    return ledger.atomically(_record, batch_id, bin, product, actor_id, add, set_to, lot_code)


def _record(batch_id, bin, product, actor_id, add, set_to, lot_code) -> CountLine:
    batch = _counting(batch_id, bin)
    lot_id = _lot_for(batch, bin, product, lot_code)
    line = _open_line(batch, bin.id, product.id, lot_id)
    if line is not None:
        _not_the_first_counter(line, actor_id)
    if line is None:  # found, though not expected here: a new line
        line = CountLine(bin_id=bin.id, product_id=product.id, lot_id=lot_id, unexpected=True)
        batch.lines.append(line)
    line.counted_qty = (line.counted_qty or 0) + add if add is not None else set_to
    _stamp(line, actor_id)
    db.session.flush()
    return line


def bin_empty(batch_id: int, bin: Bin, *, actor_id: int) -> list[CountLine]:
    """The explicit answer "nothing here": every line of the bin not yet counted is 0."""

    def run():
        batch = _counting(batch_id, bin)
        lines = [l for l in batch.lines if l.bin_id == bin.id and l.status is L.PENDING]
        for line in lines:
            _not_the_first_counter(line, actor_id)
        for line in lines:
            line.counted_qty = 0
            _stamp(line, actor_id)
        return lines

    return ledger.atomically(run)


def _not_the_first_counter(line: CountLine, actor_id: int) -> None:
    """A recount is a second pair of eyes: whoever counted the line first may not."""
    if line.recount_of_id is not None and line.avoid_counter_id == actor_id:
        raise FourEyes(
            f"You counted {line.product.sku} in {line.bin.code} the first time: "
            "a colleague must recount it. Count the other bins."
        )


def _stamp(line: CountLine, actor_id: int) -> None:
    """Counted now: keep the ledger's quantity at this very instant beside the count."""
    line.ledger_qty_at_count = ledger.balance(line.product_id, line.bin_id, line.lot_id)[0]
    line.counted_by, line.counted_at, line.status = actor_id, utcnow(), L.COUNTED
    line.batch.version += 1


def _counting(batch_id: int, bin: Bin) -> CountBatch:
    batch = _locked(batch_id)
    if batch.status is S.OPEN:
        _move(batch, S.COUNTING)
    if batch.status is not S.COUNTING:
        raise CountRefused(f"{batch.number} is {batch.status.value.replace('_', ' ')}: counting is closed.")
    if bin.location_id != batch.location_id:
        raise CountRefused(f"{bin.code} is not at {batch.location.code}. Scan a bin there.")
    return batch


def _open_line(batch, bin_id, product_id, lot_id) -> CountLine | None:
    return next(
        (
            l
            for l in batch.lines
            if (l.bin_id, l.product_id, l.lot_id) == (bin_id, product_id, lot_id)
            and l.status in (L.PENDING, L.COUNTED)
        ),
        None,
    )


def _lot_for(batch: CountBatch, bin: Bin, product: Product, lot_code: str | None) -> int:
    if not product.lot_tracked:
        return NO_LOT
    if lot_code:
        return lots.find_or_create(product, lot_code, None).id
    expected = {
        l.lot_id
        for l in batch.lines
        if l.bin_id == bin.id and l.product_id == product.id and l.status in (L.PENDING, L.COUNTED)
    }
    if len(expected) == 1:
        return expected.pop()
    raise CountRefused(f"{product.sku} is lot-tracked: scan its GS1 label so the lot is known.")


def submit(batch_id: int, *, actor_id: int) -> CountBatch:
    def run():
        batch = _locked(batch_id)
        if batch.status not in (S.OPEN, S.COUNTING):
            raise CountRefused(
                f"{batch.number} is {batch.status.value.replace('_', ' ')}: it was already submitted."
            )
        left = sorted({l.bin.code for l in batch.lines if l.status is L.PENDING})
        if batch.status in (S.OPEN, S.COUNTING) and left:
            raise CountRefused(f"Bins not counted yet: {', '.join(left)}. Count them or answer 'bin empty'.")
        _move(batch, S.SUBMITTED)
        batch.submitted_at = utcnow()
        return batch

    return ledger.atomically(run)


def _locked(batch_id: int) -> CountBatch:
    batch = db.session.get(CountBatch, batch_id, with_for_update=True, populate_existing=True)
    if batch is None:
        raise NotFound(f"No count batch CNT-{batch_id:06d}.")
    return batch


# --- resolving (the supervisor's side) --------------------------------------------------


def accept(batch_id: int, line_ids: list[int], *, actor_id: int) -> list[CountLine]:
    """Post each line's variance (counted - ledger at count time) as adjustment_count."""
    return ledger.atomically(_resolve, batch_id, line_ids, actor_id, _accept_one)


def reject(batch_id: int, line_ids: list[int], *, actor_id: int) -> list[CountLine]:
    """Keep the ledger as it is; the count is set aside. Nothing is posted."""
    return ledger.atomically(_resolve, batch_id, line_ids, actor_id, _reject_one)


def recount(batch_id: int, line_ids: list[int], *, actor_id: int) -> list[CountLine]:
    """Ask for the line to be counted again, by someone else when possible."""
    return ledger.atomically(_resolve, batch_id, line_ids, actor_id, _recount_one)


def _resolve(batch_id, line_ids, actor_id, action) -> list[CountLine]:
    batch = _locked(batch_id)
    if batch.status not in (S.SUBMITTED, S.IN_REVIEW):
        raise CountRefused(
            f"{batch.number} is {batch.status.value.replace('_', ' ')}: submit it before review."
        )
    _move(batch, S.IN_REVIEW)
    chosen = [l for l in batch.lines if l.id in set(line_ids)]
    if len(chosen) != len(set(line_ids)):
        raise NotFound("A chosen line is not on this batch.")
    for line in chosen:
        if line.status is not L.COUNTED:
            raise CountRefused(
                f"{line.bin.code} {line.product.sku} is {line.status.value}: nothing to resolve."
            )
        if line.counted_by == actor_id:
            raise FourEyes(
                f"You counted {line.bin.code} {line.product.sku}: another supervisor must resolve it."
            )
        action(batch, line, actor_id)
        line.resolved_by, line.resolved_at = actor_id, utcnow()
    if all(l.status in (L.ACCEPTED, L.REJECTED, L.RECOUNT) for l in batch.lines):
        _move(batch, S.RESOLVED)
        batch.resolved_at = utcnow()
        events.publish("count.resolved", _resolved_event(batch))
    elif any(l.status is L.PENDING for l in batch.lines):
        _move(batch, S.COUNTING)  # recounts are waiting for a counter
    return chosen


def _resolved_event(batch: CountBatch) -> dict:
    outcome = {
        status.value: sum(1 for l in batch.lines if l.status is status)
        for status in (L.ACCEPTED, L.REJECTED, L.RECOUNT)
    }
    return dict(
        batch_id=batch.id,
        number=batch.number,
        location_id=batch.location_id,
        lines=outcome,
        posting_ids=sorted(l.posting_id for l in batch.lines if l.posting_id),
    )


def _accept_one(batch: CountBatch, line: CountLine, actor_id: int) -> None:
    claimed = db.session.execute(
        update(CountLine)
        .where(CountLine.id == line.id, CountLine.status == L.COUNTED)
        .values(status=L.ACCEPTED)
    )
    if claimed.rowcount != 1:
        raise CountRefused("This line was resolved on another screen.")
    line.status = L.ACCEPTED
    if line.variance:
        posted = ledger.post(
            MovementType.ADJUSTMENT_COUNT,
            [ledger.Line(line.product_id, batch.location_id, line.bin_id, line.lot_id, qty=line.variance)],
            actor_id=actor_id,
            key=f"count-line:{line.id}:accept",
            reason=ReasonCode.PHYSICAL_COUNT,
            reference=("count", f"{batch.number}/{line.id}"),
            note=f"counted by user {line.counted_by}, approved by user {actor_id}",
        )
        line.posting_id = posted.posting_id
    ledger.mark_counted(line.product_id, line.bin_id, line.lot_id, line.counted_at)


def _reject_one(batch: CountBatch, line: CountLine, actor_id: int) -> None:
    line.status = L.REJECTED


def _recount_one(batch: CountBatch, line: CountLine, actor_id: int) -> None:
    line.status = L.RECOUNT
    batch.lines.append(
        CountLine(
            bin_id=line.bin_id,
            product_id=line.product_id,
            lot_id=line.lot_id,
            status=L.PENDING,
            unexpected=line.unexpected,
            recount_of_id=line.id,
            avoid_counter_id=line.counted_by,
        )
    )


@dataclass(frozen=True)
class Tolerance:
    units: int
    percent: Decimal

    def allows(self, line: CountLine) -> bool:
        variance = abs(line.variance or 0)
        return variance <= self.units or variance <= abs(line.ledger_qty_at_count or 0) * self.percent / 100


DEFAULT_TOLERANCES = {
    "A": Tolerance(0, Decimal(0)),
    "B": Tolerance(1, Decimal(2)),
    "C": Tolerance(1, Decimal(2)),
}


def within_tolerance(
    batch: CountBatch, tolerances: dict[str, Tolerance] = DEFAULT_TOLERANCES, now: datetime | None = None
) -> list[CountLine]:
    """Counted lines whose variance the rules accept without a person (per ABC class)."""
    classes = abc.classify(now or utcnow(), location_id=batch.location_id)
    return [
        l
        for l in batch.lines
        if l.status is L.COUNTED
        and tolerances.get(classes.get(l.product_id, "C"), DEFAULT_TOLERANCES["C"]).allows(l)
    ]


def value(line: CountLine) -> Decimal:
    return Decimal(line.variance or 0) * Decimal(line.product.unit_cost or 0)
