"""Resolving a submitted batch (the supervisor's side): accept (post the variance as
adjustment_count), recount or reject, never a line one counted oneself; and the
per-ABC-class tolerances that accept small variances without a person."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import update

from warehouse import ledger
from warehouse.core.clock import utcnow
from warehouse.core.errors import CountRefused, FourEyes, NotFound
from warehouse.core.extensions import db
from warehouse.core.i18n import msg
from warehouse.counts import abc
from warehouse.counts.batches import L, S, locked_batch, move_batch
from warehouse.counts.models import CountBatch, CountLine
from warehouse.integrations import events
from warehouse.ledger.models import MovementType, ReasonCode


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
    batch = locked_batch(batch_id)
    if batch.status not in (S.SUBMITTED, S.IN_REVIEW):
        raise CountRefused(
            msg(
                "{number} is {status}: submit it before review.",
                number=batch.number,
                status=batch.status,
            )
        )
    move_batch(batch, S.IN_REVIEW)
    chosen = [l for l in batch.lines if l.id in set(line_ids)]
    if len(chosen) != len(set(line_ids)):
        raise NotFound(msg("A chosen line is not on this batch."))
    for line in chosen:
        if line.status is not L.COUNTED:
            raise CountRefused(
                msg(
                    "{bin} {sku} is {status}: nothing to resolve.",
                    bin=line.bin.code,
                    sku=line.product.sku,
                    status=line.status,
                )
            )
        if line.counted_by == actor_id:
            raise FourEyes(
                msg(
                    "You counted {bin} {sku}: another supervisor must resolve it.",
                    bin=line.bin.code,
                    sku=line.product.sku,
                )
            )
        action(batch, line, actor_id)
        line.resolved_by, line.resolved_at = actor_id, utcnow()
    if all(l.status in (L.ACCEPTED, L.REJECTED, L.RECOUNT) for l in batch.lines):
        move_batch(batch, S.RESOLVED)
        batch.resolved_at = utcnow()
        events.publish("count.resolved", _resolved_event(batch))
    elif any(l.status is L.PENDING for l in batch.lines):
        move_batch(batch, S.COUNTING)  # recounts are waiting for a counter
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
        raise CountRefused(msg("This line was resolved on another screen."))
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
    batch: CountBatch,
    tolerances: dict[str, Tolerance] = DEFAULT_TOLERANCES,
    now: datetime | None = None,
    abc_shares: tuple[Decimal, Decimal] | None = None,
) -> list[CountLine]:
    """Counted lines whose variance the rules accept without a person (per ABC class)."""
    classes = abc.classify(now or utcnow(), location_id=batch.location_id, shares=abc_shares)
    return [
        l
        for l in batch.lines
        if l.status is L.COUNTED
        and tolerances.get(classes.get(l.product_id, "C"), DEFAULT_TOLERANCES["C"]).allows(l)
    ]


def value(line: CountLine) -> Decimal:
    return Decimal(line.variance or 0) * Decimal(line.product.unit_cost or 0)
