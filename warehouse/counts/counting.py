"""Counting on the floor (the counter's side: blind): record a count or "bin empty"
bin by bin, then submit the batch for review. A recount goes to someone other than the
first counter."""

from __future__ import annotations

from sqlalchemy.orm import joinedload

from warehouse import ledger
from warehouse.catalog import lots
from warehouse.catalog.models import NO_LOT, Bin, Product
from warehouse.core import commands
from warehouse.core.clock import utcnow
from warehouse.core.errors import CountRefused, FourEyes, QuantityOutOfRange
from warehouse.core.extensions import db
from warehouse.core.i18n import Message, msg
from warehouse.counts.batches import L, S, locked_batch, move_batch
from warehouse.counts.models import CountBatch, CountLine

MAX_COUNT = 1_000_000


def record(
    batch_id: int,
    bin: Bin,
    product: Product,
    *,
    actor_id: int,
    add: int | None = None,
    set_to: int | None = None,
    lot_code: str | None = None,
    key: str | None = None,
) -> CountLine:
    """Count an item in a bin: add units (a scan adds one) or set the count (typed).

    Checks, in order: the quantity (0 to MAX_COUNT, never +0); the batch is this bin's
    location's and still counting (CountRefused); the lot, for a lot-tracked item; the
    counter of a recount line is not its first counter (FourEyes). A scan's id as `key`
    makes a retried scan count once: the retry gets the line as the first scan left it."""
    qty = add if add is not None else set_to
    if qty is None or not 0 <= qty <= MAX_COUNT or (add is not None and add == 0):
        raise QuantityOutOfRange(msg("Count 0 to {most:,} units.", most=MAX_COUNT))
    return commands.run(
        "counts.record",
        lambda: _record(batch_id, bin, product, actor_id, add, set_to, lot_code),
        key=key,
        actor_id=actor_id,
        request=[batch_id, bin.id, product.id, add, set_to, lot_code],
        remember=lambda line: {"line_id": line.id, "counted_qty": line.counted_qty},
        recall=_line_as_counted,
    )


def _line_as_counted(stored: dict) -> CountLine:
    """The line the first scan counted, with the count it answered (later scans may have
    counted more since: the replay says what the first answer said)."""
    line = db.session.get(CountLine, stored["line_id"], options=[joinedload(CountLine.lot)])
    db.session.expunge(line)  # an answer, not a change: never flushed back
    line.counted_qty = stored["counted_qty"]
    return line


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
            msg(
                "You counted {sku} in {bin} the first time: a colleague must recount it. Count the other bins.",
                sku=line.product.sku,
                bin=line.bin.code,
            )
        )


def _stamp(line: CountLine, actor_id: int) -> None:
    """Counted now: keep the ledger's quantity at this very instant beside the count."""
    line.ledger_qty_at_count = ledger.balance(line.product_id, line.bin_id, line.lot_id)[0]
    line.counted_by, line.counted_at, line.status = actor_id, utcnow(), L.COUNTED
    line.batch.version += 1


def _counting(batch_id: int, bin: Bin) -> CountBatch:
    batch = locked_batch(batch_id)
    if batch.status is S.OPEN:
        move_batch(batch, S.COUNTING)
    if batch.status is not S.COUNTING:
        raise CountRefused(counting_closed(batch))
    if bin.location_id != batch.location_id:
        raise CountRefused(not_here(batch, bin))
    return batch


def counting_closed(batch: CountBatch) -> Message:
    """Why a batch takes no more counts: its status is said in the reader's language (core/i18n.py)."""
    return msg("{number} is {status}: counting is closed.", number=batch.number, status=batch.status)


def not_here(batch: CountBatch, bin: Bin) -> Message:
    return msg("{bin} is not at {location}. Scan a bin there.", bin=bin.code, location=batch.location.code)


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
    raise CountRefused(msg("{sku} is lot-tracked: scan its GS1 label so the lot is known.", sku=product.sku))


def submit(batch_id: int, *, actor_id: int) -> CountBatch:
    def run():
        batch = locked_batch(batch_id)
        if batch.status not in (S.OPEN, S.COUNTING):
            raise CountRefused(_submitted_already(batch))
        left = sorted({l.bin.code for l in batch.lines if l.status is L.PENDING})
        if batch.status in (S.OPEN, S.COUNTING) and left:
            raise CountRefused(
                msg("Bins not counted yet: {bins}. Count them or answer 'bin empty'.", bins=", ".join(left))
            )
        move_batch(batch, S.SUBMITTED)
        batch.submitted_at = utcnow()
        return batch

    return ledger.atomically(run)


def _submitted_already(batch: CountBatch) -> Message:
    """Why a batch cannot be submitted again: its status is said in the reader's language (core/i18n.py)."""
    return msg("{number} is {status}: it was already submitted.", number=batch.number, status=batch.status)
