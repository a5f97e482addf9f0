"""Units missing on arrival: shipped, not received, still in transit on the transfer.

A received transfer with missing units waits for a supervisor to say, per line, what
happened to them (any part of them at a time):

- found: they arrived after all. One transfer_in posting (reason ``found``) moves them
  from transit into the destination's receiving bin, and put-away tasks open for them.
- lost: one adjustment posting (reason ``write_off``) takes them off transit.

Both carry the transfer as reference, so the transfer's movements say where every unit
went. When the last missing unit is resolved the transfer is completed in the same
transaction; until then `complete` refuses and names what is missing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from warehouse import ledger
from warehouse.core import commands
from warehouse.core.columns import utcnow
from warehouse.core.errors import (
    InvalidPosting,
    NoteTooLong,
    NotFound,
    QuantityOutOfRange,
    TransferWrongState,
)
from warehouse.core.i18n import msg
from warehouse.inbound import putaway, receiving
from warehouse.ledger.models import MovementType, ReasonCode
from warehouse.transfers.lifecycle import MAX_QTY, S, locked_transfer, move_transfer
from warehouse.transfers.models import MissingOutcome, Transfer, TransferLine
from warehouse.transfers.picking import transit
from warehouse.transfers.receiving import arrival

MAX_NOTE = 300


@dataclass(frozen=True)
class Resolved:
    """What a resolution did. `still_missing` counts the transfer's units still missing
    after it; `completed` says the transfer was completed by it."""

    transfer_id: int
    line_id: int
    outcome: MissingOutcome
    qty: int
    posting_id: int
    still_missing: int
    completed: bool
    replayed: bool = False


def resolve_missing(
    transfer_id: int,
    line_id: int,
    outcome: MissingOutcome | str,
    qty: int,
    *,
    actor_id: int | None,
    note: str | None = None,
    key: str | None = None,
) -> Resolved:
    """Say that `qty` of a line's missing units were found or lost (see the module).

    Checks, in order: the quantity (a whole number, 1 to MAX_QTY); found or lost; the
    note's length; then in the write: the transfer is received (TransferWrongState), the
    line is on it (NotFound), and at most the line's missing units (QuantityOutOfRange).
    A form's key (or an API call's) makes a retry answer with the first resolution."""
    if not isinstance(qty, int) or isinstance(qty, bool) or not 1 <= qty <= MAX_QTY:
        raise QuantityOutOfRange(msg("Resolve 1 to {limit:,} units.", limit=MAX_QTY))
    try:
        outcome = MissingOutcome(outcome)
    except ValueError:
        raise InvalidPosting(msg("Say whether the missing units were found or lost.")) from None
    note = (note or "").strip() or None
    if note and len(note) > MAX_NOTE:
        raise NoteTooLong(msg("Keep the note under {limit} characters.", limit=MAX_NOTE))

    def run() -> Resolved:
        transfer = locked_transfer(transfer_id)
        line = _missing_line(transfer, line_id, qty)
        posted = (_found if outcome is MissingOutcome.FOUND else _lost)(transfer, line, qty, actor_id, note)
        line.qty_missing -= qty
        if outcome is MissingOutcome.FOUND:
            line.qty_found += qty
        else:
            line.qty_lost += qty
        transfer.version += 1
        completed = transfer.units_missing == 0
        if completed:
            move_transfer(transfer, S.COMPLETED, "completed", actor_id=actor_id)
            transfer.completed_at = utcnow()
        return Resolved(
            transfer.id, line.id, outcome, qty, posted.posting_id, transfer.units_missing, completed
        )

    return commands.run(
        "transfers.resolve_missing",
        run,
        key=key,
        actor_id=actor_id,
        request=[transfer_id, line_id, outcome.value, qty, note],
        remember=lambda done: {k: v for k, v in asdict(done).items() if k != "replayed"},
        recall=lambda stored: Resolved(
            **{**stored, "outcome": MissingOutcome(stored["outcome"])}, replayed=True
        ),
    )


def _missing_line(transfer: Transfer, line_id: int, qty: int) -> TransferLine:
    if transfer.status is not S.RECEIVED:
        raise TransferWrongState(
            msg(
                "{number} is {status}: only a received transfer has missing units to resolve.",
                number=transfer.number,
                status=transfer.status,
            )
        )
    line = next((l for l in transfer.lines if l.id == line_id), None)
    if line is None:
        raise NotFound(msg("No such line on {number}. Reload the transfer.", number=transfer.number))
    said = dict(sku=line.product.sku, number=transfer.number, missing=line.qty_missing)
    if not line.qty_missing:
        raise QuantityOutOfRange(msg("No {sku} is missing on {number}.", **said))
    if qty > line.qty_missing:
        raise QuantityOutOfRange(
            msg("Only 1 of {sku} is missing on {number}: resolve 1 to 1.", **said)
            if line.qty_missing == 1
            else msg("Only {missing} of {sku} are missing on {number}: resolve 1 to {missing}.", **said)
        )
    return line


def open_lots(line: TransferLine) -> list[tuple[int, int]]:
    """The line's missing units still open, lot by lot: (lot id, units), in the order they
    were picked; resolutions take them from the front."""
    resolved = line.qty_found + line.qty_lost
    out = []
    for lot_id, qty in arrival(line).missing.items():
        taken = min(qty, resolved)
        resolved -= taken
        if qty - taken:
            out.append((lot_id, qty - taken))
    return out


def _taking(line: TransferLine, qty: int) -> list[tuple[int, int]]:
    out = []
    for lot_id, units in open_lots(line):
        take = min(units, qty)
        if take:
            out.append((lot_id, take))
        qty -= take
    return out


def _posting_key(transfer: Transfer, line: TransferLine) -> str:
    """Unique per resolution (the units resolved so far count them): the ledger's own
    guard beneath the command's key."""
    return f"transfer:{transfer.id}:line:{line.id}:resolved:{line.qty_found + line.qty_lost}"


