"""Blind cycle counts: open -> counting -> submitted -> in_review -> resolved (or cancelled).

A batch snapshots which bin x SKU x lot lines it covers, never quantities. The counter
answers bin by bin; each answer stores, out of the counter's sight, the ledger's on-hand
for that key at the same instant, so the variance (counted - ledger at count time) is not
fooled by picks and put-aways during the count. A supervisor accepts (one adjustment_count
posting of exactly that variance), asks a recount (a new line, for someone else when
possible) or rejects (nothing posted); nobody resolves a line they counted themselves.

This module owns the state machine, creating batches and reading them. Counting on the
floor lives in counting.py, the supervisor's review and tolerances in review.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload, selectinload

from warehouse.catalog.models import NO_LOT, Bin, BinKind, Product
from warehouse.core import commands
from warehouse.core.clock import utcnow
from warehouse.core.errors import CountRefused, NotFound, NothingToCount
from warehouse.core.extensions import db
from warehouse.core.i18n import msg
from warehouse.counts import abc
from warehouse.counts.models import (
    CountBatch,
    CountLine,
    CountLineStatus,
    CountRequest,
    CountRequestStatus,
    CountStatus,
)
from warehouse.ledger.models import Balance

S, L = CountStatus, CountLineStatus
TRANSITIONS = {
    S.OPEN: {S.COUNTING, S.CANCELLED},
    S.COUNTING: {S.SUBMITTED, S.CANCELLED},
    S.SUBMITTED: {S.IN_REVIEW, S.CANCELLED},
    S.IN_REVIEW: {S.RESOLVED, S.COUNTING},  # back to counting when a recount is asked
    S.RESOLVED: set(),
    S.CANCELLED: set(),
}


def can_move(current: CountStatus, target: CountStatus) -> bool:
    return target in TRANSITIONS[current]


def move_batch(batch: CountBatch, target: CountStatus) -> None:
    if batch.status is target:
        return
    if not can_move(batch.status, target):
        raise CountRefused(
            msg(
                "{number} is {status}: it cannot become {target}.",
                number=batch.number,
                status=batch.status,
                target=target,
            )
        )
    batch.status = target
    batch.version += 1


def locked_batch(batch_id: int) -> CountBatch:
    batch = db.session.get(CountBatch, batch_id, with_for_update=True, populate_existing=True)
    if batch is None:
        raise NotFound(msg("No count batch #{batch_id}.", batch_id=batch_id))
    return batch


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
    abc_shares: tuple[Decimal, Decimal] | None = None,
) -> CountBatch:
    """A batch of the lines the selection covers. A form's key makes a double submit
    return the first batch. abc_shares: Settings.abc_shares, for a selection by ABC class."""
    now = now or utcnow()

    def make():
        keys = _keys_for(location_id, selection, now, abc_shares)
        if not keys:
            raise NothingToCount(msg("Nothing in stock matches that selection. Widen it and try again."))
        batch = CountBatch(location_id=location_id, selection=selection.describe(), created_by=actor_id)
        db.session.add(batch)
        db.session.flush()
        db.session.add_all(
            CountLine(batch_id=batch.id, bin_id=bin_id, product_id=product_id, lot_id=lot_id)
            for product_id, bin_id, lot_id in keys
        )
        return batch

    return commands.run(
        "counts.create",
        make,
        key=key,
        actor_id=actor_id,
        request=[location_id, selection.describe(), abc_shares],
        **commands.by_id(CountBatch),
    )


def create_due(
    location_id: int,
    *,
    actor_id: int,
    abc_class: str = "",
    now: datetime | None = None,
    abc_shares: tuple[Decimal, Decimal] | None = None,
    every_days: Mapping[str, int] | None = None,
    key: str | None = None,
) -> list[CountBatch]:
    """A batch per ABC class with SKUs due today at the location (or of `abc_class` only),
    each as the counts page makes it: the due SKUs of the class, in stock there. A class
    whose due SKUs hold no stock here is left out; none at all is refused (NothingToCount),
    as is a chosen class with nothing due."""
    now = now or utcnow()

    def make() -> list[CountBatch]:
        due = abc.due_by_class(now, location_id=location_id, shares=abc_shares, every_days=every_days)
        if abc_class and abc_class not in due:
            raise NothingToCount(
                msg(
                    "Nothing of class {abc_class} is due today here. Choose another class.",
                    abc_class=abc_class,
                )
            )
        made = []
        for cls in [abc_class] if abc_class else list(due):
            selection = Selection(skus=due[cls], abc_class=cls)
            try:
                made.append(create(location_id, selection, actor_id=actor_id, now=now, abc_shares=abc_shares))
            except NothingToCount:  # raised before anything is written
                if abc_class:
                    raise
        if not made:
            raise NothingToCount(msg("Nothing due for counting today holds stock here."))
        return made

    return commands.run(
        "counts.create_due",
        make,
        key=key,
        actor_id=actor_id,
        request=[location_id, abc_class, abc_shares],
        remember=lambda made: {"ids": [batch.id for batch in made]},
        recall=lambda stored: [db.session.get(CountBatch, batch_id) for batch_id in stored["ids"]],
    )


def cancel(batch_id: int, *, actor_id: int, key: str | None = None) -> CountBatch:
    """Cancel a batch not yet in review (open, counting or submitted): nothing was posted
    from it, its counts are set aside, and its bins are no longer hidden from operators.
    Cancelling a cancelled batch changes nothing."""

    def work() -> CountBatch:
        batch = locked_batch(batch_id)
        move_batch(batch, S.CANCELLED)
        return batch

    return commands.run(
        "counts.cancel", work, key=key, actor_id=actor_id, request=[batch_id], **commands.by_id(CountBatch)
    )


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
            raise NothingToCount(msg("No open count requests at this location."))
        keys = _keys_for_requests(location_id, requests)
        batch = CountBatch(
            location_id=location_id,
            created_by=actor_id,
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
            raise CountRefused(msg("These requests were just taken on another screen. Reload."))
        return batch

    return commands.run(
        "counts.create_from_requests",
        make,
        key=key,
        actor_id=actor_id,
        request=[location_id],
        **commands.by_id(CountBatch),
    )


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


def _keys_for(
    location_id: int, selection: Selection, now: datetime, abc_shares: tuple[Decimal, Decimal] | None
) -> list[tuple[int, int, int]]:
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
        classes = abc.classify(now, location_id=location_id, shares=abc_shares)
        keys = [key for key in keys if classes.get(key[0]) == selection.abc_class]
    return keys


# --- reading ----------------------------------------------------------------------------


def header(batch_id: int) -> CountBatch:
    """The batch's own row, without its lines: enough to check who may count it and to
    read a scan. `get` loads every line, for drawing a page."""
    batch = db.session.get(CountBatch, batch_id)
    if batch is None:
        raise NotFound(msg("No count batch #{batch_id}.", batch_id=batch_id))
    return batch


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
        raise NotFound(msg("No count batch #{batch_id}.", batch_id=batch_id))
    return batch


def by_number(number: str) -> CountBatch | None:
    digits = number.strip().upper().removeprefix("CNT-")
    if not digits.isdigit() or len(digits) > 9:
        return None
    return db.session.scalar(select(CountBatch).where(CountBatch.serial == int(digits)))  # per organisation


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


@dataclass(frozen=True)
class FormItem:
    """What to look for on a blind count form: never how many."""

    sku: str
    name: str
    lot: str | None
    recount: bool  # a recount of this key waits


@dataclass(frozen=True)
class FormBin:
    bin: Bin
    items: list[FormItem]


def blind_form(batch: CountBatch) -> list[FormBin]:
    """The count sheet as data: per bin in walking order, each SKU x lot of the batch once
    (a recount line repeats its key), marked when a recount of it waits. No quantity the
    ledger holds, nor one counted so far, is part of it."""
    keys: dict[tuple[int, int, int], tuple[CountLine, bool]] = {}
    for line in batch.lines:
        waiting = line.status is L.PENDING and line.recount_of_id is not None
        first, recount = keys.get((line.bin_id, line.product_id, line.lot_id), (line, False))
        keys[(line.bin_id, line.product_id, line.lot_id)] = (first, recount or waiting)
    by_bin: dict[int, FormBin] = {}
    for line, recount in keys.values():
        lot = line.lot.code if line.lot_id != NO_LOT else None
        entry = by_bin.setdefault(line.bin_id, FormBin(line.bin, []))
        entry.items.append(FormItem(line.product.sku, line.product.name, lot, recount))
    for entry in by_bin.values():
        entry.items.sort(key=lambda item: (item.sku, item.lot or ""))
    return sorted(by_bin.values(), key=lambda entry: entry.bin.code)