def _found(transfer, line, qty, actor_id, note) -> ledger.Posted:
    transit_bin, dock = transit(transfer), receiving.receiving_bin(transfer.to_location_id)
    taking = _taking(line, qty)
    posted = ledger.post(
        MovementType.TRANSFER_IN,
        [
            ledger.Line(line.product_id, transit_bin.location_id, transit_bin.id, lot, qty=-n)
            for lot, n in taking
        ]
        + [ledger.Line(line.product_id, dock.location_id, dock.id, lot, qty=n) for lot, n in taking],
        actor_id=actor_id,
        key=_posting_key(transfer, line),
        reference=("transfer", transfer.number),
        reason=ReasonCode.FOUND,
        note=_said(f"Found: {qty} × {line.product.sku} missing on arrival", note),
    )
    for lot_id, units in taking:
        putaway.open_task(dock, line.product_id, lot_id, units)
    return posted


def _lost(transfer, line, qty, actor_id, note) -> ledger.Posted:
    transit_bin = transit(transfer)
    return ledger.post(
        MovementType.ADJUSTMENT,
        [
            ledger.Line(line.product_id, transit_bin.location_id, transit_bin.id, lot, qty=-n)
            for lot, n in _taking(line, qty)
        ],
        actor_id=actor_id,
        key=_posting_key(transfer, line),
        reference=("transfer", transfer.number),
        reason=ReasonCode.WRITE_OFF,
        note=_said(f"Lost in transit: {qty} × {line.product.sku} written off", note),
    )


def _said(what: str, note: str | None) -> str:
    return f"{what}: {note}" if note else f"{what}."


def missing_lines(transfer: Transfer) -> list[TransferLine]:
    """The lines with units still missing (what `complete` asks about)."""
    return [line for line in transfer.lines if line.qty_missing]
